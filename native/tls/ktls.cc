// kTLS key export, the kernel hand-off, and the software record writer that
// checks the exported state against real peers. See ktls.h and docs/tls.md.
#include "tls/ktls.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#if BRIGADE_KTLS
#include <sys/sendfile.h>
#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#endif

namespace brigade::tls::ktls {

Mode parse_mode(const std::string& s) {
  if (s == "auto") return Mode::kAuto;
  if (s == "force") return Mode::kForce;
  if (s == "software") return Mode::kSoftware;
  return Mode::kOff;
}

TxState::~TxState() {
#if BRIGADE_KTLS
  OPENSSL_cleanse(&u, sizeof u);
#endif
}

#if BRIGADE_KTLS

namespace {

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// Wipes a fixed-size secret buffer when it goes out of scope.
template <size_t N>
struct Secret {
  unsigned char b[N];
  ~Secret() { OPENSSL_cleanse(b, N); }
};

bool kdf(const char* name, OSSL_PARAM* params, unsigned char* out, size_t len) {
  std::unique_ptr<EVP_KDF, KdfFree> k(EVP_KDF_fetch(nullptr, name, nullptr));
  if (!k) return false;
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> c(EVP_KDF_CTX_new(k.get()));
  return c && EVP_KDF_derive(c.get(), out, len, params) == 1;
}

// RFC 8446 §7.1 HKDF-Expand-Label(secret, label, "", len).
bool expand_label(const char* digest, const unsigned char* secret, size_t secret_len, const char* label,
                  unsigned char* out, size_t len) {
  unsigned char info[2 + 1 + 255 + 1];
  const size_t ll = 6 + std::strlen(label);
  size_t n = 0;
  info[n++] = static_cast<unsigned char>(len >> 8);
  info[n++] = static_cast<unsigned char>(len);
  info[n++] = static_cast<unsigned char>(ll);
  std::memcpy(info + n, "tls13 ", 6);
  std::memcpy(info + n + 6, label, ll - 6);
  n += ll;
  info[n++] = 0;  // empty context
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM p[5];
  p[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  p[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0);
  p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(secret), secret_len);
  p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n);
  p[4] = OSSL_PARAM_construct_end();
  return kdf("HKDF", p, out, len);
}

// RFC 5246 §6.3: key_block = PRF(master, "key expansion", server_random + client_random).
bool key_block(SSL* ssl, const char* digest, unsigned char* out, size_t len) {
  Secret<SSL_MAX_MASTER_KEY_LENGTH> master;
  const size_t mlen = SSL_SESSION_get_master_key(SSL_get_session(ssl), master.b, sizeof master.b);
  if (mlen == 0) return false;
  unsigned char seed[13 + 2 * SSL3_RANDOM_SIZE];
  std::memcpy(seed, "key expansion", 13);
  if (SSL_get_server_random(ssl, seed + 13, SSL3_RANDOM_SIZE) != SSL3_RANDOM_SIZE ||
      SSL_get_client_random(ssl, seed + 13 + SSL3_RANDOM_SIZE, SSL3_RANDOM_SIZE) != SSL3_RANDOM_SIZE)
    return false;
  OSSL_PARAM p[4];
  p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0);
  p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master.b, mlen);
  p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed);
  p[3] = OSSL_PARAM_construct_end();
  return kdf("TLS1-PRF", p, out, len);
}

void put_be64(unsigned char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<unsigned char>(v);
    v >>= 8;
  }
}

uint64_t get_be64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// Fills the kernel struct from the raw key and the 12-byte (TLS 1.3, ChaCha20)
// or 4-byte (TLS 1.2 GCM) write IV.
template <typename Info>
void fill_gcm(Info* g, uint16_t version, uint16_t type, const unsigned char* key, const unsigned char* iv, bool tls13,
              uint64_t seq) {
  g->info.version = version;
  g->info.cipher_type = type;
  std::memcpy(g->key, key, sizeof g->key);
  std::memcpy(g->salt, iv, sizeof g->salt);  // first 4 bytes of the IV either way
  if (tls13)
    std::memcpy(g->iv, iv + sizeof g->salt, sizeof g->iv);  // the other 8
  else
    put_be64(g->iv, seq);  // TLS 1.2 explicit nonce: any never-repeating start; the kernel counts it up
  put_be64(g->rec_seq, seq);
}

}  // namespace

