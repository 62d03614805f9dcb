// kTLS: handing a connection's TX keys to the kernel (TCP_ULP "tls") so FILE
// buckets leave with sendfile, and the pieces that make that hand-off provable
// on a kernel without the tls ULP:
//
//  * export_tx_state(): the exact struct the kernel takes with
//    setsockopt(SOL_TLS, TLS_TX): key, salt/iv and record sequence number, for
//    TLS 1.3 (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, keys derived from
//    the server application traffic secret) and TLS 1.2 (the same AEADs, keys
//    from the key block).
//  * SoftwareTx: encrypts records from that struct alone, the way the kernel's
//    tls_sw does (nonces, AAD, inner content type, explicit nonce, 16 KiB
//    records), and writes them to the socket. A real peer that decrypts its
//    output proves the struct is what the kernel would need (docs/tls.md).
//  * KernelTx: attaches the ULP, installs the struct, then writes plaintext
//    with sendmsg/sendfile and lets the kernel make the records.
#pragma once
#include <openssl/ssl.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#if defined(__linux__)
#include <linux/tls.h>
#define BRIGADE_KTLS 1
#endif

namespace brigade::tls::ktls {

// tls.ktls: 'off' never tries; 'auto' hands off when the kernel lists the tls
// ULP; 'force' tries setsockopt even when /proc says no (it falls back when the
// kernel refuses); 'software' (debug and tests) makes the kernel's struct and
// encrypts with SoftwareTx instead of installing it.
enum class Mode : uint8_t { kOff, kAuto, kForce, kSoftware };

Mode parse_mode(const std::string& s);

// The TX state for setsockopt(SOL_TLS, TLS_TX): one of <linux/tls.h>'s
// structs, which all begin with struct tls_crypto_info. Wiped on destruction.
struct TxState {
#if BRIGADE_KTLS
  union {
    struct tls_crypto_info info;
    struct tls12_crypto_info_aes_gcm_128 gcm128;
    struct tls12_crypto_info_aes_gcm_256 gcm256;
    struct tls12_crypto_info_chacha20_poly1305 chacha;
  } u{};
#endif
  size_t size = 0;  // bytes of u the kernel reads
  TxState() = default;
  TxState(const TxState&) = delete;
  TxState& operator=(const TxState&) = delete;
  ~TxState();
};

// What the record counter saw while OpenSSL wrote the handshake: records
// encrypted under the keys being exported. TLS 1.3: since the server
// application traffic secret was made (the keylog callback, which OpenSSL
// calls as it installs that key); TLS 1.2: since the server's
// ChangeCipherSpec.
struct WriteKeyEpoch {
  bool started = false;
  uint64_t records = 0;  // the next record's sequence number
};

// Fills *out for ssl's negotiated cipher. tls13_secret: the server application
// traffic secret (TLS 1.3 only). seq: the record sequence number the next
// record written with these keys gets. false and *why when not possible
// (cipher or version the kernel cannot take, KDF failure).
bool export_tx_state(SSL* ssl, const unsigned char* tls13_secret, size_t secret_len, uint64_t seq, TxState* out,
                     const char** why);

// The TX side of a connection after hand-off (OpenSSL keeps the RX side).
// Same contract as conn::Transport's writev/send_file (transport.h).
class Tx {
 public:
  virtual ~Tx() = default;
  virtual ssize_t writev(int fd, const struct iovec* iov, int n) = 0;
  virtual ssize_t send_file(int fd, int file_fd, uint64_t* off, uint64_t len) = 0;
  // One close_notify alert, best effort.
  virtual void close_notify(int fd) = 0;
};

// Attaches the tls ULP and installs st as TLS_TX on fd. nullptr and *err
// (errno) when the kernel refuses; the socket then still carries OpenSSL's
// records unchanged (a ULP without TX keys passes writes through).
std::unique_ptr<Tx> install_kernel(int fd, const TxState& st, int* err);

// Encrypts records in user space from st alone, as the kernel would.
// seq_skew (tests only) offsets the starting sequence number, to show that a
// wrong one is noticed by the peer. nullptr when st is unusable.
std::unique_ptr<Tx> make_software(const TxState& st, int64_t seq_skew);

}  // namespace brigade::tls::ktls
