// FilePrefetcher: brings a file range into the page cache off the I/O thread,
// so sendfile() on the I/O thread never waits for the disk (event MPM). The
// connection's writer probes residency first and only asks for the ranges
// that are not cached; the answer comes back to the connection's own loop.
#pragma once
#include <cstdint>
#include <vector>

namespace brigade::conn {

class FilePrefetcher {
 public:
  virtual ~FilePrefetcher() = default;
  // Takes ownership of fd (a duplicate: the connection may close its own
  // meanwhile). When [off, off + len) has been read, the loop calls
  // Connection::on_file_ready() for conn_id (if it still exists).
  virtual void prefetch(int fd, uint64_t off, uint64_t len, uint32_t conn_id) = 0;
  // Loop thread, after a wake-up: the connections whose ranges are ready.
  virtual std::vector<uint32_t> take_ready() = 0;
};

// Whether [off, off + len) of fd can be read without waiting for the disk.
// Linux: preadv2(RWF_NOWAIT) of the first and last byte (two pages that stand
// for the range: readahead fills ranges, eviction empties them). Elsewhere,
// and where the file system does not support it: always true.
bool file_range_resident(int fd, uint64_t off, uint64_t len);

}  // namespace brigade::conn