bool export_tx_state(SSL* ssl, const unsigned char* tls13_secret, size_t secret_len, uint64_t seq, TxState* out,
                     const char** why) {
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl);
  if (!c) {
    *why = "no cipher";
    return false;
  }
  const int version = SSL_version(ssl);
  const bool tls13 = version == TLS1_3_VERSION;
  if (!tls13 && version != TLS1_2_VERSION) {
    *why = "protocol version";
    return false;
  }
  const EVP_MD* md = SSL_CIPHER_get_handshake_digest(c);
  const char* digest = md ? EVP_MD_get0_name(md) : nullptr;
  if (!digest) {
    *why = "digest";
    return false;
  }
  size_t keylen, ivlen;
  uint16_t type;
  switch (SSL_CIPHER_get_cipher_nid(c)) {
    case NID_aes_128_gcm:
      type = TLS_CIPHER_AES_GCM_128, keylen = 16, ivlen = tls13 ? 12 : 4;
      break;
    case NID_aes_256_gcm:
      type = TLS_CIPHER_AES_GCM_256, keylen = 32, ivlen = tls13 ? 12 : 4;
      break;
    case NID_chacha20_poly1305:
      type = TLS_CIPHER_CHACHA20_POLY1305, keylen = 32, ivlen = 12;
      break;
    default:
      *why = "cipher the kernel does not take";
      return false;
  }
  Secret<32> key;
  Secret<12> iv;
  if (tls13) {
    if (!tls13_secret || secret_len == 0 || secret_len > 64) {
      *why = "no application traffic secret";
      return false;
    }
    if (!expand_label(digest, tls13_secret, secret_len, "key", key.b, keylen) ||
        !expand_label(digest, tls13_secret, secret_len, "iv", iv.b, ivlen)) {
      *why = "HKDF";
      return false;
    }
  } else {
    // AEAD suites have no MAC keys: client key, server key, client IV, server IV.
    Secret<2 * 32 + 2 * 12> kb;
    if (!key_block(ssl, digest, kb.b, 2 * keylen + 2 * ivlen)) {
      *why = "key block";
      return false;
    }
    std::memcpy(key.b, kb.b + keylen, keylen);
    std::memcpy(iv.b, kb.b + 2 * keylen + ivlen, ivlen);
  }
  const uint16_t v = tls13 ? TLS_1_3_VERSION : TLS_1_2_VERSION;
  if (type == TLS_CIPHER_AES_GCM_128) {
    fill_gcm(&out->u.gcm128, v, type, key.b, iv.b, tls13, seq);
    out->size = sizeof out->u.gcm128;
  } else if (type == TLS_CIPHER_AES_GCM_256) {
    fill_gcm(&out->u.gcm256, v, type, key.b, iv.b, tls13, seq);
    out->size = sizeof out->u.gcm256;
  } else {
    auto& ch = out->u.chacha;
    ch.info.version = v;
    ch.info.cipher_type = type;
    std::memcpy(ch.key, key.b, sizeof ch.key);
    std::memcpy(ch.iv, iv.b, sizeof ch.iv);
    put_be64(ch.rec_seq, seq);
    out->size = sizeof ch;
  }
  return true;
}

namespace {

constexpr size_t kMaxRecord = 16384;  // plaintext per record, as the kernel writes them
constexpr size_t kChunk = 64 * 1024;  // plaintext per call (bounded memory, as the OpenSSL path)
constexpr size_t kTag = 16;
constexpr unsigned char kAppData = 23;
constexpr unsigned char kAlert = 21;

class KernelTx final : public Tx {
 public:
  ssize_t writev(int fd, const struct iovec* iov, int n) override {
    struct msghdr msg {};
    msg.msg_iov = const_cast<struct iovec*>(iov);
    msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(n);
    return ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  }
  ssize_t send_file(int fd, int file_fd, uint64_t* off, uint64_t len) override {
    off_t o = static_cast<off_t>(*off);
    ssize_t r = ::sendfile(fd, file_fd, &o, static_cast<size_t>(len));
    if (r > 0) *off = static_cast<uint64_t>(o);
    return r;
  }
  // A record of another type than application data goes through a control
  // message (TLS_SET_RECORD_TYPE); the kernel encrypts it with the next seq.
  void close_notify(int fd) override {
    unsigned char alert[2] = {1, 0};  // warning, close_notify
    struct iovec v = {alert, sizeof alert};
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(1)] = {};
    struct msghdr msg {};
    msg.msg_iov = &v;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_TLS;
    cm->cmsg_type = TLS_SET_RECORD_TYPE;
    cm->cmsg_len = CMSG_LEN(1);
    *CMSG_DATA(cm) = kAlert;
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)w;  // best effort, as the OpenSSL path's one SSL_shutdown attempt
  }
};

