// TimerQueue: fixed-duration FIFO timeouts (see timer_queue.h).
//
// Ordering invariant: entries are appended with expires_ms = now + duration,
// so a queue stays sorted as long as (a) callers pass non-decreasing now_ms
// and (b) the duration does not change while entries are queued.
// set_duration() is therefore meant for configuration before use: shrinking it
// with entries queued leaves older, later-expiring entries ahead of newer ones,
// and pop_expired() (which looks only at the head) then expires the newer ones
// late, by up to the old duration. Nothing expires early either way.
#include "poll/timer_queue.h"

#include <time.h>

namespace brigade::poll {

void TimerQueue::arm(TimerEntry* e, uint64_t now_ms) {
  unlink(e);
  e->expires_ms = now_ms + duration_ms_;
  e->queue = this;
  e->next = nullptr;
  e->prev = tail_;
  if (tail_ != nullptr) {
    tail_->next = e;
  } else {
    head_ = e;
  }
  tail_ = e;
  ++size_;
}

void TimerQueue::disarm(TimerEntry* e) {
  if (e->queue == this) unlink(e);
}

void TimerQueue::unlink(TimerEntry* e) {
  TimerQueue* q = e->queue;
  if (q == nullptr) return;
  if (e->prev != nullptr) {
    e->prev->next = e->next;
  } else {
    q->head_ = e->next;
  }
  if (e->next != nullptr) {
    e->next->prev = e->prev;
  } else {
    q->tail_ = e->prev;
  }
  e->prev = e->next = nullptr;
  e->queue = nullptr;
  --q->size_;
}

TimerEntry* TimerQueue::pop_expired(uint64_t now_ms) {
  TimerEntry* e = head_;
  if (e == nullptr || e->expires_ms > now_ms) return nullptr;
  unlink(e);
  return e;
}

int64_t TimerQueue::next_timeout(uint64_t now_ms) const {
  if (head_ == nullptr) return -1;
  if (head_->expires_ms <= now_ms) return 0;
  return static_cast<int64_t>(head_->expires_ms - now_ms);
}

uint64_t monotonic_ms() {
  timespec ts{};
#if defined(CLOCK_MONOTONIC_COARSE)
  // Coarse (jiffy resolution, no hardware read) is plenty for second-scale
  // timeouts and is called on every loop turn.
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
  clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
  return static_cast<uint64_t>(ts.tv_sec) * 1000u +
         static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

}  // namespace brigade::poll
