// TlsServer: the TLS configuration of one listener, shared by every I/O
// thread. It builds OpenSSL contexts (Node's own OpenSSL, through the symbols
// the node binary exports), makes one TlsTransport per accepted connection,
// rotates session-ticket keys and swaps certificates on reload without
// touching connections that are already established.
#pragma once
#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "conn/transport.h"
#include "tls/ktls.h"
#include "tls/tls_options.h"

namespace brigade::tls {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Counters read by server.stats() (relaxed atomics, written by I/O threads).
struct TlsCounters {
  std::atomic<uint64_t> handshakes{0};          // completed
  std::atomic<uint64_t> handshake_failures{0};  // protocol errors, bad clients
  std::atomic<uint64_t> resumed{0};             // completed by session resumption
  std::atomic<uint64_t> plain_http{0};          // plaintext HTTP sent to the TLS port (answered 400)
  std::atomic<uint64_t> userspace{0};           // established connections whose records OpenSSL writes
  std::atomic<uint64_t> ktls{0};                // established connections whose records the kernel writes
  std::atomic<uint64_t> ktls_software{0};       // ... that the software kTLS check writes (tls.ktls 'software')
  std::atomic<uint64_t> ktls_failures{0};       // hand-off tried, the kernel (or key export) refused: OpenSSL writes
  std::atomic<uint64_t> ktls_unavailable{0};    // kTLS wanted, not tried: no tls ULP, or a cipher it cannot take
  std::atomic<uint64_t> ktls_key_update_closes{0};  // closed: the peer asked for a KeyUpdate after hand-off
  std::atomic<uint64_t> ktls_handoff_records{0};    // records OpenSSL wrote under the handed-off keys (sum of seq)
  std::atomic<uint64_t> tls13{0};
  std::atomic<uint64_t> tls12{0};
};

// Session-ticket keys: the current one encrypts, the previous one still
// decrypts (its tickets are renewed), older ones are forgotten. Rotated on use
// once the current key is older than the rotation interval.
class TicketKeys {
 public:
  explicit TicketKeys(uint32_t rotate_s) : rotate_ms_(uint64_t{rotate_s} * 1000) {}
  struct Key {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
    uint64_t born_ms = 0;
  };
  // The key to encrypt a new ticket with (rotating first when due).
  Key current(uint64_t now_ms);
  // The key a ticket names; *renew when it is the previous key.
  bool find(const unsigned char name[16], Key* out, bool* renew);
  void set_rotation(uint32_t rotate_s) {
    std::lock_guard<std::mutex> g(mu_);
    rotate_ms_ = uint64_t{rotate_s} * 1000;
  }

 private:
  static bool fresh(Key* k, uint64_t now_ms);
  std::mutex mu_;
  uint64_t rotate_ms_;
  Key cur_{}, prev_{};
  bool have_cur_ = false, have_prev_ = false;
};

// What a transport is told about kTLS when it is made.
struct KtlsPolicy {
  ktls::Mode mode = ktls::Mode::kOff;
  bool kernel_has_ulp = false;  // /proc/sys/net/ipv4/tcp_available_ulp lists "tls"
  int64_t seq_skew = 0;         // tests only (BRIGADE_KTLS_TEST_SEQ_SKEW): a deliberately wrong seq
};

// One configuration's contexts: the fallback and the SNI ones. Transports keep
// the generation they were made from alive, so a reload never frees a context
// a handshake still uses.
struct Generation {
  SslCtxPtr fallback;
  std::vector<std::pair<std::string, SSL_CTX*>> by_name;  // lower-case names, "*.x" wildcards
  std::vector<SslCtxPtr> owned;
  bool sni_strict = false;
  ktls::Mode ktls = ktls::Mode::kOff;
  SSL_CTX* lookup(const char* host) const;
};

class TlsServer final : public conn::TransportSource {
 public:
  // nullptr and *err set when the certificates or options are unusable.
  static std::unique_ptr<TlsServer> create(const TlsOptions& o, std::string* err);
  // New connections use the new configuration; established ones keep theirs.
  bool reload(const TlsOptions& o, std::string* err);

  std::unique_ptr<conn::Transport> make() override;
  uint32_t handshakes_per_turn() const override { return handshakes_per_turn_.load(std::memory_order_relaxed); }

  TlsCounters counters;
  // Whether this kernel offers the "tls" TCP upper-layer protocol (kTLS);
  // probed once at start from /proc/sys/net/ipv4/tcp_available_ulp.
  bool kernel_has_ktls() const { return kernel_ktls_; }

 private:
  TlsServer() = default;
  std::shared_ptr<Generation> build(const TlsOptions& o, std::string* err);

  std::mutex mu_;  // guards gen_ (taken once per accepted connection)
  std::shared_ptr<Generation> gen_;
  TicketKeys tickets_{3600};
  std::atomic<uint32_t> handshakes_per_turn_{64};
  bool kernel_ktls_ = false;
  int64_t ktls_seq_skew_ = 0;
};

}  // namespace brigade::tls
