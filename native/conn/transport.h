// Transport: the connection-level filter between the HTTP connection and the
// socket (DESIGN §4: "piped through mod_chunk, mod_ssl, and mod_net"). A plain
// connection has none and uses read/sendmsg/sendfile directly; a TLS
// connection reads and writes through one. The protocol side (parser, buckets,
// writer order, timeouts) is the same either way.
//
// Contract (what the writer relies on): a byte counts as sent only when it is
// on the socket. A transport that returns EAGAIN may have kept a copy of the
// bytes it was offered; the caller offers the same stream again (it has not
// released them), so a transport may report bytes from an earlier, completed
// attempt as sent on a later call.
#pragma once
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>

namespace brigade::conn {

class Transport {
 public:
  virtual ~Transport() = default;
  // Like read(2): bytes read (>0), 0 at end of stream, -1 with errno set
  // (EAGAIN: nothing now; other values: fatal). Reads until len is filled or
  // the socket has nothing more, so a short count means "drained" as it does
  // for read(2) under edge-triggered polling.
  virtual ssize_t read(int fd, char* buf, size_t len) = 0;
  // Like writev(2)/sendfile(2) under the contract above.
  virtual ssize_t writev(int fd, const struct iovec* iov, int n) = 0;
  virtual ssize_t send_file(int fd, int file_fd, uint64_t* off, uint64_t len) = 0;
  // The handshake has completed (requests may flow).
  virtual bool established() const = 0;
  // The last read stopped because the transport must write first (a handshake
  // flight did not fit in the socket buffer): retry the read once writable.
  virtual bool read_wants_write() const = 0;
  // The last write stopped because the transport must read first.
  virtual bool write_wants_read() const = 0;
  // Orderly end of the output stream (TLS close_notify), best effort, before
  // shutdown(SHUT_WR) or close.
  virtual void close_notify(int fd) = 0;
};

// Makes a transport for each accepted connection (shared by all I/O threads:
// implementations are thread-safe). Handshake work per loop turn is bounded by
// handshakes_per_turn so a flood of new connections cannot starve the others.
class TransportSource {
 public:
  virtual ~TransportSource() = default;
  virtual std::unique_ptr<Transport> make() = 0;
  virtual uint32_t handshakes_per_turn() const = 0;
};

}  // namespace brigade::conn
