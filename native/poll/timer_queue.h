// TimerQueue: a fixed-duration FIFO timeout queue (httpd event MPM style).
// Every entry in one queue has the same duration, so appending at the tail
// keeps the queue sorted by expiry: arm, disarm and expire are all O(1).
// Entries are intrusive (embedded in the owner, e.g. a Connection).
#pragma once
#include <cstdint>

namespace brigade::poll {

struct TimerEntry {
  TimerEntry* prev = nullptr;
  TimerEntry* next = nullptr;
  uint64_t expires_ms = 0;
  void* owner = nullptr;             // back-pointer for the expiry callback
  class TimerQueue* queue = nullptr;  // the queue it is linked in, or nullptr
  bool linked() const { return queue != nullptr; }
};

class TimerQueue {
 public:
  explicit TimerQueue(uint64_t duration_ms = 0) : duration_ms_(duration_ms) {}
  void set_duration(uint64_t ms) { duration_ms_ = ms; }
  uint64_t duration() const { return duration_ms_; }
  // Appends e (unlinking it first from whatever queue holds it) to expire at now + duration.
  void arm(TimerEntry* e, uint64_t now_ms);
  // Unlinks e if it is linked in this queue.
  void disarm(TimerEntry* e);
  // Unlinks e from whatever queue holds it (no-op when unlinked).
  static void unlink(TimerEntry* e);
  // Pops and returns the head if it has expired at now_ms, else nullptr.
  TimerEntry* pop_expired(uint64_t now_ms);
  // Milliseconds until the head expires (0 if already), or -1 if empty.
  int64_t next_timeout(uint64_t now_ms) const;
  bool empty() const { return head_ == nullptr; }
  uint32_t size() const { return size_; }
 private:
  TimerEntry* head_ = nullptr;
  TimerEntry* tail_ = nullptr;
  uint64_t duration_ms_;
  uint32_t size_ = 0;
};

// Monotonic milliseconds (CLOCK_MONOTONIC_COARSE where available).
uint64_t monotonic_ms();

}  // namespace brigade::poll
