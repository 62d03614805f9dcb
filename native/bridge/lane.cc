#include "bridge/lane.h"

#include <atomic>
#include <cstring>

namespace brigade::bridge {

Lane::Lane(uint32_t* control, uint8_t* req_data, uint32_t req_cap, uint8_t* resp_data, uint32_t resp_cap,
           buckets::SlabAllocator* slabs, Doorbell* bell)
    : control_(control), slabs_(slabs), bell_(bell) {
  req_.attach(req_data, req_cap, &control[kReqHead], &control[kReqTail]);
  resp_.attach(resp_data, resp_cap, &control[kRespHead], &control[kRespTail]);
}

uint32_t Lane::load(ControlWord w) const {
  return std::atomic_ref<uint32_t>(control_[w]).load(std::memory_order_seq_cst);
}
void Lane::store(ControlWord w, uint32_t v) {
  std::atomic_ref<uint32_t>(control_[w]).store(v, std::memory_order_seq_cst);
}
uint32_t Lane::exchange(ControlWord w, uint32_t v) {
  return std::atomic_ref<uint32_t>(control_[w]).exchange(v, std::memory_order_seq_cst);
}

void Lane::push_event(uint8_t type, uint32_t conn_id, uint32_t seq, uint32_t pool_id, uint8_t flags,
                      uint16_t aux) {
  ConnEventMsg m{};
  m.len = sizeof(ConnEventMsg);
  m.type = type;
  m.flags = flags;
  m.aux = aux;
  m.conn_id = conn_id;
  m.seq = seq;
  m.pool_id = pool_id;
  if (overflow_.empty()) {
    if (uint8_t* p = req_.reserve(sizeof m)) {
      std::memcpy(p, &m, sizeof m);
      dirty_ = true;
      return;
    }
  }
  overflow_.push_back(m);
}

bool Lane::flush_overflow() {
  while (!overflow_.empty()) {
    uint8_t* p = req_.reserve(sizeof(ConnEventMsg));
    if (!p) return false;
    std::memcpy(p, &overflow_.front(), sizeof(ConnEventMsg));
    overflow_.pop_front();
    dirty_ = true;
  }
  return true;
}

void Lane::publish() {
  req_.commit();
  // Ring only on the idle -> scheduled edge; JS clears the flag after draining
  // and re-checks the ring, so no wake-up is lost.
  if (!req_.empty() && exchange(kJsScheduled, 1) == 0) {
    ++doorbells_;
    bell_->ring();
  }
  dirty_ = false;
}

}  // namespace brigade::bridge
