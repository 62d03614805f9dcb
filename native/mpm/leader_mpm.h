// LeaderMpm: leader/followers (the httpd "leader" MPM). N threads, no
// dedicated listener. The current leader waits for a connection; when it gets
// one it promotes an idle follower to leader and then serves the connection
// itself — no queue, no hand-off between accept and processing. Idle threads
// sleep on their own condition variable in a lock-free LIFO stack (hot caches
// first, no thundering herd).
//
// The stack is one 32-bit word: the top thread's index (16 bits, 0xffff =
// empty) plus a NO_LEADER flag; each thread's "next" link lives in its own
// slot. NO_LEADER is the "pending" state: the leader found no follower to
// promote, so the next thread that finishes its connection becomes leader at
// once instead of sleeping. Why this needs no ABA tag: see docs/architecture.md
// ("Leader/followers") — only the current leader ever pops.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include "mpm/conn_thread_mpm.h"

namespace brigade::mpm {

// The idle-thread stack on its own, so it can be unit-tested.
class FollowerStack {
 public:
  static constexpr uint32_t kEmpty = 0xffff;
  static constexpr uint32_t kNoLeader = 1u << 16;
  explicit FollowerStack(uint32_t threads) : next_(threads, kEmpty), word_(kEmpty | kNoLeader) {}
  // A thread that finished its work: returns true if it becomes leader now
  // (leadership was pending), false if it was pushed and must sleep.
  bool push_or_lead(uint32_t self);
  // Leader only: pops the follower to promote, or sets NO_LEADER and returns kEmpty.
  uint32_t pop_or_release();
  uint32_t top() const { return word_.load(std::memory_order_acquire) & 0xffff; }

 private:
  std::vector<uint32_t> next_;  // written by a thread only while it is not on the stack
  std::atomic<uint32_t> word_;
};

class LeaderMpm final : public ConnThreadMpm {
 public:
  LeaderMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes);
  ~LeaderMpm() override;
  bool start() override;
  void stop() override;

 private:
  void thread_main(uint32_t index);
  // Sleeps as a follower until promoted; false when stopping.
  bool wait_for_leadership(ConnThread& t);
  void promote_next();

  std::unique_ptr<FollowerStack> stack_;
};

}  // namespace brigade::mpm
