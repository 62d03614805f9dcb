// ConnThread: a native thread that serves one connection at a time for the
// connection's whole life (thread-per-connection MPMs: worker, leader). It
// reuses the IoLoop — same parser, connection machine, writer and bridge —
// with a poller that holds only its own connection, so waiting for the client
// (keep-alive included) holds the thread, as in httpd's worker MPM.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "mpm/io_loop.h"

namespace brigade::mpm {

class ConnThread {
 public:
  ConnThread(const conn::ServerConfig& config, bridge::Lane* lane)
      : loop_(config, -1, lane, 1, 64 * 1024) {}
  bool init() { return loop_.init(); }
  // Serves fd until the connection closes (called on this object's thread).
  void serve(int fd, const conn::PeerAddress& peer) {
    if (!loop_.adopt(fd, peer)) return;
    while (loop_.open_connections() > 0 && !stop_.load(std::memory_order_acquire)) loop_.turn(-1);
    loop_.turn(0);  // publish the last events (EOR done, aborts)
  }
  // Leader: waits up to wait_ms for a connection on listen_fd while still
  // serving its own lane (late responses, drain reports). Same returns as accept_one.
  int accept_while_idle(int listen_fd, int wait_ms, conn::PeerAddress* peer, const std::atomic<bool>* give_up);
  // One non-blocking turn: lets an idle thread act on drain/abort requests.
  void idle_turn() { loop_.turn(0); }
  void request_drain(bool close_idle) { loop_.request_drain(close_idle); }
  void request_abort() { loop_.request_abort(); }
  void request_stop() {
    stop_.store(true, std::memory_order_release);
    loop_.wake();
  }
  bool stopping() const { return stop_.load(std::memory_order_acquire); }
  // JS published responses: the busy thread sees the waker; an idle one
  // (asleep on cv) is woken to run a turn for them.
  void wake() {
    loop_.wake();
    {
      std::lock_guard<std::mutex> lk(mu);
      wake_pending = true;
    }
    cv.notify_one();
  }
  // Sleeps on cv until pred() or a wake-up; runs idle turns for wake-ups and
  // drain requests meanwhile. Called with lk held.
  template <typename Pred>
  void sleep_until(std::unique_lock<std::mutex>& lk, Pred pred) {
    for (;;) {
      if (loop_.announce_sleep()) wake_pending = true;
      cv.wait(lk, [&] { return pred() || stopping() || drain_pending || wake_pending; });
      loop_.end_sleep();
      if (pred() || stopping()) return;
      drain_pending = false;
      wake_pending = false;
      lk.unlock();
      loop_.turn(0);  // late responses (stale connections), drain reports
      lk.lock();
    }
  }
  void shutdown() { loop_.shutdown(); }
  const conn::IoStats& stats() const { return loop_.stats(); }

  std::thread thread;
  // Hand-over / sleep state, guarded by mu.
  std::mutex mu;
  std::condition_variable cv;
  int handed_fd = -1;
  conn::PeerAddress handed_peer;
  bool promoted = false;       // leader MPM: woken as the new leader
  bool drain_pending = false;  // run an idle turn so the drain is reported
  bool wake_pending = false;   // JS published responses while this thread slept

 private:
  IoLoop loop_;
  std::atomic<bool> stop_{false};
};

// Accepts one connection from a nonblocking listening socket, waiting up to
// wait_ms for one. Returns the fd, -1 on timeout/EAGAIN, -2 after EMFILE-like
// errors (the caller backs off).
// give_up (set by a drain or stop) is checked again once poll() returns, so a
// connection that arrives after a hand-over is left to the new server.
int accept_one(int listen_fd, int wait_ms, conn::PeerAddress* peer, const std::atomic<bool>* give_up = nullptr);

}  // namespace brigade::mpm
