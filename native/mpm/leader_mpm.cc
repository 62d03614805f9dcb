#include "mpm/leader_mpm.h"

#include <unistd.h>

#include <chrono>
#include <thread>

namespace brigade::mpm {

bool FollowerStack::push_or_lead(uint32_t self) {
  uint32_t w = word_.load(std::memory_order_acquire);
  for (;;) {
    if (w & kNoLeader) {
      // Leadership is pending: take it instead of sleeping.
      if (word_.compare_exchange_weak(w, w & ~kNoLeader, std::memory_order_acq_rel, std::memory_order_acquire))
        return true;
      continue;
    }
    next_[self] = w & 0xffff;
    if (word_.compare_exchange_weak(w, self, std::memory_order_acq_rel, std::memory_order_acquire)) return false;
  }
}

uint32_t FollowerStack::pop_or_release() {
  uint32_t w = word_.load(std::memory_order_acquire);
  for (;;) {
    const uint32_t top = w & 0xffff;
    if (top == kEmpty) {
      if (word_.compare_exchange_weak(w, kEmpty | kNoLeader, std::memory_order_acq_rel, std::memory_order_acquire))
        return kEmpty;
      continue;
    }
    // next_[top] is stable: top sleeps on the stack and only the leader (us) pops.
    if (word_.compare_exchange_weak(w, next_[top], std::memory_order_acq_rel, std::memory_order_acquire)) return top;
  }
}

LeaderMpm::LeaderMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes)
    : ConnThreadMpm(config, listen_fd, lanes) {
  stack_ = std::make_unique<FollowerStack>(static_cast<uint32_t>(threads_.size()));
}

LeaderMpm::~LeaderMpm() { stop(); }

bool LeaderMpm::start() {
  if (!init_threads()) return false;
  for (uint32_t i = 0; i < threads_.size(); ++i) threads_[i]->thread = std::thread([this, i] { thread_main(i); });
  started_ = true;
  return true;
}

bool LeaderMpm::wait_for_leadership(ConnThread& t) {
  std::unique_lock<std::mutex> lk(t.mu);
  t.sleep_until(lk, [&t] { return t.promoted; });
  if (t.stopping()) return false;
  t.promoted = false;
  return true;
}

void LeaderMpm::promote_next() {
  const uint32_t f = stack_->pop_or_release();
  if (f == FollowerStack::kEmpty) return;  // pending: the next thread to finish leads
  ConnThread& t = *threads_[f];
  {
    std::lock_guard<std::mutex> lk(t.mu);
    t.promoted = true;
  }
  t.cv.notify_one();
}

void LeaderMpm::thread_main(uint32_t index) {
  ConnThread& t = *threads_[index];
  for (;;) {
    if (!stack_->push_or_lead(index) && !wait_for_leadership(t)) break;
    // Leader: wait for a connection (checking for stop/drain now and then).
    int fd = -1;
    conn::PeerAddress peer;
    while (fd < 0 && !stop_.load(std::memory_order_acquire) && !draining_.load(std::memory_order_acquire)) {
      fd = t.accept_while_idle(listen_fd_, 100, &peer, &draining_);
      if (fd == -2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        fd = -1;
      }
      // Accepted just as a drain began: still served (see WorkerMpm::listener_main).
      if (fd >= 0 && stop_.load()) {
        ::close(fd);  // stopping for good: never served
        fd = -1;
      }
    }
    if (fd < 0) {
      // Stopping or draining: no more accepting. Stay leader (nobody else accepts),
      // act on drain requests until stopped.
      std::unique_lock<std::mutex> lk(t.mu);
      t.sleep_until(lk, [] { return false; });  // until stopped
      break;
    }
    promote_next();  // hand leadership over before doing the work
    t.serve(fd, peer);
    if (t.stopping()) break;
  }
  t.shutdown();
}

void LeaderMpm::stop() {
  if (!started_) return;
  started_ = false;
  stop_.store(true, std::memory_order_release);
  stop_threads();
}

}  // namespace brigade::mpm
