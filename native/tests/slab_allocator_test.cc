// brigade-test-sources: native/buckets/slab_allocator.cc
//
// SlabAllocator: unit tests plus a cross-thread stress test (run it under
// TSan: scripts/native-tests.sh tsan). Standalone, no test framework.
//
// Stress size: BRIGADE_STRESS_ITERS = slab round trips per phase (phases: 1,
// 2 and 3 consumers; then 3 consumers with 8 ids (1/4 as many) and with 128
// ids (1/20 as many)).
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "buckets/slab_allocator.h"

using brigade::buckets::Slab;
using brigade::buckets::SlabAllocator;
using brigade::buckets::SlabStats;

#if defined(__SANITIZE_THREAD__)
#define BRIGADE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BRIGADE_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BRIGADE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BRIGADE_ASAN 1
#endif
#endif

namespace {

// ---- tiny test harness -------------------------------------------------------

int g_checks = 0;
int g_check_failures = 0;  // failures within the current test

#define CHECK(cond)                                                        \
  do {                                                                     \
    g_checks++;                                                            \
    if (!(cond)) {                                                         \
      g_check_failures++;                                                  \
      std::fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

#define CHECK_EQ(a, b)                                                                 \
  do {                                                                                 \
    g_checks++;                                                                        \
    const auto va_ = (a);                                                              \
    const auto vb_ = (b);                                                              \
    if (!(va_ == vb_)) {                                                               \
      g_check_failures++;                                                              \
      std::fprintf(stderr, "  %s:%d: CHECK_EQ(%s, %s) failed: %lld vs %lld\n", __FILE__, \
                   __LINE__, #a, #b, static_cast<long long>(va_), static_cast<long long>(vb_)); \
    }                                                                                  \
  } while (0)

struct TestCase {
  const char* name;
  void (*fn)();
};
std::vector<TestCase>& registry() {
  static std::vector<TestCase> r;
  return r;
}
struct Register {
  Register(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};
#define TEST(name)                              \
  void test_##name();                           \
  Register reg_##name(#name, &test_##name);     \
  void test_##name()

bool aligned64(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 63u) == 0; }

uint64_t in_use_slabs(const SlabAllocator& a) { return a.stats().slabs_in_use; }

// ---- unit tests --------------------------------------------------------------

TEST(class_for) {
  CHECK_EQ(SlabAllocator::class_for(0), 0);
  CHECK_EQ(SlabAllocator::class_for(1), 0);
  CHECK_EQ(SlabAllocator::class_for(4096), 0);
  CHECK_EQ(SlabAllocator::class_for(4097), 1);
  CHECK_EQ(SlabAllocator::class_for(16384), 1);
  CHECK_EQ(SlabAllocator::class_for(16385), 2);
  CHECK_EQ(SlabAllocator::class_for(65536), 2);
  CHECK_EQ(SlabAllocator::class_for(65537), 3);
  CHECK_EQ(SlabAllocator::class_for(262144), 3);
  CHECK_EQ(SlabAllocator::class_for(262145), 4);
  CHECK_EQ(SlabAllocator::class_for(1048576), 4);
  CHECK_EQ(SlabAllocator::class_for(1048577), 5);
  CHECK_EQ(SlabAllocator::class_for(4194304), 5);
  CHECK_EQ(SlabAllocator::class_for(4194305), -1);
  CHECK_EQ(SlabAllocator::class_for(SIZE_MAX), -1);
  for (uint32_t c = 0; c < SlabAllocator::kNumClasses; c++) {
    CHECK_EQ(SlabAllocator::class_for(SlabAllocator::kClassBytes[c]), static_cast<int>(c));
  }
}

TEST(allocate_sizes_and_alignment) {
  SlabAllocator a;
  const size_t sizes[] = {0, 1, 63, 64, 4095, 4096, 4097, 10000, 16384, 16385, 65536,
                          100000, 262144, 262145, 1048576, 1048577, 4194304};
  std::vector<Slab*> held;
  for (size_t n : sizes) {
    Slab* s = a.allocate(n);
    CHECK(s != nullptr);
    if (s == nullptr) continue;
    const int c = SlabAllocator::class_for(n);
    CHECK_EQ(s->size_class, c);
    CHECK_EQ(s->capacity, SlabAllocator::kClassBytes[c]);
    CHECK(s->capacity >= n);
    CHECK(aligned64(s->data));
    CHECK(s->id >= 1);
    CHECK(s->owner == &a);
    CHECK_EQ(s->refs, 0u);
    std::memset(s->data, 0xA5, s->capacity);  // whole capacity is writable (ASan checks)
    held.push_back(s);
  }
  // Too large: nullptr, and nothing counted.
  const uint64_t allocs_before = a.stats().allocations;
  CHECK(a.allocate(SlabAllocator::kClassBytes[SlabAllocator::kNumClasses - 1] + 1) == nullptr);
  CHECK_EQ(a.stats().allocations, allocs_before);
  // Distinct slabs, distinct ids, non-overlapping data.
  for (size_t i = 0; i < held.size(); i++) {
    for (size_t j = i + 1; j < held.size(); j++) {
      CHECK(held[i]->id != held[j]->id);
      const uint8_t* ai = held[i]->data;
      const uint8_t* aj = held[j]->data;
      CHECK(ai + held[i]->capacity <= aj || aj + held[j]->capacity <= ai);
    }
  }
  for (Slab* s : held) a.free_local(s);
  CHECK_EQ(in_use_slabs(a), 0u);
}

TEST(refs_reset_on_allocate) {
  SlabAllocator a;
  Slab* s = a.allocate(100);
  CHECK(s != nullptr);
  s->refs = 7;
  a.free_local(s);
  Slab* t = a.allocate(100);
  CHECK(t == s);  // LIFO reuse of the same slab
  CHECK_EQ(t->refs, 0u);
  t->refs = 3;
  std::thread([&] { a.free_remote(t); }).join();
  Slab* u = a.allocate(100);
  CHECK(u == s);
  CHECK_EQ(u->refs, 0u);
  a.free_local(u);
}

TEST(ids_stable_and_by_id) {
  SlabAllocator a(100);
  CHECK(a.by_id(0) == nullptr);
  CHECK(a.by_id(101) == nullptr);
  CHECK(a.by_id(UINT32_MAX) == nullptr);
  CHECK(a.by_id(1) == nullptr);  // never used yet
  std::vector<Slab*> v;
  for (int i = 0; i < 20; i++) {
    Slab* s = a.allocate(static_cast<size_t>(1000 * (i + 1)));
    CHECK(s != nullptr);
    if (s == nullptr) return;
    CHECK(a.by_id(s->id) == s);
    v.push_back(s);
  }
  // Ids are dense from 1 while nothing is recycled.
  for (size_t i = 0; i < v.size(); i++) CHECK_EQ(v[i]->id, i + 1);
  // Recycled slabs keep their id (free lists keep the header and the id).
  std::vector<uint32_t> ids;
  for (Slab* s : v) ids.push_back(s->id);
  for (Slab* s : v) a.free_local(s);
  for (size_t i = 0; i < v.size(); i++) CHECK(a.by_id(ids[i]) == v[i]);  // still in the table
  std::vector<Slab*> w;
  for (int i = 0; i < 20; i++) w.push_back(a.allocate(static_cast<size_t>(1000 * (i + 1))));
  for (Slab* s : w) {
    CHECK(s != nullptr);
    if (s == nullptr) return;
    CHECK(s->id >= 1 && s->id <= 20);  // no new ids: everything came from the free lists
    CHECK(a.by_id(s->id) == s);
  }
  // by_id from another thread for an id it was handed.
  std::atomic<int> ok{0};
  std::thread th([&] {
    for (Slab* s : w) ok.fetch_add(a.by_id(s->id) == s ? 1 : 0, std::memory_order_relaxed);
  });
  th.join();
  CHECK_EQ(ok.load(), 20);
  for (Slab* s : w) a.free_local(s);
  CHECK_EQ(a.stats().slabs_total, 20u);
}

TEST(stats_accounting_back_to_baseline) {
  SlabAllocator a;
  const SlabStats base = a.stats();
  CHECK_EQ(base.slabs_total, 0u);
  CHECK_EQ(base.slabs_in_use, 0u);
  CHECK_EQ(base.bytes_in_use, 0u);
  CHECK_EQ(base.bytes_reserved, 0u);
  CHECK_EQ(base.allocations, 0u);
  const size_t sizes[] = {10, 5000, 20000, 70000, 300000, 2000000, 100, 200};
  std::vector<Slab*> v;
  uint64_t bytes = 0;
  for (size_t n : sizes) {
    Slab* s = a.allocate(n);
    CHECK(s != nullptr);
    if (s == nullptr) return;
    bytes += s->capacity;
    v.push_back(s);
  }
  SlabStats st = a.stats();
  CHECK_EQ(st.allocations, 8u);
  CHECK_EQ(st.slabs_in_use, 8u);
  CHECK_EQ(st.bytes_in_use, bytes);
  CHECK_EQ(st.slabs_total, 8u);
  CHECK_EQ(st.bytes_reserved, bytes);
  // Half local, half remote (from two other threads).
  a.free_local(v[0]);
  a.free_local(v[1]);
  a.free_local(v[2]);
  a.free_local(v[3]);
  std::thread t1([&] { a.free_remote(v[4]); a.free_remote(v[5]); });
  std::thread t2([&] { a.free_remote(v[6]); a.free_remote(v[7]); });
  t1.join();
  t2.join();
  st = a.stats();
  CHECK_EQ(st.local_frees, 4u);
  CHECK_EQ(st.remote_frees, 4u);
  CHECK_EQ(st.slabs_in_use, 0u);  // remote frees count as soon as they are made
  CHECK_EQ(st.bytes_in_use, 0u);
  a.reclaim_remote();
  st = a.stats();
  CHECK_EQ(st.slabs_in_use, 0u);
  CHECK_EQ(st.bytes_in_use, 0u);
  CHECK_EQ(st.slabs_total, 8u);  // all kept: 64 MiB default cap
  CHECK_EQ(st.bytes_reserved, bytes);
  // Reuse: no new slabs.
  for (size_t n : sizes) {
    Slab* s = a.allocate(n);
    CHECK(s != nullptr);
    if (s) a.free_local(s);
  }
  st = a.stats();
  CHECK_EQ(st.slabs_total, 8u);
  CHECK_EQ(st.allocations, 16u);
  CHECK_EQ(st.local_frees, 12u);
  CHECK_EQ(st.slabs_in_use, 0u);
}

TEST(allocate_drains_remote_stack) {
  SlabAllocator a;
  Slab* s = a.allocate(3000);
  CHECK(s != nullptr);
  std::thread([&] { a.free_remote(s); }).join();
  CHECK_EQ(a.stats().slabs_total, 1u);
  Slab* t = a.allocate(3000);  // free list empty -> must take the remote stack
  CHECK(t == s);
  CHECK_EQ(a.stats().slabs_total, 1u);
  a.free_local(t);
}

TEST(max_free_cap_releases_to_os) {
  SlabAllocator a(64, 65536);  // keep at most 64 KiB free
  std::vector<Slab*> v;
  for (int i = 0; i < 10; i++) v.push_back(a.allocate(16384));
  for (Slab* s : v) CHECK(s != nullptr);
  CHECK_EQ(a.stats().bytes_reserved, 10u * 16384);
  std::vector<uint32_t> ids;
  for (Slab* s : v) ids.push_back(s->id);
  for (Slab* s : v) a.free_local(s);
  SlabStats st = a.stats();
  CHECK_EQ(st.slabs_total, 4u);  // 4 x 16 KiB fit under the cap
  CHECK_EQ(st.bytes_reserved, 65536u);
  CHECK_EQ(st.slabs_in_use, 0u);
  // Released ids are gone from the table; kept ones are still there.
  int present = 0;
  for (uint32_t id : ids) present += a.by_id(id) != nullptr ? 1 : 0;
  CHECK_EQ(present, 4);
  // Allocate 10 again: 4 reused, 6 new, all with recycled ids (no id > 10).
  v.clear();
  for (int i = 0; i < 10; i++) v.push_back(a.allocate(16384));
  for (Slab* s : v) {
    CHECK(s != nullptr);
    if (s == nullptr) return;
    CHECK(s->id >= 1 && s->id <= 10);
    CHECK(a.by_id(s->id) == s);
    CHECK(aligned64(s->data));
    std::memset(s->data, 1, s->capacity);
  }
  CHECK_EQ(a.stats().slabs_total, 10u);
  // Same through the remote path.
  std::thread([&] {
    for (Slab* s : v) a.free_remote(s);
  }).join();
  a.reclaim_remote();
  st = a.stats();
  CHECK_EQ(st.slabs_total, 4u);
  CHECK_EQ(st.bytes_reserved, 65536u);
  // A large slab alone exceeds the cap: released immediately.
  Slab* big = a.allocate(4u << 20);
  CHECK(big != nullptr);
  a.free_local(big);
  CHECK_EQ(a.stats().slabs_total, 4u);
  CHECK_EQ(a.stats().bytes_reserved, 65536u);
}

TEST(zero_free_cap) {
  SlabAllocator a(16, 0);
  for (int round = 0; round < 3; round++) {
    Slab* s = a.allocate(1u << 20);
    CHECK(s != nullptr);
    if (!s) return;
    CHECK_EQ(s->id, 1u);  // id recycled each time
    a.free_local(s);
    CHECK_EQ(a.stats().slabs_total, 0u);
    CHECK_EQ(a.stats().bytes_reserved, 0u);
  }
}

TEST(id_table_exhaustion) {
  SlabAllocator a(4);
  Slab* s[4];
  for (int i = 0; i < 4; i++) {
    s[i] = a.allocate(4096);
    CHECK(s[i] != nullptr);
  }
  CHECK(a.allocate(4096) == nullptr);  // table full, nothing free
  CHECK(a.allocate(65536) == nullptr);
  const uint32_t freed_id = s[2]->id;
  a.free_local(s[2]);
  // Another class: the free 4 KiB slab is given back to the OS to reuse its id.
  Slab* t = a.allocate(65536);
  CHECK(t != nullptr);
  if (!t) return;
  CHECK_EQ(t->id, freed_id);
  CHECK_EQ(t->capacity, 65536u);
  CHECK(a.by_id(freed_id) == t);
  CHECK_EQ(a.stats().slabs_total, 4u);
  // Remote frees make room too.
  std::thread([&] { a.free_remote(s[0]); }).join();
  Slab* u = a.allocate(4096);
  CHECK(u == s[0]);
  a.free_local(u);
  a.free_local(s[1]);
  a.free_local(s[3]);
  a.free_local(t);
  CHECK_EQ(a.stats().slabs_in_use, 0u);
}

TEST(concurrent_remote_free_burst) {
  // Many threads push at once while the owner keeps reclaiming.
  SlabAllocator a(4096);
  constexpr int kThreads = 4;
  constexpr int kPer = 500;
  std::vector<Slab*> v;
  for (int i = 0; i < kThreads * kPer; i++) v.push_back(a.allocate(static_cast<size_t>(1 + (i % 3) * 5000)));
  for (Slab* s : v) CHECK(s != nullptr);
  std::atomic<int> go{0};
  std::atomic<int> done{0};
  std::vector<std::thread> th;
  for (int t = 0; t < kThreads; t++) {
    th.emplace_back([&, t] {
      while (go.load(std::memory_order_acquire) == 0) std::this_thread::yield();
      for (int i = 0; i < kPer; i++) a.free_remote(v[static_cast<size_t>(t * kPer + i)]);
      done.fetch_add(1, std::memory_order_release);
    });
  }
  go.store(1, std::memory_order_release);
  while (done.load(std::memory_order_acquire) < kThreads) a.reclaim_remote();
  for (auto& t : th) t.join();
  a.reclaim_remote();
  const SlabStats st = a.stats();
  CHECK_EQ(st.remote_frees, static_cast<uint64_t>(kThreads * kPer));
  CHECK_EQ(st.slabs_in_use, 0u);
  CHECK_EQ(st.bytes_in_use, 0u);
  // Every slab is back in a free list: allocating them all creates nothing new.
  const uint64_t total = st.slabs_total;
  std::vector<Slab*> w;
  for (int i = 0; i < kThreads * kPer; i++) w.push_back(a.allocate(static_cast<size_t>(1 + (i % 3) * 5000)));
  CHECK_EQ(a.stats().slabs_total, total);
  for (Slab* s : w) a.free_local(s);
}

TEST(destructor_with_slabs_everywhere) {
  // Slabs on free lists, on the remote stack, and released: the destructor
  // frees all of it (ASan's leak check would complain otherwise).
  auto a = std::make_unique<SlabAllocator>(32, 1u << 20);
  Slab* x = a->allocate(1u << 20);
  Slab* y = a->allocate(100);
  Slab* z = a->allocate(4u << 20);
  a->free_local(y);
  std::thread([&] { a->free_remote(x); a->free_remote(z); }).join();
  a.reset();
  CHECK(true);
}

// ---- stress ------------------------------------------------------------------

struct Item {
  uint32_t id;    // 0 = stop
  uint32_t size;  // bytes the owner asked for
  uint64_t seq;
};

// Bounded single-producer/single-consumer ring. The consumer frees its slot
// *before* checking the slab, so the ring's own release/acquire never orders
// the consumer's slab accesses before the owner's reuse: only the allocator's
// remote-free path does, which is what TSan must see.
struct Ring {
  static constexpr uint64_t kCap = 64;
  alignas(64) std::atomic<uint64_t> head{0};  // consumer
  alignas(64) std::atomic<uint64_t> tail{0};  // producer
  Item slots[kCap];

  bool push(const Item& it) {
    const uint64_t t = tail.load(std::memory_order_relaxed);
    if (t - head.load(std::memory_order_acquire) == kCap) return false;
    slots[t % kCap] = it;
    tail.store(t + 1, std::memory_order_release);
    return true;
  }
  bool pop(Item* it) {
    const uint64_t h = head.load(std::memory_order_relaxed);
    if (h == tail.load(std::memory_order_acquire)) return false;
    *it = slots[h % kCap];
    head.store(h + 1, std::memory_order_release);
    return true;
  }
};

inline uint64_t pattern(uint64_t seq, uint64_t off) { return (seq * 0x9E3779B97F4A7C15ull) ^ (off * 0xD6E8FEB86659FD93ull); }

// Words written: offset 0, one per 4 KiB page of the requested size, the last
// word of the request, and the last word of the capacity.
template <typename F>
void for_each_probe(uint32_t size, uint32_t capacity, F&& f) {
  for (uint64_t off = 0; off + 8 <= size; off += 4096) f(off);
  if (size >= 8) f((size - 8) & ~uint64_t{7});
  f(capacity - 8);
}

void write_pattern(Slab* s, uint32_t size, uint64_t seq) {
  for_each_probe(size, s->capacity, [&](uint64_t off) {
    const uint64_t v = pattern(seq, off);
    std::memcpy(s->data + off, &v, 8);
  });
}

bool check_pattern(const Slab* s, uint32_t size, uint64_t seq) {
  bool ok = true;
  for_each_probe(size, s->capacity, [&](uint64_t off) {
    uint64_t v;
    std::memcpy(&v, s->data + off, 8);
    ok = ok && v == pattern(seq, off);
  });
  return ok;
}

struct Rng {
  uint64_t x;
  uint64_t next() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
};

// Mostly small, like response bodies; the occasional multi-MiB slab.
// small_only: 4 and 16 KiB classes only.
uint32_t random_size(Rng& r, bool small_only) {
  const uint64_t p = r.next() % (small_only ? 750 : 1000);
  uint32_t c;
  if (p < 450) c = 0;
  else if (p < 750) c = 1;
  else if (p < 930) c = 2;
  else if (p < 985) c = 3;
  else if (p < 997) c = 4;
  else c = 5;
  const uint32_t hi = SlabAllocator::kClassBytes[c];
  const uint32_t lo = c == 0 ? 1 : SlabAllocator::kClassBytes[c - 1] + 1;
  return lo + static_cast<uint32_t>(r.next() % (hi - lo + 1));
}

struct StressResult {
  uint64_t round_trips = 0;
  double seconds = 0;
};

// One owner allocates, writes a pattern and hands slab ids to `consumers`
// threads (round robin, one SPSC ring each); they look the slab up by id,
// verify, scribble on it and free_remote() it. The owner keeps allocating, so
// reclaim (exchange) runs concurrently with pushes. 1 in 16 slabs is freed
// locally instead.
StressResult stress(int consumers, uint64_t iters, uint32_t max_slabs, uint64_t max_free, bool small_only) {
  SlabAllocator a(max_slabs, max_free);
  std::vector<std::unique_ptr<Ring>> rings;
  for (int i = 0; i < consumers; i++) rings.push_back(std::make_unique<Ring>());
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> consumed{0};

  std::vector<std::thread> th;
  for (int ci = 0; ci < consumers; ci++) {
    th.emplace_back([&, ci] {
      Ring& ring = *rings[static_cast<size_t>(ci)];
      uint64_t n = 0;
      for (;;) {
        Item it;
        if (!ring.pop(&it)) {
          std::this_thread::yield();
          continue;
        }
        if (it.id == 0) break;
        Slab* s = a.by_id(it.id);
        if (s == nullptr || s->id != it.id || s->capacity < it.size || !check_pattern(s, it.size, it.seq)) {
          if (errors.fetch_add(1) < 5) {
            std::fprintf(stderr, "  consumer %d: bad slab id=%u seq=%" PRIu64 "\n", ci, it.id, it.seq);
          }
        }
        if (s == nullptr) continue;
        // Write too, so a missing happens-before with the owner's next use of
        // this slab is a write/write race as well as a read/write one.
        const uint64_t poison = ~0ull;
        std::memcpy(s->data, &poison, 8);
        a.free_remote(s);
        n++;
      }
      consumed.fetch_add(n, std::memory_order_relaxed);
    });
  }

  Rng rng{0x243F6A8885A308D3ull ^ static_cast<uint64_t>(consumers)};
  uint64_t sent = 0;
  uint64_t local = 0;
  uint64_t owner_errors = 0;
  uint64_t alloc_waits = 0;
  size_t next_ring = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t seq = 1; sent + local < iters; seq++) {
    const uint32_t size = random_size(rng, small_only);
    Slab* s;
    while ((s = a.allocate(size)) == nullptr) {  // id table full: wait for consumers
      alloc_waits++;
      std::this_thread::yield();
    }
    if (s->capacity < size || !aligned64(s->data) || s->refs != 0 || a.by_id(s->id) != s) owner_errors++;
    write_pattern(s, size, seq);
    if ((rng.next() & 15) == 0) {
      if (!check_pattern(s, size, seq)) owner_errors++;
      a.free_local(s);
      local++;
      continue;
    }
    const Item it{s->id, size, seq};
    while (!rings[next_ring]->push(it)) {
      a.reclaim_remote();  // reclaim while consumers are pushing
      std::this_thread::yield();
    }
    next_ring = (next_ring + 1) % rings.size();
    sent++;
  }
  for (auto& r : rings) {
    while (!r->push(Item{0, 0, 0})) std::this_thread::yield();
  }
  for (auto& t : th) t.join();
  const auto t1 = std::chrono::steady_clock::now();
  a.reclaim_remote();

  const SlabStats st = a.stats();
  CHECK_EQ(errors.load(), 0u);
  CHECK_EQ(owner_errors, 0u);
  CHECK_EQ(consumed.load(), sent);
  CHECK_EQ(st.slabs_in_use, 0u);
  CHECK_EQ(st.bytes_in_use, 0u);
  CHECK_EQ(st.remote_frees, sent);
  CHECK_EQ(st.local_frees, local);
  CHECK_EQ(st.allocations, sent + local);
  CHECK(st.bytes_reserved <= max_free);  // everything is free now, so the cap holds
  CHECK(st.slabs_total <= max_slabs);

  StressResult r;
  r.round_trips = sent + local;
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  std::printf("    %d consumer(s), max_slabs=%u%s: %" PRIu64 " round trips (%" PRIu64 " remote, %" PRIu64
              " local) in %.2f s = %.2f M/s; slabs_total=%" PRIu64 ", id-table waits=%" PRIu64 "\n",
              consumers, max_slabs, small_only ? ", <=16 KiB" : "", r.round_trips, sent, local, r.seconds, r.round_trips / r.seconds / 1e6,
              st.slabs_total, alloc_waits);
  return r;
}

uint64_t stress_iters() {
  if (const char* e = std::getenv("BRIGADE_STRESS_ITERS")) {
    const unsigned long long v = std::strtoull(e, nullptr, 10);
    if (v > 0) return v;
  }
#if defined(BRIGADE_TSAN)
  return 600000;
#elif defined(BRIGADE_ASAN)
  return 1000000;
#else
  return 2000000;
#endif
}

TEST(stress_cross_thread_round_trips) {
  const uint64_t iters = stress_iters();
  StressResult total;
  for (int consumers = 1; consumers <= 3; consumers++) {
    const StressResult r = stress(consumers, iters, 16384, 32u << 20, false);
    total.round_trips += r.round_trips;
    total.seconds += r.seconds;
  }
  // 8 ids: allocate() runs dry nearly every time, so it takes the remote
  // stack while the consumers push onto it, and often has to wait for them.
  StressResult r = stress(3, iters / 4 + 1, 8, 8u << 20, true);
  total.round_trips += r.round_trips;
  total.seconds += r.seconds;
  // 128 ids, all classes: allocate() keeps evicting free slabs of other
  // classes to reuse their ids. Nearly every allocation then maps fresh
  // memory, so run 1/20 as many.
  r = stress(3, iters / 20 + 1, 2 * Ring::kCap, 8u << 20, false);
  total.round_trips += r.round_trips;
  total.seconds += r.seconds;
  std::printf("    total: %" PRIu64 " round trips in %.2f s = %.2f M/s\n", total.round_trips, total.seconds,
              total.round_trips / total.seconds / 1e6);
}

}  // namespace

int main() {
  int passed = 0;
  int failed = 0;
  for (const TestCase& t : registry()) {
    g_check_failures = 0;
    std::printf("  %s\n", t.name);
    std::fflush(stdout);
    t.fn();
    if (g_check_failures == 0) {
      passed++;
    } else {
      failed++;
      std::printf("  FAILED %s (%d checks)\n", t.name, g_check_failures);
    }
  }
  std::printf("slab_allocator_test: %d passed, %d failed (%d checks)\n", passed, failed, g_checks);
  return failed == 0 ? 0 : 1;
}
