// One connection's TLS session: handshake, record input, record output.
#include "tls/tls_transport.h"

#include <errno.h>
#include <openssl/crypto.h>
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

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

}  // namespace

TlsTransport::TlsTransport(SSL* ssl, std::shared_ptr<Generation> gen, TlsCounters* counters, const KtlsPolicy& ktls)
    : ssl_(ssl), gen_(std::move(gen)), counters_(counters), ktls_(ktls) {
  if (ktls_.mode != ktls::Mode::kOff) {
    SSL_set_app_data(ssl_.get(), this);
    SSL_set_msg_callback(ssl_.get(), msg_cb);
    SSL_set_msg_callback_arg(ssl_.get(), this);
  }
}

TlsTransport::~TlsTransport() { OPENSSL_cleanse(app_secret_, sizeof app_secret_); }

// "SERVER_TRAFFIC_SECRET_0 <client random, hex> <secret, hex>": OpenSSL logs
// it from the function that installs the server's application write key, so
// every record header reported after it is a record under that key.
void TlsTransport::keylog_cb(const SSL* ssl, const char* line) {
  auto* t = static_cast<TlsTransport*>(SSL_get_app_data(ssl));
  static constexpr char kLabel[] = "SERVER_TRAFFIC_SECRET_0 ";
  if (!t || std::strncmp(line, kLabel, sizeof kLabel - 1) != 0) return;
  const char* hex = std::strchr(line + sizeof kLabel - 1, ' ');
  if (!hex) return;
  ++hex;
  size_t n = 0;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (; hex[0] && hex[1] && n < sizeof t->app_secret_; hex += 2) {
    int hi = nibble(hex[0]), lo = nibble(hex[1]);
    if (hi < 0 || lo < 0) break;
    t->app_secret_[n++] = static_cast<unsigned char>(hi << 4 | lo);
  }
  t->app_secret_len_ = n;
  t->tls13_epoch_ = {true, 0};
}

// Record headers OpenSSL writes (SSL3_RT_HEADER, reported as each record is
// sealed) count records under the current write key; the server's
// ChangeCipherSpec starts the TLS 1.2 epoch. After hand-off, a KeyUpdate from
// the peer is noted (the kernel's TX key cannot follow it).
void TlsTransport::msg_cb(int write_p, int /*version*/, int content_type, const void* buf, size_t len, SSL* ssl,
                          void* arg) {
  auto* t = static_cast<TlsTransport*>(arg);
  if (write_p) {
    if (content_type == SSL3_RT_HEADER) {
      ++t->tls13_epoch_.records;
      ++t->tls12_epoch_.records;
    } else if (content_type == SSL3_RT_CHANGE_CIPHER_SPEC && SSL_version(ssl) != TLS1_3_VERSION) {
      t->tls12_epoch_ = {true, 0};
    }
  } else if (t->tx_ && content_type == SSL3_RT_HANDSHAKE && len >= 5 &&
             static_cast<const unsigned char*>(buf)[0] == SSL3_MT_KEY_UPDATE &&
             static_cast<const unsigned char*>(buf)[4] == SSL_KEY_UPDATE_REQUESTED) {
    // type, 3-byte length, request_update. OpenSSL 3.0 would answer at its
    // next SSL_write, which never comes after hand-off.
    t->key_update_seen_ = true;
  }
}

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

void TlsTransport::on_established(int fd) {
  established_ = true;
  counters_->handshakes.fetch_add(1, std::memory_order_relaxed);
  if (SSL_session_reused(ssl_.get())) counters_->resumed.fetch_add(1, std::memory_order_relaxed);
  if (SSL_version(ssl_.get()) == TLS1_3_VERSION)
    counters_->tls13.fetch_add(1, std::memory_order_relaxed);
  else
    counters_->tls12.fetch_add(1, std::memory_order_relaxed);
  choose_tx_path(fd);
  // The handshake buffers are not needed any more: the generation may go too
  // once SNI has picked the context (the SSL holds a reference to it).
  gen_.reset();
}