// The kernel's tls_sw record format, from the TLS_TX struct alone.
class SoftwareTx final : public Tx {
 public:
  bool init(const TxState& st, int64_t seq_skew) {
    version_ = st.u.info.version;
    type_ = st.u.info.cipher_type;
    const EVP_CIPHER* cipher = nullptr;
    const unsigned char* key = nullptr;
    const unsigned char* seq = nullptr;
    if (type_ == TLS_CIPHER_AES_GCM_128) {
      cipher = EVP_aes_128_gcm();
      key = st.u.gcm128.key;
      seq = st.u.gcm128.rec_seq;
      std::memcpy(iv_, st.u.gcm128.salt, 4);
      std::memcpy(iv_ + 4, st.u.gcm128.iv, 8);
    } else if (type_ == TLS_CIPHER_AES_GCM_256) {
      cipher = EVP_aes_256_gcm();
      key = st.u.gcm256.key;
      seq = st.u.gcm256.rec_seq;
      std::memcpy(iv_, st.u.gcm256.salt, 4);
      std::memcpy(iv_ + 4, st.u.gcm256.iv, 8);
    } else if (type_ == TLS_CIPHER_CHACHA20_POLY1305) {
      cipher = EVP_chacha20_poly1305();
      key = st.u.chacha.key;
      seq = st.u.chacha.rec_seq;
      std::memcpy(iv_, st.u.chacha.iv, 12);
    } else {
      return false;
    }
    if (version_ != TLS_1_3_VERSION && version_ != TLS_1_2_VERSION) return false;
    seq_ = get_be64(seq) + static_cast<uint64_t>(seq_skew);
    ctx_.reset(EVP_CIPHER_CTX_new());
    return ctx_ && EVP_EncryptInit_ex(ctx_.get(), cipher, nullptr, key, nullptr) == 1;
  }
  ~SoftwareTx() override { OPENSSL_cleanse(iv_, sizeof iv_); }

  ssize_t writev(int fd, const struct iovec* iov, int n) override {
    uint64_t total = 0;
    for (int i = 0; i < n; ++i) total += iov[i].iov_len;
    if (total == 0) return 0;
    for (;;) {
      if (uint64_t k = take_credit(total)) return static_cast<ssize_t>(k);
      if (out_.empty()) {
        std::vector<unsigned char> plain(static_cast<size_t>(std::min<uint64_t>(total, kChunk)));
        size_t got = 0;
        for (int i = 0; i < n && got < plain.size(); ++i) {
          size_t take = std::min(iov[i].iov_len, plain.size() - got);
          std::memcpy(plain.data() + got, iov[i].iov_base, take);
          got += take;
        }
        if (!seal_all(kAppData, plain.data(), got)) return fail();
      }
      if (flush(fd) < 0) return -1;
    }
  }

  ssize_t send_file(int fd, int file_fd, uint64_t* off, uint64_t len) override {
    if (len == 0) return 0;
    for (;;) {
      if (uint64_t k = take_credit(len)) {
        *off += k;
        return static_cast<ssize_t>(k);
      }
      if (out_.empty()) {
        std::vector<unsigned char> plain(static_cast<size_t>(std::min<uint64_t>(len, kChunk)));
        ssize_t r;
        do {
          r = ::pread(file_fd, plain.data(), plain.size(), static_cast<off_t>(*off));
        } while (r < 0 && errno == EINTR);
        if (r <= 0) return r;
        if (!seal_all(kAppData, plain.data(), static_cast<size_t>(r))) return fail();
      }
      if (flush(fd) < 0) return -1;
    }
  }

  void close_notify(int fd) override {
    if (!out_.empty()) return;  // a record is half written: an alert cannot go in between
    const unsigned char alert[2] = {1, 0};
    if (!seal_record(kAlert, alert, sizeof alert)) return;
    ssize_t w = ::send(fd, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)w;  // best effort
    out_.clear();
  }

 private:
  ssize_t fail() {
    out_.clear();
    errno = EPROTO;
    return -1;
  }

  uint64_t take_credit(uint64_t want) {
    uint64_t k = std::min(credit_, want);
    credit_ -= k;
    return k;
  }

  // Writes the sealed records; their plaintext counts as sent once the last
  // byte is on the socket.
  ssize_t flush(int fd) {
    while (out_off_ < out_.size()) {
      ssize_t w = ::send(fd, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        return -1;
      }
      out_off_ += static_cast<size_t>(w);
    }
    credit_ += out_plain_;
    out_.clear();
    out_off_ = 0;
    out_plain_ = 0;
    return 1;
  }

