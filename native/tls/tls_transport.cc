// One connection's TLS session: handshake, record input, record output.
#include "tls/tls_transport.h"

#include <errno.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace brigade::tls {

namespace {

// What nginx answers when plain HTTP reaches its TLS port, so a user who typed
// http:// instead of https:// learns why.
constexpr char kPlainHttpResponse[] =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 48\r\n"
    "Connection: close\r\n"
    "\r\n"
    "The plain HTTP request was sent to an HTTPS port";
static_assert(sizeof("The plain HTTP request was sent to an HTTPS port") - 1 == 48);

}  // namespace

TlsTransport::TlsTransport(SSL* ssl, std::shared_ptr<Generation> gen, TlsCounters* counters)
    : ssl_(ssl), gen_(std::move(gen)), counters_(counters) {}

// A TLS connection starts with a handshake record (0x16). An upper-case ASCII
// word followed by a space is an HTTP method: answer it in plain text.
bool TlsTransport::plain_http_probe(int fd) {
  char b[8];
  ssize_t n = ::recv(fd, b, sizeof b, MSG_PEEK);
  if (n < 4 || b[0] == 0x16) return false;
  ssize_t i = 0;
  while (i < n && b[i] >= 'A' && b[i] <= 'Z') ++i;
  if (i == 0 || i == n || b[i] != ' ') return false;
  ssize_t w = ::send(fd, kPlainHttpResponse, sizeof kPlainHttpResponse - 1, MSG_NOSIGNAL);
  (void)w;  // best effort: the connection is closed either way
  counters_->plain_http.fetch_add(1, std::memory_order_relaxed);
  return true;
}

ssize_t TlsTransport::handshake(int fd) {
  if (!bound_) {
    bound_ = true;
    if (plain_http_probe(fd)) {
      errno = EPROTO;
      return -1;
    }
    SSL_set_fd(ssl_.get(), fd);
    SSL_set_accept_state(ssl_.get());
  }
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_.get());
  if (r == 1) {
    on_established(fd);
    return 1;
  }
  switch (SSL_get_error(ssl_.get(), r)) {
    case SSL_ERROR_WANT_READ:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_WRITE:
      read_wants_write_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EINTR) {
        errno = EAGAIN;
        return -1;
      }
      if (ERR_peek_error() == 0 && errno == 0) return 0;  // the client just left
      [[fallthrough]];
    default:
      counters_->handshake_failures.fetch_add(1, std::memory_order_relaxed);
      ERR_clear_error();
      errno = EPROTO;
      return -1;
  }
}

void TlsTransport::on_established(int /*fd*/) {
  established_ = true;
  counters_->handshakes.fetch_add(1, std::memory_order_relaxed);
  if (SSL_session_reused(ssl_.get())) counters_->resumed.fetch_add(1, std::memory_order_relaxed);
  if (SSL_version(ssl_.get()) == TLS1_3_VERSION)
    counters_->tls13.fetch_add(1, std::memory_order_relaxed);
  else
    counters_->tls12.fetch_add(1, std::memory_order_relaxed);
  // Records are written by OpenSSL in user space. Handing the keys to the
  // kernel (kTLS) needs the "tls" TCP ULP; see docs/tls.md for why brigade
  // does not install keys yet.
  counters_->userspace.fetch_add(1, std::memory_order_relaxed);
  // The handshake buffers are not needed any more: the generation may go too
  // once SNI has picked the context (the SSL holds a reference to it).
  gen_.reset();
}

ssize_t TlsTransport::read(int fd, char* buf, size_t len) {
  read_wants_write_ = false;
  if (!established_) {
    ssize_t h = handshake(fd);
    if (h <= 0) return h;
  }
  if (eof_after_data_) return 0;
  if (error_after_data_ != 0) {
    errno = error_after_data_;
    return -1;
  }
  size_t got = 0;
  while (got < len) {
    ERR_clear_error();
    int r = SSL_read(ssl_.get(), buf + got, static_cast<int>(std::min<size_t>(len - got, INT_MAX)));
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ) break;  // socket drained
    if (e == SSL_ERROR_WANT_WRITE) {
      read_wants_write_ = true;
      break;
    }
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
      if (got > 0) {
        eof_after_data_ = true;
        break;
      }
      return 0;
    }
    if (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EINTR)) break;
    const int err = e == SSL_ERROR_SYSCALL && errno != 0 ? errno : EPROTO;
    ERR_clear_error();
    if (got > 0) {
      error_after_data_ = err;
      break;
    }
    errno = err;
    return -1;
  }
  if (got > 0) return static_cast<ssize_t>(got);
  errno = EAGAIN;
  return -1;
}

uint64_t TlsTransport::take_credit(uint64_t want) {
  uint64_t k = std::min(credit_, want);
  credit_ -= k;
  return k;
}

ssize_t TlsTransport::flush_pending() {
  write_wants_read_ = false;
  ERR_clear_error();
  int r = SSL_write(ssl_.get(), pending_.get(), static_cast<int>(pending_len_));
  if (r > 0) {
    credit_ += static_cast<uint64_t>(r);
    pending_.reset();
    pending_len_ = 0;
    return r;
  }
  switch (SSL_get_error(ssl_.get(), r)) {
    case SSL_ERROR_WANT_WRITE:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_READ:
      write_wants_read_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EINTR) {
        errno = EAGAIN;
        return -1;
      }
      if (errno == 0) errno = EPIPE;
      ERR_clear_error();
      return -1;
    default:
      ERR_clear_error();
      errno = EPROTO;
      return -1;
  }
}

ssize_t TlsTransport::writev(int /*fd*/, const struct iovec* iov, int n) {
  uint64_t total = 0;
  for (int i = 0; i < n; ++i) total += iov[i].iov_len;
  if (total == 0) return 0;
  for (;;) {
    if (uint64_t k = take_credit(total)) return static_cast<ssize_t>(k);
    if (pending_len_ == 0) {
      // The offered bytes, up to one chunk, in order (sized to them: a small
      // response does not pay for a 64 KiB buffer).
      const size_t cap = static_cast<size_t>(std::min<uint64_t>(total, kChunk));
      pending_ = std::make_unique_for_overwrite<char[]>(cap);
      for (int i = 0; i < n && pending_len_ < cap; ++i) {
        size_t take = std::min(iov[i].iov_len, cap - pending_len_);
        std::memcpy(pending_.get() + pending_len_, iov[i].iov_base, take);
        pending_len_ += take;
      }
    }
    if (flush_pending() < 0) return -1;
  }
}

ssize_t TlsTransport::send_file(int /*fd*/, int file_fd, uint64_t* off, uint64_t len) {
  if (len == 0) return 0;
  for (;;) {
    if (uint64_t k = take_credit(len)) {
      *off += k;
      return static_cast<ssize_t>(k);
    }
    if (pending_len_ == 0) {
      pending_ = std::make_unique_for_overwrite<char[]>(static_cast<size_t>(std::min<uint64_t>(len, kChunk)));
      ssize_t r;
      do {
        r = ::pread(file_fd, pending_.get(), static_cast<size_t>(std::min<uint64_t>(len, kChunk)),
                    static_cast<off_t>(*off));
      } while (r < 0 && errno == EINTR);
      if (r <= 0) {
        pending_.reset();
        return r;  // 0: the file is shorter than promised; -1: read error
      }
      pending_len_ = static_cast<size_t>(r);
    }
    if (flush_pending() < 0) return -1;
  }
}

void TlsTransport::close_notify(int /*fd*/) {
  if (!established_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // one attempt: a full socket buffer just loses the alert
  ERR_clear_error();
}

}  // namespace brigade::tls
