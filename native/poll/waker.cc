// Waker: cross-thread wake-up for a Poller. eventfd on Linux (one fd, an 8-byte
// counter), a nonblocking pipe elsewhere. Define BRIGADE_WAKER_FORCE_PIPE to
// build the pipe variant on Linux too (so tests can exercise it there).
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>

#include "poll/poller.h"

#if defined(__linux__) && !defined(BRIGADE_WAKER_FORCE_PIPE)
#include <sys/eventfd.h>
#define BRIGADE_WAKER_EVENTFD 1
#else
#define BRIGADE_WAKER_EVENTFD 0
#endif

namespace brigade::poll {

#if !BRIGADE_WAKER_EVENTFD
namespace {
// pipe2() is missing on macOS, so flags are set separately; the tiny window
// before FD_CLOEXEC is set only matters to a concurrent fork+exec.
bool set_nonblock_cloexec(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return false;
  int fdfl = fcntl(fd, F_GETFD);
  return fdfl >= 0 && fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) == 0;
}
}  // namespace
#endif

Waker::Waker() {
#if BRIGADE_WAKER_EVENTFD
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd >= 0) read_fd_ = write_fd_ = fd;
#else
  int fds[2];
  if (pipe(fds) != 0) return;
  if (!set_nonblock_cloexec(fds[0]) || !set_nonblock_cloexec(fds[1])) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    errno = saved;
    return;
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
#endif
}

Waker::~Waker() {
  if (read_fd_ >= 0) close(read_fd_);
  if (write_fd_ >= 0 && write_fd_ != read_fd_) close(write_fd_);
}

void Waker::notify() {
  if (write_fd_ < 0) return;
  // Called from signal handlers too: keep the interrupted code's errno.
  int saved = errno;
#if BRIGADE_WAKER_EVENTFD
  uint64_t one = 1;
  const void* p = &one;
  size_t len = sizeof one;
#else
  char one = 1;
  const void* p = &one;
  size_t len = 1;
#endif
  // EAGAIN means the counter/pipe is already full, i.e. already readable:
  // the wake-up is pending anyway, so it is safe to drop.
  while (write(write_fd_, p, len) < 0 && errno == EINTR) {
  }
  errno = saved;
}

void Waker::drain() {
  if (read_fd_ < 0) return;
  // eventfd: one read resets the counter; pipe: may need several. Looping to
  // EAGAIN covers both and also any notify() that raced with the first read.
  uint64_t buf[8];
  for (;;) {
    ssize_t n = read(read_fd_, buf, sizeof buf);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN (empty) or an unexpected EOF/error: nothing more to take
  }
}

}  // namespace brigade::poll
