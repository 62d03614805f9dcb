// file_range_resident(): is a file range in the page cache? (see file_prefetcher.h)
#include <errno.h>
#include <sys/uio.h>

#include <initializer_list>

#include "conn/file_prefetcher.h"

namespace brigade::conn {

bool file_range_resident(int fd, uint64_t off, uint64_t len) {
#if defined(__linux__) && defined(RWF_NOWAIT)
  if (len == 0) return true;
  char byte;
  for (uint64_t at : {off, off + len - 1}) {
    struct iovec iov = {&byte, 1};
    ssize_t n = ::preadv2(fd, &iov, 1, static_cast<off_t>(at), RWF_NOWAIT);
    if (n >= 0) continue;  // cached (or EOF: sendfile reports the truncation)
    // EAGAIN: not cached. EOPNOTSUPP/EINVAL: no NOWAIT here — nothing to learn, go on.
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    return true;
  }
  return true;
#else
  (void)fd;
  (void)off;
  (void)len;
  return true;
#endif
}

}  // namespace brigade::conn
