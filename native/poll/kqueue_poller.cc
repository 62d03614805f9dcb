// KqueuePoller: the BSD/macOS Poller backend (kqueue with EV_CLEAR, i.e.
// edge-triggered like the epoll backend).
//
// Differences from epoll that callers may notice:
//  * kqueue reports each filter separately, so one fd can yield two Events
//    (readable, writable) in one wait(). Adjacent ones are merged, but callers
//    must tolerate a token appearing twice in a batch.
//  * add() of an fd that is already registered updates it instead of failing
//    with EEXIST.
//  * The token travels in udata (pointer-sized): on 32-bit platforms only the
//    low 32 bits survive.
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <new>
#include <type_traits>

#include "poll/poller.h"

namespace brigade::poll {
namespace {

constexpr int kMaxBatch = 1024;

// udata is void* on most systems but intptr_t on older NetBSD: convert
// through whatever type the field actually has.
template <typename T>
void put_token(T& field, uint64_t token) {
  if constexpr (std::is_pointer_v<T>) {
    field = reinterpret_cast<T>(static_cast<uintptr_t>(token));
  } else {
    field = static_cast<T>(token);
  }
}

template <typename T>
uint64_t get_token(const T& field) {
  if constexpr (std::is_pointer_v<T>) {
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(field));
  } else {
    return static_cast<uint64_t>(static_cast<uintptr_t>(field));
  }
}

// Fields are filled one by one instead of with EV_SET: field types differ
// between systems (short vs uint32_t filter, void* vs intptr_t udata) and
// EV_SET is a macro on some, a typed inline function on others.
void set_change(struct kevent* kev, int fd, int filter, unsigned flags, uint64_t token) {
  *kev = {};
  kev->ident = static_cast<decltype(kev->ident)>(fd);
  kev->filter = static_cast<decltype(kev->filter)>(filter);
  kev->flags = static_cast<decltype(kev->flags)>(flags);
  put_token(kev->udata, token);
}

bool is_filter(const struct kevent& kev, int filter) {
  return kev.filter == static_cast<decltype(kev.filter)>(filter);
}

class KqueuePoller final : public Poller {
 public:
  explicit KqueuePoller(int kq) : kq_(kq) {}
  ~KqueuePoller() override { close(kq_); }
  KqueuePoller(const KqueuePoller&) = delete;
  KqueuePoller& operator=(const KqueuePoller&) = delete;

  int add(int fd, uint32_t interest, uint64_t token) override {
    return apply(fd, interest, token, /*drop_unwanted=*/false);
  }

  int modify(int fd, uint32_t interest, uint64_t token) override {
    // EV_ADD on an existing knote updates flags and udata in place, and
    // re-checks the condition, so arming kWritable on a writable socket
    // fires at once, as EPOLL_CTL_MOD does.
    return apply(fd, interest, token, /*drop_unwanted=*/true);
  }

  int remove(int fd) override {
    // Separate calls: with no event list the kernel stops at the first
    // failing change, and a missing filter (ENOENT) is not an error here.
    int rc_r = del(fd, EVFILT_READ);
    int rc_w = del(fd, EVFILT_WRITE);
    if (rc_r == -ENOENT && rc_w == -ENOENT) return -ENOENT;
    if (rc_r != 0 && rc_r != -ENOENT) return rc_r;
    if (rc_w != 0 && rc_w != -ENOENT) return rc_w;
    return 0;
  }

  int wait(Event* events, int max, int timeout_ms) override {
    if (events == nullptr || max <= 0) return -EINVAL;
    if (max > kMaxBatch) max = kMaxBatch;
    timespec ts;
    timespec* tsp = nullptr;
    if (timeout_ms >= 0) {
      ts.tv_sec = timeout_ms / 1000;
      ts.tv_nsec = static_cast<long>(timeout_ms % 1000) * 1000000L;
      tsp = &ts;
    }
    int n = kevent(kq_, nullptr, 0, buf_, max, tsp);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    int out = 0;
    for (int i = 0; i < n; ++i) {
      const struct kevent& kev = buf_[i];
      uint64_t token = get_token(kev.udata);
      uint32_t ready = translate(kev);
      if (out > 0 && events[out - 1].token == token) {
        events[out - 1].ready |= ready;  // read+write of one fd: one Event
      } else {
        events[out].token = token;
        events[out].ready = ready;
        ++out;
      }
    }
    return out;
  }

  int fd() const override { return kq_; }

 private:
  static uint32_t translate(const struct kevent& kev) {
    if (kev.flags & EV_ERROR) return kError | kHangup | kReadable | kWritable;
    uint32_t ready = 0;
    if (is_filter(kev, EVFILT_READ)) ready |= kReadable;
    if (is_filter(kev, EVFILT_WRITE)) ready |= kWritable;
    if (kev.flags & EV_EOF) {
      // Readable too so the reader runs and sees EOF (matches epoll backend);
      // a non-zero fflags on EOF carries the socket error.
      ready |= kHangup | kReadable;
      if (kev.fflags != 0) ready |= kError | kWritable;
    }
    return ready;
  }

  // Registers only the wanted filters: not every fd supports both (a pipe's
  // read end or a kqueue fd may reject EVFILT_WRITE), so registering an
  // unwanted one disabled could make add() fail. EV_ADD on an existing knote
  // updates it in place.
  int apply(int fd, uint32_t interest, uint64_t token, bool drop_unwanted) {
    struct kevent ch[2];
    int n = 0;
    if (interest & kReadable) set_change(&ch[n++], fd, EVFILT_READ, EV_ADD | EV_CLEAR, token);
    if (interest & kWritable) set_change(&ch[n++], fd, EVFILT_WRITE, EV_ADD | EV_CLEAR, token);
    if (n > 0 && kevent(kq_, ch, n, nullptr, 0, nullptr) != 0) return -errno;
    if (drop_unwanted) {
      // One call per filter: ENOENT (never added) is expected and harmless.
      if (!(interest & kReadable)) {
        int rc = del(fd, EVFILT_READ);
        if (rc != 0 && rc != -ENOENT) return rc;
      }
      if (!(interest & kWritable)) {
        int rc = del(fd, EVFILT_WRITE);
        if (rc != 0 && rc != -ENOENT) return rc;
      }
    }
    return 0;
  }

  int del(int fd, int filter) {
    struct kevent ch;
    set_change(&ch, fd, filter, EV_DELETE, 0);
    return kevent(kq_, &ch, 1, nullptr, 0, nullptr) == 0 ? 0 : -errno;
  }

  int kq_;
  struct kevent buf_[kMaxBatch];
};

}  // namespace

std::unique_ptr<Poller> make_poller() {
  int kq = kqueue();
  if (kq < 0) return nullptr;  // errno set by kqueue
  // kqueues are not inherited by fork anyway; CLOEXEC keeps exec clean too.
  int fdfl = fcntl(kq, F_GETFD);
  if (fdfl >= 0) fcntl(kq, F_SETFD, fdfl | FD_CLOEXEC);
  auto* p = new (std::nothrow) KqueuePoller(kq);
  if (p == nullptr) {
    close(kq);
    errno = ENOMEM;
    return nullptr;
  }
  return std::unique_ptr<Poller>(p);
}

}  // namespace brigade::poll

#endif  // kqueue platforms