// The hand-off point: SSL_do_handshake has returned 1, so OpenSSL's state
// machine has flushed every record it wrote (the TLS 1.3 NewSessionTickets
// included: the server sends them before the handshake reports done) and
// nothing waits in its buffers. The sequence number is the count of records
// it sealed under the current write key; OpenSSL writes nothing more.
void TlsTransport::choose_tx_path(int fd) {
  auto fallback = [&] {
    SSL_set_msg_callback(ssl_.get(), nullptr);  // no more counting on the OpenSSL path
    OPENSSL_cleanse(app_secret_, sizeof app_secret_);
    counters_->userspace.fetch_add(1, std::memory_order_relaxed);
  };
  if (ktls_.mode == ktls::Mode::kOff) {
    counters_->userspace.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (ktls_.mode == ktls::Mode::kAuto && !ktls_.kernel_has_ulp) {
    counters_->ktls_unavailable.fetch_add(1, std::memory_order_relaxed);
    fallback();
    return;
  }
  const bool tls13 = SSL_version(ssl_.get()) == TLS1_3_VERSION;
  const ktls::WriteKeyEpoch& epoch = tls13 ? tls13_epoch_ : tls12_epoch_;
  BIO* wbio = SSL_get_wbio(ssl_.get());
  ktls::TxState st;
  const char* why = nullptr;
  if (!epoch.started || SSL_want(ssl_.get()) != SSL_NOTHING || (wbio && BIO_wpending(wbio) > 0) ||
      !ktls::export_tx_state(ssl_.get(), app_secret_, app_secret_len_, epoch.records, &st, &why)) {
    // A cipher or version the kernel cannot take; or OpenSSL still holds
    // output (never seen: then the sequence number would not be known).
    counters_->ktls_unavailable.fetch_add(1, std::memory_order_relaxed);
    fallback();
    return;
  }
  OPENSSL_cleanse(app_secret_, sizeof app_secret_);
  // From the hand-off on OpenSSL only reads. Its write side goes to a memory
  // sink so it can never put a record with a stale sequence number on the
  // socket (made first: nothing is handed over unless it exists).
  std::unique_ptr<BIO, BioFree> sink(BIO_new(BIO_s_mem()));
  std::unique_ptr<ktls::Tx> tx;
  if (sink) {
    if (ktls_.mode == ktls::Mode::kSoftware) {
      tx = ktls::make_software(st, ktls_.seq_skew);
    } else {
      int err = 0;
      tx = ktls::install_kernel(fd, st, &err);
    }
  }
  if (!tx) {
    counters_->ktls_failures.fetch_add(1, std::memory_order_relaxed);
    fallback();
    return;
  }
  sink_ = sink.release();
  SSL_set0_wbio(ssl_.get(), sink_);
  tx_ = std::move(tx);
  counters_->ktls_handoff_records.fetch_add(epoch.records, std::memory_order_relaxed);
  if (ktls_.mode == ktls::Mode::kSoftware)
    counters_->ktls_software.fetch_add(1, std::memory_order_relaxed);
  else
    counters_->ktls.fetch_add(1, std::memory_order_relaxed);
}

bool TlsTransport::openssl_wrote_after_handoff() const { return sink_ && BIO_ctrl_pending(sink_) > 0; }

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
  if (key_update_seen_ || openssl_wrote_after_handoff()) {
    // The peer asked for a KeyUpdate (RFC 8446 §4.6.3: our next record must
    // use new keys), or OpenSSL tried to send something (an alert) under keys
    // it no longer owns. The kernel cannot rekey its TX side, so the
    // connection ends: close_notify through the TX path, then the error
    // closes it.
    if (key_update_seen_) counters_->ktls_key_update_closes.fetch_add(1, std::memory_order_relaxed);
    tx_->close_notify(fd);
    // Nothing more may follow the alert: bytes read in this call are dropped
    // and every later call fails.
    key_update_seen_ = false;
    (void)BIO_reset(sink_);
    tx_closed_ = true;
    error_after_data_ = EPROTO;
    errno = EPROTO;
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

ssize_t TlsTransport::writev(int fd, const struct iovec* iov, int n) {
  if (tx_) return tx_closed_ ? (errno = EPIPE, -1) : tx_->writev(fd, iov, n);
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

ssize_t TlsTransport::send_file(int fd, int file_fd, uint64_t* off, uint64_t len) {
  if (tx_) return tx_closed_ ? (errno = EPIPE, -1) : tx_->send_file(fd, file_fd, off, len);
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

void TlsTransport::close_notify(int fd) {
  if (!established_) return;
  if (tx_) {
    if (!tx_closed_) tx_->close_notify(fd);
    tx_closed_ = true;
    return;
  }
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // one attempt: a full socket buffer just loses the alert
  ERR_clear_error();
}

}  // namespace brigade::tls
