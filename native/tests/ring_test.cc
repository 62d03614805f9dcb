// brigade-test-sources: native/bridge/lane.cc native/buckets/slab_allocator.cc
// MessageRing (the bridge's SPSC ring): one producer thread, one consumer
// thread, messages of random sizes including ones that force PAD wrap-around.
// Every message arrives once, in order, with intact contents; under TSan this
// also checks the release/acquire publication of head and tail.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "bridge/ring.h"

using brigade::bridge::MessageRing;
using brigade::bridge::MsgHeader;

#include "tests/check.h"

using brigade::test::failures;
using brigade::test::passed;

struct Shared {
  alignas(64) uint32_t head = 0;
  alignas(64) uint32_t tail = 0;
  std::vector<uint8_t> data;
};

static void single_thread_basics() {
  Shared sh;
  sh.data.resize(4096);
  MessageRing p, c;
  p.attach(sh.data.data(), 4096, &sh.head, &sh.tail);
  c.attach(sh.data.data(), 4096, &sh.head, &sh.tail);
  CHECK(c.peek() == nullptr);
  uint8_t* m = p.reserve(24);
  CHECK(m != nullptr);
  auto* h = reinterpret_cast<MsgHeader*>(m);
  h->len = 24;
  h->type = 7;
  CHECK(c.peek() == nullptr);  // not visible before commit
  p.commit();
  const MsgHeader* got = c.peek();
  CHECK(got != nullptr && got->type == 7 && got->len == 24);
  c.pop(got);
  c.release();
  CHECK(c.peek() == nullptr);
  CHECK(p.reserve(p.max_message() + 8) == nullptr);  // too large is refused, not wrapped
  // shrink_last to 0 cancels a reservation
  uint8_t* x = p.reserve(64);
  p.shrink_last(x, 0);
  p.commit();
  CHECK(c.peek() == nullptr);
}

static void two_threads(uint32_t cap, uint64_t count, uint32_t seed) {
  Shared sh;
  sh.data.resize(cap);
  MessageRing prod, cons;
  prod.attach(sh.data.data(), cap, &sh.head, &sh.tail);
  cons.attach(sh.data.data(), cap, &sh.head, &sh.tail);
  std::atomic<uint64_t> bad{0};
  std::thread producer([&] {
    std::mt19937 rng(seed);
    for (uint64_t i = 0; i < count;) {
      // Mostly small messages, now and then one near the largest allowed, so
      // wrap-around (PAD) is exercised without lock-step ping-pong on tiny rings.
      uint32_t body = (rng() % 16 == 0) ? rng() % (cap / 4 - 24) : rng() % 200;
      uint32_t len = 16 + body;
      uint8_t* m = prod.reserve(len);
      if (!m) {
        prod.commit();  // as the I/O loop does at the end of every turn
        std::this_thread::yield();
        continue;
      }
      auto* h = reinterpret_cast<MsgHeader*>(m);
      h->len = brigade::bridge::align8(len);
      h->type = 1;
      h->flags = 0;
      h->aux = 0;
      std::memcpy(m + 8, &i, 8);
      for (uint32_t k = 0; k < body; ++k) m[16 + k] = static_cast<uint8_t>(i + k);
      // Commit in small batches, as the I/O loop does once per turn.
      if ((rng() & 3) == 0 || i + 1 == count) prod.commit();
      ++i;
    }
    prod.commit();
  });
  std::thread consumer([&] {
    uint64_t expect = 0;
    while (expect < count) {
      const MsgHeader* h = cons.peek();
      if (!h) {
        cons.release();
        std::this_thread::yield();
        continue;
      }
      const uint8_t* m = reinterpret_cast<const uint8_t*>(h);
      uint64_t seq;
      std::memcpy(&seq, m + 8, 8);
      if (seq != expect || h->type != 1) bad.fetch_add(1);
      uint32_t body = h->len - 16;
      // The last up-to-7 bytes are alignment padding.
      for (uint32_t k = 0; k + 8 <= body; ++k)
        if (m[16 + k] != static_cast<uint8_t>(seq + k)) {
          bad.fetch_add(1);
          break;
        }
      cons.pop(h);
      if ((expect & 7) == 0) cons.release();
      ++expect;
    }
    cons.release();
  });
  producer.join();
  consumer.join();
  CHECK(bad.load() == 0);
}

int main() {
  single_thread_basics();
  const char* env = std::getenv("BRIGADE_STRESS_ITERS");
  uint64_t n = env ? std::strtoull(env, nullptr, 10) : 30000;
#if defined(__SANITIZE_THREAD__)
  if (n > 10000) n = 10000;
#endif
  two_threads(4096, n / 4, 1);
  two_threads(65536, n, 2);
  two_threads(1u << 20, n, 3);
  std::printf("ring_test: %d passed, %d failed\n", passed, failures);
  return failures == 0 ? 0 : 1;
}
