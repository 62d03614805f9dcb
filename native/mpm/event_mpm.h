// EventMpm: one or more native I/O threads, each owning a poller, its
// connections and one bridge lane (DESIGN §5 "event"). JS handlers run on the JS
// thread; keep-alive connections are parked in the poller, write completion and
// lingering close happen on the I/O thread, so no JS capacity waits on a client.
#pragma once
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "bridge/lane.h"
#include "mpm/io_loop.h"
#include "mpm/mpm.h"

namespace brigade::mpm {

class EventMpm final : public Mpm {
 public:
  // lanes: one per I/O thread (owned by the caller, outlive this object).
  EventMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes);
  ~EventMpm() override;
  bool start() override;
  void begin_drain(bool close_idle) override;
  void abort_all() override;
  void wake(uint32_t lane) override;
  void stop() override;
  const conn::IoStats& stats(uint32_t lane) const override;
  uint32_t lanes() const override { return static_cast<uint32_t>(threads_.size()); }

 private:
  struct IoThread;
  conn::ServerConfig config_;
  int listen_fd_;
  std::vector<std::unique_ptr<IoThread>> threads_;
};

}  // namespace brigade::mpm