  bool seal_all(unsigned char type, const unsigned char* p, size_t n) {
    out_.reserve(n + (n / kMaxRecord + 1) * (5 + 8 + 1 + kTag));
    for (size_t at = 0; at < n; at += kMaxRecord)
      if (!seal_record(type, p + at, std::min(kMaxRecord, n - at))) return false;
    out_plain_ = n;
    return true;
  }

  // Appends one record to out_ and advances the sequence number (and, for
  // TLS 1.2 AES-GCM, the explicit nonce), as tls_advance_record_sn does.
  bool seal_record(unsigned char type, const unsigned char* p, size_t n) {
    const bool tls13 = version_ == TLS_1_3_VERSION;
    const bool explicit_nonce = !tls13 && type_ != TLS_CIPHER_CHACHA20_POLY1305;
    unsigned char nonce[12];
    std::memcpy(nonce, iv_, 12);
    if (!explicit_nonce)
      for (int i = 0; i < 8; ++i) nonce[4 + i] ^= static_cast<unsigned char>(seq_ >> (56 - 8 * i));
    const size_t body = (explicit_nonce ? 8 : 0) + n + (tls13 ? 1 : 0) + kTag;
    unsigned char hdr[5] = {tls13 ? kAppData : type, 3, 3, static_cast<unsigned char>(body >> 8),
                            static_cast<unsigned char>(body)};
    unsigned char aad[13];
    size_t aad_len;
    if (tls13) {
      std::memcpy(aad, hdr, 5);
      aad_len = 5;
    } else {
      put_be64(aad, seq_);
      aad[8] = type;
      aad[9] = 3;
      aad[10] = 3;
      aad[11] = static_cast<unsigned char>(n >> 8);
      aad[12] = static_cast<unsigned char>(n);
      aad_len = 13;
    }
    const size_t at = out_.size();
    out_.resize(at + 5 + body);
    unsigned char* w = out_.data() + at;
    std::memcpy(w, hdr, 5);
    w += 5;
    if (explicit_nonce) {
      std::memcpy(w, iv_ + 4, 8);
      w += 8;
    }
    EVP_CIPHER_CTX* c = ctx_.get();
    int len = 0;
    bool ok = EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce) == 1 &&
              EVP_EncryptUpdate(c, nullptr, &len, aad, static_cast<int>(aad_len)) == 1 &&
              EVP_EncryptUpdate(c, w, &len, p, static_cast<int>(n)) == 1;
    w += len;
    if (ok && tls13) {
      ok = EVP_EncryptUpdate(c, w, &len, &type, 1) == 1;  // inner content type
      w += len;
    }
    ok = ok && EVP_EncryptFinal_ex(c, w, &len) == 1;
    w += len;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, kTag, w) == 1;
    if (!ok) {
      out_.resize(at);
      return false;
    }
    ++seq_;
    if (explicit_nonce)
      for (int i = 11; i >= 4; --i)
        if (++iv_[i] != 0) break;
    return true;
  }

  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx_;
  uint16_t version_ = 0;
  uint16_t type_ = 0;
  unsigned char iv_[12] = {};  // salt + iv (GCM) or iv (ChaCha20), as the kernel keeps it
  uint64_t seq_ = 0;
  std::vector<unsigned char> out_;  // sealed records not yet on the socket
  size_t out_off_ = 0;
  uint64_t out_plain_ = 0;  // plaintext bytes out_ carries
  uint64_t credit_ = 0;     // written, not yet reported to the caller
};

}  // namespace

std::unique_ptr<Tx> install_kernel(int fd, const TxState& st, int* err) {
  static constexpr char kUlp[] = "tls";
  if (::setsockopt(fd, IPPROTO_TCP, TCP_ULP, kUlp, sizeof kUlp) != 0 ||
      ::setsockopt(fd, SOL_TLS, TLS_TX, &st.u, static_cast<socklen_t>(st.size)) != 0) {
    *err = errno;
    return nullptr;
  }
  return std::make_unique<KernelTx>();
}

std::unique_ptr<Tx> make_software(const TxState& st, int64_t seq_skew) {
  auto t = std::make_unique<SoftwareTx>();
  if (!t->init(st, seq_skew)) return nullptr;
  return t;
}

#else  // no kTLS structs on this platform: the feature is off

bool export_tx_state(SSL*, const unsigned char*, size_t, uint64_t, TxState*, const char** why) {
  *why = "not Linux";
  return false;
}
std::unique_ptr<Tx> install_kernel(int, const TxState&, int* err) {
  *err = ENOTSUP;
  return nullptr;
}
std::unique_ptr<Tx> make_software(const TxState&, int64_t) { return nullptr; }

#endif

}  // namespace brigade::tls::ktls
