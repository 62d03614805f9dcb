// LooperMpm: no native I/O thread. The JS thread's own event loop watches the
// poller's fd and runs a turn when it becomes readable; requests reach JS
// handlers inline (the doorbell calls JS synchronously), and the responses they
// produce are written in the same turn — no cross-thread hop (the
// uWebSockets.js shape). The libuv glue lives in binding.cc; this class is
// plain C++.
#pragma once
#include "mpm/io_loop.h"
#include "mpm/mpm.h"

namespace brigade::mpm {

class LooperMpm final : public Mpm {
 public:
  LooperMpm(const conn::ServerConfig& config, int listen_fd, bridge::Lane* lane);
  ~LooperMpm() override;
  bool start() override;
  void begin_drain(bool close_idle) override { loop_.request_drain(close_idle); }
  void abort_all() override { loop_.request_abort(); }
  // JS published responses outside a turn: write them now.
  void wake(uint32_t lane) override { run_turn(); }
  void stop() override;
  const conn::IoStats& stats(uint32_t) const override { return loop_.stats(); }
  uint32_t lanes() const override { return 1; }

  // Driver interface (JS thread only).
  void run_turn();
  int poll_fd() const { return loop_.poll_fd(); }
  int64_t next_timeout_ms() { return loop_.next_timeout_ms(); }
  bool has_immediate_work() const { return loop_.has_immediate_work(); }

 private:
  conn::ServerConfig config_;
  IoLoop loop_;
  bool in_turn_ = false;
  bool again_ = false;
  bool stopped_ = false;
};

}  // namespace brigade::mpm
