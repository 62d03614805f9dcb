#include "mpm/event_mpm.h"

#include <algorithm>

namespace brigade::mpm {

struct EventMpm::IoThread {
  IoThread(const conn::ServerConfig& config, int listen_fd, bridge::Lane* lane, uint32_t max_conns)
      : loop(config, listen_fd, lane, max_conns) {}
  IoLoop loop;
  std::thread thread;
  std::atomic<bool> stop_req{false};
};

EventMpm::EventMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes)
    : config_(config), listen_fd_(listen_fd) {
  const uint32_t n = static_cast<uint32_t>(lanes.size());
  for (bridge::Lane* lane : lanes) {
    threads_.push_back(
        std::make_unique<IoThread>(config_, listen_fd, lane, std::max<uint32_t>(1, config_.max_connections / n)));
  }
}

EventMpm::~EventMpm() { stop(); }

bool EventMpm::start() {
  for (auto& t : threads_)
    if (!t->loop.init()) return false;
  for (auto& t : threads_) {
    IoThread* self = t.get();
    t->thread = std::thread([self] {
      while (!self->stop_req.load(std::memory_order_acquire)) self->loop.turn(-1);
      self->loop.shutdown();
    });
  }
  return true;
}

void EventMpm::begin_drain(bool close_idle) {
  for (auto& t : threads_) t->loop.request_drain(close_idle);
}

void EventMpm::abort_all() {
  for (auto& t : threads_) t->loop.request_abort();
}

void EventMpm::wake(uint32_t lane) {
  if (lane < threads_.size()) threads_[lane]->loop.wake();
}

void EventMpm::stop() {
  for (auto& t : threads_) {
    if (!t->thread.joinable()) continue;
    t->stop_req.store(true, std::memory_order_release);
    t->loop.wake();
    t->thread.join();
  }
}

const conn::IoStats& EventMpm::stats(uint32_t lane) const { return threads_[lane]->loop.stats(); }

}  // namespace brigade::mpm
