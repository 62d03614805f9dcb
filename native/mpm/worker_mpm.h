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

#include "mpm/conn_thread_mpm.h"

namespace brigade::mpm {

class WorkerMpm final : public ConnThreadMpm {
 public:
  WorkerMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes);
  ~WorkerMpm() override;
  bool start() override;
  void stop() override;

 private:
  void on_drain() override { idle_cv_.notify_all(); }
  void listener_main();
  void worker_main(uint32_t index);

  std::thread listener_;
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
  std::vector<uint32_t> idle_;  // LIFO: the most recently used thread is reused first
};

}  // namespace brigade::mpm
