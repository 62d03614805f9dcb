#include "mpm/conn_thread_mpm.h"

namespace brigade::mpm {

ConnThreadMpm::ConnThreadMpm(const conn::ServerConfig& config, int listen_fd,
                             const std::vector<bridge::Lane*>& lanes)
    : config_(config), listen_fd_(listen_fd) {
  for (bridge::Lane* lane : lanes) threads_.push_back(std::make_unique<ConnThread>(config_, lane));
}

bool ConnThreadMpm::init_threads() {
  for (auto& t : threads_)
    if (!t->init()) return false;
  return true;
}

void ConnThreadMpm::begin_drain(bool close_idle) {
  draining_.store(true, std::memory_order_release);
  on_drain();
  for (auto& t : threads_) {
    t->request_drain(close_idle);
    {
      std::lock_guard<std::mutex> lk(t->mu);
      t->drain_pending = true;
    }
    t->cv.notify_one();
  }
}

void ConnThreadMpm::abort_all() {
  for (auto& t : threads_) t->request_abort();
}

void ConnThreadMpm::wake(uint32_t lane) {
  if (lane < threads_.size()) threads_[lane]->wake();
}

void ConnThreadMpm::stop_threads() {
  for (auto& t : threads_) {
    t->request_abort();
    t->request_stop();
    {
      std::lock_guard<std::mutex> lk(t->mu);  // no lost wake-up for a thread about to wait
    }
    t->cv.notify_one();
  }
  for (auto& t : threads_)
    if (t->thread.joinable()) t->thread.join();
}

}  // namespace brigade::mpm
