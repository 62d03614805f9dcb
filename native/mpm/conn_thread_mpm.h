// ConnThreadMpm: what the thread-per-connection MPMs (worker, leader) share —
// a fixed set of ConnThreads, one lane each, and how they are drained,
// aborted, woken and stopped. The subclasses decide who accepts.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include "mpm/conn_thread.h"
#include "mpm/mpm.h"

namespace brigade::mpm {

class ConnThreadMpm : public Mpm {
 public:
  void begin_drain(bool close_idle) override;
  void abort_all() override;
  void wake(uint32_t lane) override;
  const conn::IoStats& stats(uint32_t lane) const override { return threads_[lane]->stats(); }
  uint32_t lanes() const override { return static_cast<uint32_t>(threads_.size()); }

 protected:
  ConnThreadMpm(const conn::ServerConfig& config, int listen_fd, const std::vector<bridge::Lane*>& lanes);
  bool init_threads();
  // Wakes whatever waits for new connections (the worker's listener).
  virtual void on_drain() {}
  // Aborts every connection, stops and joins every ConnThread.
  void stop_threads();

  conn::ServerConfig config_;
  int listen_fd_;
  std::vector<std::unique_ptr<ConnThread>> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> draining_{false};
  bool started_ = false;
};

}  // namespace brigade::mpm
