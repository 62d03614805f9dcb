// brigade-test-sources: native/mpm/leader_mpm.cc native/mpm/conn_thread.cc native/mpm/conn_thread_mpm.cc native/mpm/io_loop.cc native/conn/connection.cc native/conn/writer.cc native/conn/file_residency.cc native/bridge/lane.cc native/http/request_parser.cc native/http/body_decoder.cc native/http/canned_responses.cc native/http/request_classifier.cc native/buckets/slab_allocator.cc native/poll/epoll_poller.cc native/poll/kqueue_poller.cc native/poll/waker.cc native/poll/timer_queue.cc
// FollowerStack (leader/followers idle stack): exactly one leader at any time,
// every pushed follower is promoted exactly once, under real thread races.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "mpm/leader_mpm.h"

using brigade::mpm::FollowerStack;

#include "tests/check.h"

using brigade::test::failures;
using brigade::test::passed;

static void single_thread() {
  FollowerStack s(4);
  CHECK(s.push_or_lead(0));          // leadership pending at start: thread 0 leads
  CHECK(!s.push_or_lead(1));         // others become followers
  CHECK(!s.push_or_lead(2));
  CHECK(s.pop_or_release() == 2);    // LIFO: most recent first
  CHECK(s.pop_or_release() == 1);
  CHECK(s.pop_or_release() == FollowerStack::kEmpty);  // none left: leadership pending
  CHECK(s.push_or_lead(3));          // the next thread to finish leads at once
  CHECK(!s.push_or_lead(0));
}

// Threads loop: become leader (directly or by promotion), "accept", promote,
// "serve", rejoin. Invariant: never two leaders at once.
static void race(unsigned threads, unsigned rounds) {
  FollowerStack s(threads);
  std::atomic<int> leaders{0};
  std::atomic<int> max_leaders{0};
  std::atomic<unsigned> accepted{0};
  std::vector<std::atomic<int>> wake(threads);
  for (auto& w : wake) w.store(0);
  std::atomic<bool> done{false};
  auto body = [&](unsigned self) {
    while (!done.load()) {
      if (!s.push_or_lead(self)) {
        // Sleep as a follower until promoted (spin-wait stands in for the condvar).
        while (wake[self].load(std::memory_order_acquire) == 0) {
          if (done.load()) return;
          std::this_thread::yield();
        }
        wake[self].store(0, std::memory_order_relaxed);
      }
      int now = leaders.fetch_add(1) + 1;
      int m = max_leaders.load();
      while (now > m && !max_leaders.compare_exchange_weak(m, now)) {}
      if (accepted.fetch_add(1) >= rounds) done.store(true);
      leaders.fetch_sub(1);
      uint32_t f = s.pop_or_release();
      if (f != FollowerStack::kEmpty) wake[f].store(1, std::memory_order_release);
      std::this_thread::yield();  // "serve the connection"
    }
  };
  std::vector<std::thread> ts;
  for (unsigned i = 0; i < threads; ++i) ts.emplace_back(body, i);
  for (auto& t : ts) t.join();
  CHECK(max_leaders.load() == 1);
  CHECK(accepted.load() >= rounds);
}

int main() {
  single_thread();
  const char* env = std::getenv("BRIGADE_STRESS_ITERS");
  unsigned rounds = env ? static_cast<unsigned>(std::atoi(env)) : 200000;
#if defined(__SANITIZE_THREAD__)
  rounds = rounds > 20000 ? 20000 : rounds;
#endif
  race(2, rounds);
  race(4, rounds);
  race(8, rounds);
  std::printf("follower_stack_test: %d passed, %d failed\n", passed, failures);
  return failures == 0 ? 0 : 1;
}
