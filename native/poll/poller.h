// Poller: the readiness-notification interface every MPM waits on.
// Backends: epoll (Linux, edge-triggered) and kqueue (macOS/FreeBSD, EV_CLEAR).
// Plain C++, no Node headers.
#pragma once
#include <cstdint>
#include <memory>

namespace brigade::poll {

// Interest / readiness bits, backend-neutral.
enum : uint32_t {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
  kHangup = 1u << 2,  // peer closed (RDHUP/HUP) or error
  kError = 1u << 3,
};

struct Event {
  uint64_t token;   // what the caller registered (connection slot, listener id...)
  uint32_t ready;   // kReadable | kWritable | kHangup | kError
};

class Poller {
 public:
  virtual ~Poller() = default;
  // Registers fd with the given interest, edge-triggered. Returns 0 or -errno.
  virtual int add(int fd, uint32_t interest, uint64_t token) = 0;
  // Changes the interest set of a registered fd (e.g. arm kWritable after EAGAIN).
  virtual int modify(int fd, uint32_t interest, uint64_t token) = 0;
  // Removes fd (safe to call before close(); close() alone also removes it on epoll).
  virtual int remove(int fd) = 0;
  // Waits up to timeout_ms (-1 = forever, 0 = poll). Fills at most max events.
  // Returns the number of events, 0 on timeout/EINTR, or -errno.
  virtual int wait(Event* events, int max, int timeout_ms) = 0;
  // The pollable fd of the poller itself (epoll fd / kqueue fd), so another
  // loop (libuv, for the looper MPM) can watch it for readability.
  virtual int fd() const = 0;
};

// Creates the platform's poller (epoll on Linux, kqueue on BSD/macOS).
// Returns nullptr and sets errno on failure.
std::unique_ptr<Poller> make_poller();

// A cross-thread wake-up source registered in a poller: eventfd on Linux,
// a pipe elsewhere. notify() is async-signal-safe and thread-safe.
class Waker {
 public:
  Waker();
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;
  bool ok() const { return read_fd_ >= 0; }
  int fd() const { return read_fd_; }
  void notify();   // make fd() readable
  void drain();    // consume all pending notifications
 private:
  int read_fd_ = -1;
  int write_fd_ = -1;  // == read_fd_ for eventfd
};

}  // namespace brigade::poll
