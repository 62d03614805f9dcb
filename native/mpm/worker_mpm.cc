#include "mpm/worker_mpm.h"

#include <unistd.h>

#include <chrono>

namespace brigade::mpm {

WorkerMpm::WorkerMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes)
    : ConnThreadMpm(config, listen_fd, lanes) {}

WorkerMpm::~WorkerMpm() { stop(); }

bool WorkerMpm::start() {
  if (!init_threads()) return false;
  for (uint32_t i = 0; i < threads_.size(); ++i) {
    threads_[i]->thread = std::thread([this, i] { worker_main(i); });
  }
  listener_ = std::thread([this] { listener_main(); });
  started_ = true;
  return true;
}

void WorkerMpm::listener_main() {
  while (!stop_.load(std::memory_order_acquire) && !draining_.load(std::memory_order_acquire)) {
    // Reserve an idle worker first.
    uint32_t w;
    {
      std::unique_lock<std::mutex> lk(idle_mu_);
      idle_cv_.wait(lk, [this] { return !idle_.empty() || stop_.load() || draining_.load(); });
      if (stop_.load() || draining_.load()) return;
      w = idle_.back();
      idle_.pop_back();
    }
    // Then wait for a connection for it.
    int fd = -1;
    conn::PeerAddress peer;
    while (fd < 0 && !stop_.load(std::memory_order_acquire) && !draining_.load(std::memory_order_acquire)) {
      fd = accept_one(listen_fd_, 100, &peer, &draining_);
      if (fd == -2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // out of fds: back off
        fd = -1;
      }
      // Accepted just as a drain began: serve it (its request is answered with
      // Connection: close). Closing it would drop a client whose connection
      // the kernel had already completed; after a hand-over it is a live one.
      if (fd >= 0 && stop_.load()) {
        ::close(fd);  // stopping for good: never served
        fd = -1;
      }
    }
    ConnThread& t = *threads_[w];
    {
      std::lock_guard<std::mutex> lk(t.mu);
      t.handed_fd = fd;  // -1 when stopping: the worker just goes idle again
      t.handed_peer = peer;
    }
    t.cv.notify_one();
    if (fd < 0) return;
  }
}

void WorkerMpm::worker_main(uint32_t index) {
  ConnThread& t = *threads_[index];
  for (;;) {
    {
      std::lock_guard<std::mutex> lk(idle_mu_);
      idle_.push_back(index);
    }
    idle_cv_.notify_one();
    int fd;
    conn::PeerAddress peer;
    {
      std::unique_lock<std::mutex> lk(t.mu);
      t.sleep_until(lk, [&t] { return t.handed_fd >= 0; });
      if (t.stopping()) {
        lk.unlock();
        t.shutdown();
        return;
      }
      fd = t.handed_fd;
      peer = t.handed_peer;
      t.handed_fd = -1;
    }
    t.serve(fd, peer);
    if (t.stopping()) {
      t.shutdown();
      return;
    }
  }
}

void WorkerMpm::stop() {
  if (!started_) return;
  started_ = false;
  stop_.store(true, std::memory_order_release);
  idle_cv_.notify_all();
  if (listener_.joinable()) listener_.join();
  stop_threads();
  // A connection handed over but never served is closed here.
  for (auto& t : threads_)
    if (t->handed_fd >= 0) {
      ::close(t->handed_fd);
      t->handed_fd = -1;
    }
}

}  // namespace brigade::mpm
