// WorkerMpm: the baseline of httpd's worker MPM. A listener thread and a fixed
// pool of threads; each thread owns one connection for its whole life with
// blocking semantics (it waits on that connection alone; keep-alive holds it).
// The listener reserves an idle thread *before* it accepts, so connections
// beyond the pool wait in the kernel backlog, not in user space.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mpm/conn_thread.h"
#include "mpm/mpm.h"

namespace brigade::mpm {

class WorkerMpm final : public Mpm {
 public:
  WorkerMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes);
  ~WorkerMpm() override;
  bool start() override;
  void begin_drain() override;
  void abort_all() override;
  void wake(uint32_t lane) override;
  void stop() override;
  const conn::IoStats& stats(uint32_t lane) const override { return threads_[lane]->stats(); }
  uint32_t lanes() const override { return static_cast<uint32_t>(threads_.size()); }

 private:
  void listener_main();
  void worker_main(uint32_t index);

  conn::ServerConfig config_;
  int listen_fd_;
  std::vector<std::unique_ptr<ConnThread>> threads_;
  std::thread listener_;
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
  std::vector<uint32_t> idle_;  // LIFO: the most recently used thread is reused first
  std::atomic<bool> stop_{false};
  std::atomic<bool> draining_{false};
  bool started_ = false;
};

}  // namespace brigade::mpm
