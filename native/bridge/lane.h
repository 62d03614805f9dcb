// Lane: the bridge between one I/O thread and the JS thread. A request ring
// (native produces, JS consumes), a response ring (JS produces, native
// consumes), a control block, and the slab allocator JS writes responses into.
// The doorbell wakes JS only when the request ring goes from "JS idle" to
// "work pending" (kJsScheduled 0 -> 1).
#pragma once
#include <cstdint>
#include <deque>

#include "bridge/messages.h"
#include "bridge/ring.h"
#include "buckets/slab_allocator.h"

namespace brigade::bridge {

// Wakes the JS side (a ThreadSafeFunction in the addon; a plain callback in tests).
class Doorbell {
 public:
  virtual ~Doorbell() = default;
  virtual void ring() = 0;
};

class Lane {
 public:
  Lane(uint32_t* control, uint8_t* req_data, uint32_t req_cap, uint8_t* resp_data, uint32_t resp_cap,
       buckets::SlabAllocator* slabs, Doorbell* bell);
  MessageRing& requests() { return req_; }
  MessageRing& responses() { return resp_; }
  buckets::SlabAllocator* slabs() const { return slabs_; }
  uint32_t load(ControlWord w) const;
  void store(ControlWord w, uint32_t v);
  uint32_t exchange(ControlWord w, uint32_t v);

  // Connection events (abort, EOR done, body error) must never be lost: when
  // the ring is full they wait in an overflow queue, flushed first next time.
  void push_event(uint8_t type, uint32_t conn_id, uint32_t seq, uint32_t pool_id, uint8_t flags = 0,
                  uint16_t aux = 0);
  bool flush_overflow();  // true when the overflow queue is empty afterwards
  bool has_overflow() const { return !overflow_.empty(); }
  // Makes everything reserved so far visible and rings the doorbell if JS is idle.
  void publish();
  // Number of messages committed since the last doorbell (for stats/tests).
  uint64_t doorbells() const { return doorbells_; }

 private:
  uint32_t* control_;
  MessageRing req_;
  MessageRing resp_;
  buckets::SlabAllocator* slabs_;
  Doorbell* bell_;
  std::deque<ConnEventMsg> overflow_;
  bool dirty_ = false;
  uint64_t doorbells_ = 0;
};

}  // namespace brigade::bridge
