// MessageRing: a single-producer single-consumer ring of variable-length,
// 8-byte-aligned messages in memory both sides can see (a SharedArrayBuffer
// allocated by JS). The producer owns `head`, the consumer owns `tail`; both are
// free-running uint32 byte counters (position = counter & mask). A message never
// wraps: when it does not fit before the end, the producer writes a PAD message
// to the end and starts at 0. Publication is one release store of `head`
// (JS reads it with Atomics.load, which is sequentially consistent).
//
// The same layout is read and written by src/bridge/ring.ts; keep them in sync.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>

namespace brigade::bridge {

// Control words (uint32 indexes into the lane's control Int32Array).
enum ControlWord : uint32_t {
  kReqHead = 0,        // request ring: native producer
  kReqTail = 1,        // request ring: JS consumer
  kRespHead = 2,       // response ring: JS producer
  kRespTail = 3,       // response ring: native consumer
  kJsScheduled = 4,    // 1 while a doorbell is pending / JS is draining
  kIoSleeping = 5,     // 1 while the I/O thread is (about to be) blocked in the poller
  kReqBlocked = 6,     // 1 while the native producer waits for request-ring space
  kControlWords = 16,
};

struct MsgHeader {
  uint32_t len;   // total bytes including this header, multiple of 8
  uint8_t type;
  uint8_t flags;
  uint16_t aux;
};
static_assert(sizeof(MsgHeader) == 8);

constexpr uint8_t kMsgPad = 0xff;

inline uint32_t align8(uint32_t n) { return (n + 7u) & ~7u; }

class MessageRing {
 public:
  MessageRing() = default;
  // data: capacity bytes (power of two, >= 4096); head/tail: control words.
  void attach(uint8_t* data, uint32_t capacity, uint32_t* head, uint32_t* tail) {
    data_ = data;
    cap_ = capacity;
    mask_ = capacity - 1;
    head_ = head;
    tail_ = tail;
  }
  bool attached() const { return data_ != nullptr; }
  uint32_t capacity() const { return cap_; }
  // Largest message the producer may ever reserve.
  uint32_t max_message() const { return cap_ / 4; }

  // --- producer side ---
  // Reserves len bytes (rounded up to 8) and returns where to write them, or
  // nullptr when the ring lacks space right now. Nothing is visible to the
  // consumer before commit().
  uint8_t* reserve(uint32_t len) {
    len = align8(len);
    if (len > max_message()) return nullptr;
    uint32_t head = pending_head_valid_ ? pending_head_ : load(head_, std::memory_order_relaxed);
    uint32_t tail = load(tail_, std::memory_order_acquire);
    uint32_t pos = head & mask_;
    uint32_t to_end = cap_ - pos;
    uint32_t need = len;
    if (to_end < len) need = to_end + len;  // pad to the end, then write at 0
    if (cap_ - (head - tail) < need) return nullptr;
    if (to_end < len) {
      auto* pad = reinterpret_cast<MsgHeader*>(data_ + pos);
      pad->len = to_end;
      pad->type = kMsgPad;
      pad->flags = 0;
      pad->aux = 0;
      head += to_end;
      pos = 0;
    }
    pending_head_ = head + len;
    pending_head_valid_ = true;
    return data_ + pos;
  }
  // Shrinks the last reservation to len bytes (len <= reserved length).
  void shrink_last(uint8_t* msg, uint32_t len) {
    uint32_t start = static_cast<uint32_t>(msg - data_);
    uint32_t head_pos = pending_head_ & mask_;
    uint32_t reserved = (head_pos == 0 ? cap_ : head_pos) - start;
    pending_head_ -= reserved - align8(len);
  }
  // Publishes every reservation made so far.
  void commit() {
    if (!pending_head_valid_) return;
    store(head_, pending_head_, std::memory_order_release);
    pending_head_valid_ = false;
  }

  // --- consumer side ---
  // Returns the next message or nullptr when empty. PAD messages are skipped.
  const MsgHeader* peek() {
    for (;;) {
      uint32_t tail = consumer_tail_valid_ ? consumer_tail_ : load(tail_, std::memory_order_relaxed);
      uint32_t head = load(head_, std::memory_order_acquire);
      if (tail == head) return nullptr;
      auto* m = reinterpret_cast<const MsgHeader*>(data_ + (tail & mask_));
      if (m->type == kMsgPad) {
        consumer_tail_ = tail + m->len;
        consumer_tail_valid_ = true;
        continue;
      }
      consumer_tail_ = tail;
      consumer_tail_valid_ = true;
      return m;
    }
  }
  // Consumes the message returned by peek() (not yet visible to the producer).
  void pop(const MsgHeader* m) { consumer_tail_ += m->len; }
  // Makes the consumed space available to the producer.
  void release() {
    if (!consumer_tail_valid_) return;
    store(tail_, consumer_tail_, std::memory_order_release);
    consumer_tail_valid_ = false;
  }
  bool empty() const {
    return load(head_, std::memory_order_acquire) == load(tail_, std::memory_order_acquire);
  }

 private:
  static uint32_t load(uint32_t* p, std::memory_order o) { return std::atomic_ref<uint32_t>(*p).load(o); }
  static void store(uint32_t* p, uint32_t v, std::memory_order o) { std::atomic_ref<uint32_t>(*p).store(v, o); }
  uint8_t* data_ = nullptr;
  uint32_t cap_ = 0, mask_ = 0;
  uint32_t* head_ = nullptr;
  uint32_t* tail_ = nullptr;
  uint32_t pending_head_ = 0;
  bool pending_head_valid_ = false;
  uint32_t consumer_tail_ = 0;
  bool consumer_tail_valid_ = false;
};

}  // namespace brigade::bridge
