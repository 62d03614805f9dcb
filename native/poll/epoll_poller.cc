// EpollPoller: the Linux Poller backend (edge-triggered epoll).
#if defined(__linux__)

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <new>

#include "poll/poller.h"

namespace brigade::poll {
namespace {

// Upper bound on events returned by one wait(); larger requests are clamped.
// The buffer lives inside the poller so wait() never allocates.
constexpr int kMaxBatch = 1024;

uint32_t to_epoll(uint32_t interest) {
  // EPOLLET always: callers read/write until EAGAIN and re-arm by doing so.
  uint32_t ev = EPOLLET;
  // RDHUP lets a reader learn about a half-close without an extra read().
  if (interest & kReadable) ev |= EPOLLIN | EPOLLRDHUP;
  if (interest & kWritable) ev |= EPOLLOUT;
  return ev;
}

uint32_t from_epoll(uint32_t ev) {
  uint32_t ready = 0;
  if (ev & EPOLLIN) ready |= kReadable;
  if (ev & EPOLLOUT) ready |= kWritable;
  // A hangup is also reported readable so the reader runs and sees EOF.
  if (ev & (EPOLLRDHUP | EPOLLHUP)) ready |= kHangup | kReadable;
  // On error both sides get a chance to run and collect the errno from the
  // syscall; kHangup too, as poller.h defines it as "peer closed or error".
  if (ev & EPOLLERR) ready |= kError | kHangup | kReadable | kWritable;
  return ready;
}

class EpollPoller final : public Poller {
 public:
  explicit EpollPoller(int epfd) : epfd_(epfd) {}
  ~EpollPoller() override { close(epfd_); }
  EpollPoller(const EpollPoller&) = delete;
  EpollPoller& operator=(const EpollPoller&) = delete;

  int add(int fd, uint32_t interest, uint64_t token) override {
    return ctl(EPOLL_CTL_ADD, fd, interest, token);
  }

  int modify(int fd, uint32_t interest, uint64_t token) override {
    return ctl(EPOLL_CTL_MOD, fd, interest, token);
  }

  int remove(int fd) override {
    // Non-null event pointer: kernels before 2.6.9 reject a null one.
    epoll_event ev{};
    return epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev) == 0 ? 0 : -errno;
  }

  int wait(Event* events, int max, int timeout_ms) override {
    if (events == nullptr || max <= 0) return -EINVAL;
    if (max > kMaxBatch) max = kMaxBatch;
    int n = epoll_wait(epfd_, buf_, max, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; ++i) {
      events[i].token = buf_[i].data.u64;
      events[i].ready = from_epoll(buf_[i].events);
    }
    return n;
  }

  int fd() const override { return epfd_; }

 private:
  int ctl(int op, int fd, uint32_t interest, uint64_t token) {
    epoll_event ev{};
    ev.events = to_epoll(interest);
    ev.data.u64 = token;
    return epoll_ctl(epfd_, op, fd, &ev) == 0 ? 0 : -errno;
  }

  int epfd_;
  epoll_event buf_[kMaxBatch];
};

}  // namespace

std::unique_ptr<Poller> make_poller() {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return nullptr;  // errno set by epoll_create1
  // nothrow: the build has no exceptions, and failure must surface as nullptr.
  auto* p = new (std::nothrow) EpollPoller(epfd);
  if (p == nullptr) {
    close(epfd);
    errno = ENOMEM;
    return nullptr;
  }
  return std::unique_ptr<Poller>(p);
}

}  // namespace brigade::poll

#endif  // __linux__
