// TlsTransport: one connection's TLS session, nonblocking, on the socket the
// poller watches. The handshake runs inside read() (the first bytes of a TLS
// connection are the client's hello); records are read ahead and drained until
// the socket is empty, so edge-triggered polling stays correct.
//
// Output: bytes offered are copied into one pending chunk (memory buckets) or
// read into it from the file (FILE buckets, pread in bounded chunks) and
// handed to SSL_write; a chunk that does not fit in the socket is retried,
// unchanged, when the caller offers the same stream again (transport.h).
//
// kTLS (tls.ktls other than 'off'): once the handshake is done and OpenSSL has
// flushed everything it wrote, the TX keys and the exact record sequence
// number may be handed to a ktls::Tx (the kernel, or the software check);
// OpenSSL keeps reading, and from then on may not write (its write BIO becomes
// a memory sink; anything it puts there ends the connection).
#pragma once
#include <openssl/ssl.h>

#include <memory>

#include "conn/transport.h"
#include "tls/ktls.h"
#include "tls/tls_server.h"

namespace brigade::tls {

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

class TlsTransport final : public conn::Transport {
 public:
  TlsTransport(SSL* ssl, std::shared_ptr<Generation> gen, TlsCounters* counters, const KtlsPolicy& ktls);
  ~TlsTransport() override;

  // OpenSSL callbacks (installed only when kTLS is not off): the keylog line
  // that carries the server application traffic secret, and the record
  // headers OpenSSL writes (to count records under the current write keys).
  static void keylog_cb(const SSL* ssl, const char* line);
  static void msg_cb(int write_p, int version, int content_type, const void* buf, size_t len, SSL* ssl, void* arg);

  ssize_t read(int fd, char* buf, size_t len) override;
  ssize_t writev(int fd, const struct iovec* iov, int n) override;
  ssize_t send_file(int fd, int file_fd, uint64_t* off, uint64_t len) override;
  bool established() const override { return established_; }
  bool read_wants_write() const override { return read_wants_write_; }
  bool write_wants_read() const override { return write_wants_read_; }
  void close_notify(int fd) override;

 private:
  // Bytes per SSL_write: a whole number of full records, bounded memory.
  static constexpr size_t kChunk = 64 * 1024;
  ssize_t handshake(int fd);
  bool plain_http_probe(int fd);
  void on_established(int fd);
  // Picks the TX path once the handshake is done; counts it.
  void choose_tx_path(int fd);
  // After hand-off: OpenSSL tried to write (a KeyUpdate reply, an alert).
  bool openssl_wrote_after_handoff() const;
  // Writes the pending chunk; >0 bytes written, -1 with errno.
  ssize_t flush_pending();
  // Reports already-written bytes to the caller (up to want), 0 if none.
  uint64_t take_credit(uint64_t want);

  std::unique_ptr<SSL, SslFree> ssl_;
  std::shared_ptr<Generation> gen_;  // keeps the contexts of this handshake alive
  TlsCounters* counters_;
  bool bound_ = false;
  bool established_ = false;
  bool read_wants_write_ = false;
  bool write_wants_read_ = false;
  bool eof_after_data_ = false;  // end of stream seen while returning data
  int error_after_data_ = 0;     // fatal errno seen while returning data
  // Plaintext handed to SSL_write, not yet confirmed written; allocated per
  // chunk and released once written, so an idle connection holds none.
  std::unique_ptr<char[]> pending_;
  size_t pending_len_ = 0;
  uint64_t credit_ = 0;          // written to the socket, not yet reported to the caller

  // kTLS hand-off state (unused when the policy is off).
  KtlsPolicy ktls_;
  unsigned char app_secret_[64];   // server application traffic secret (TLS 1.3)
  size_t app_secret_len_ = 0;
  ktls::WriteKeyEpoch tls13_epoch_;  // records since the application write key
  ktls::WriteKeyEpoch tls12_epoch_;  // records since the server's ChangeCipherSpec
  bool key_update_seen_ = false;     // the peer sent KeyUpdate(update_requested) after hand-off
  BIO* sink_ = nullptr;              // OpenSSL's write BIO after hand-off (owned by ssl_)
  std::unique_ptr<ktls::Tx> tx_;     // the TX path after hand-off; null: OpenSSL writes
  bool tx_closed_ = false;           // close_notify went out through tx_: nothing more may
};

}  // namespace brigade::tls
