#include "mpm/looper_mpm.h"

#include "bridge/ring.h"

namespace brigade::mpm {

LooperMpm::LooperMpm(const conn::ServerConfig& config, int listen_fd, bridge::Lane* lane)
    : config_(config), loop_(config_, listen_fd, lane, config_.max_connections) {}

LooperMpm::~LooperMpm() { stop(); }

bool LooperMpm::start() {
  if (!loop_.init()) return false;
  loop_.set_file_prefetcher(&file_sink_);
  file_pool_.start();
  // Outside a turn JS must call wake() to get its responses written.
  loop_.lane()->store(bridge::kIoSleeping, 1);
  return true;
}

void LooperMpm::run_turn() {
  if (stopped_) return;
  if (in_turn_) {
    again_ = true;  // re-entered from JS inside a turn: the running turn picks it up
    return;
  }
  in_turn_ = true;
  loop_.lane()->store(bridge::kIoSleeping, 0);
  int rounds = 0;
  do {
    again_ = false;
    loop_.turn(0);
    // JS ran inline and drained the request ring: blocked connections go on.
    if (loop_.resume_ring_waiters()) again_ = true;
  } while (again_ && ++rounds < 4);
  loop_.lane()->store(bridge::kIoSleeping, 1);
  in_turn_ = false;
}

void LooperMpm::stop() {
  if (stopped_) return;
  stopped_ = true;
  loop_.shutdown();
  file_pool_.stop();
}

}  // namespace brigade::mpm
