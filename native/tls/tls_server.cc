// TLS contexts: certificates, protocol floor, ciphers, ALPN (http/1.1 only),
// SNI, session tickets with rotating keys, reload.
#include "tls/tls_server.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "poll/timer_queue.h"
#include "tls/tls_transport.h"

namespace brigade::tls {

namespace {

// Mozilla "intermediate" TLS 1.2 suites: forward secrecy and AEAD only.
constexpr const char* kDefaultCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr unsigned char kSessionIdContext[] = "brigade";

std::string openssl_error(const char* what) {
  std::string s = what;
  unsigned long e;
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    s += ": ";
    s += buf;
  }
  return s;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// The DNS names a certificate is for (subjectAltName, else the CN), so that
// strict SNI accepts every name the certificate itself covers.
std::vector<std::string> certificate_names(X509* x) {
  std::vector<std::string> out;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type != GEN_DNS) continue;
      const ASN1_STRING* a = g->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(a)), static_cast<size_t>(ASN1_STRING_length(a)));
    }
    GENERAL_NAMES_free(sans);
  }
  if (out.empty()) {
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn) > 0) out.emplace_back(cn);
  }
  return out;
}

bool load_pair(SSL_CTX* ctx, const CertKey& ck, std::vector<std::string>* names, std::string* err) {
  std::unique_ptr<BIO, BioFree> cb(BIO_new_mem_buf(ck.cert_pem.data(), static_cast<int>(ck.cert_pem.size())));
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    *err = openssl_error("certificate: no PEM certificate found");
    return false;
  }
  *names = certificate_names(leaf.get());
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    *err = openssl_error("certificate rejected");
    return false;
  }
  // The rest of the PEM is the chain, in order.
  for (;;) {
    X509* extra = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr);
    if (!extra) break;
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      *err = openssl_error("chain certificate rejected");
      return false;
    }
  }
  ERR_clear_error();  // the loop ends on "no start line"
  std::unique_ptr<BIO, BioFree> kb(BIO_new_mem_buf(ck.key_pem.data(), static_cast<int>(ck.key_pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  if (!key) {
    *err = openssl_error("key: no PEM private key found (encrypted keys are not supported)");
    return false;
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    *err = openssl_error("the private key does not match the certificate");
    return false;
  }
  return true;
}

// ALPN: this server speaks HTTP/1.1 only. A client that offers ALPN without
// http/1.1 (an h2-only client) gets the no_application_protocol alert.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  static const unsigned char kOurs[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* sel = nullptr;
  if (SSL_select_next_proto(&sel, outlen, kOurs, sizeof kOurs, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

int select_sni(SSL* ssl, int* alert, void* arg) {
  const auto* gen = static_cast<const Generation*>(arg);
  const char* host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!host) return SSL_TLSEXT_ERR_NOACK;
  SSL_CTX* ctx = gen->lookup(host);
  if (!ctx) {
    if (gen->sni_strict) {
      *alert = SSL_AD_UNRECOGNIZED_NAME;
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;  // the fallback certificate, as nginx's default server
  }
  if (ctx != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, ctx);
  return SSL_TLSEXT_ERR_OK;
}

// RFC 5077 ticket protection with the rotating key ring (AES-256-CBC + HMAC-SHA256).
int ticket_key_cb(SSL* ssl, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx,
                  int enc) {
  auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), 0));
  if (!keys) return -1;
  TicketKeys::Key k;
  bool renew = false;
  if (enc) {
    k = keys->current(poll::monotonic_ms());
    if (RAND_bytes(iv, 16) != 1) return -1;
    std::memcpy(key_name, k.name, 16);
  } else if (!keys->find(key_name, &k, &renew)) {
    return 0;  // unknown key: a full handshake, and a fresh ticket
  }
  OSSL_PARAM params[3];
  char digest[] = "SHA256";
  params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac, sizeof k.hmac);
  params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
  params[2] = OSSL_PARAM_construct_end();
  if (EVP_MAC_CTX_set_params(hctx, params) != 1) return -1;
  int ok = enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, k.aes, iv)
               : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, k.aes, iv);
  if (ok != 1) return -1;
  return renew ? 2 : 1;
}

bool kernel_offers_ktls() {
  std::ifstream f("/proc/sys/net/ipv4/tcp_available_ulp");
  std::string word;
  while (f >> word)
    if (word == "tls") return true;
  return false;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool TicketKeys::fresh(Key* k, uint64_t now_ms) {
  if (RAND_bytes(k->name, sizeof k->name) != 1 || RAND_bytes(k->aes, sizeof k->aes) != 1 ||
      RAND_bytes(k->hmac, sizeof k->hmac) != 1)
    return false;
  k->born_ms = now_ms;
  return true;
}

TicketKeys::Key TicketKeys::current(uint64_t now_ms) {
  std::lock_guard<std::mutex> g(mu_);
  if (!have_cur_ || now_ms - cur_.born_ms >= rotate_ms_) {
    Key next;
    if (fresh(&next, now_ms)) {
      if (have_cur_) {
        prev_ = cur_;
        have_prev_ = true;
      }
      cur_ = next;
      have_cur_ = true;
    }
  }
  return cur_;
}

bool TicketKeys::find(const unsigned char name[16], Key* out, bool* renew) {
  std::lock_guard<std::mutex> g(mu_);
  if (have_cur_ && std::memcmp(name, cur_.name, 16) == 0) {
    *out = cur_;
    *renew = false;
    return true;
  }
  if (have_prev_ && std::memcmp(name, prev_.name, 16) == 0) {
    *out = prev_;
    *renew = true;
    return true;
  }
  return false;
}

SSL_CTX* Generation::lookup(const char* host) const {
  std::string h = lower(host);
  for (const auto& [name, ctx] : by_name)
    if (name == h) return ctx;
  // "*.example.com" covers exactly one label: a.example.com, not a.b.example.com.
  size_t dot = h.find('.');
  if (dot != std::string::npos && dot > 0) {
    std::string wild = "*" + h.substr(dot);
    for (const auto& [name, ctx] : by_name)
      if (name == wild) return ctx;
  }
  return nullptr;
}

std::unique_ptr<TlsServer> TlsServer::create(const TlsOptions& o, std::string* err) {
  std::unique_ptr<TlsServer> s(new TlsServer());  // private constructor: make_unique cannot reach it
  s->kernel_ktls_ = kernel_offers_ktls();
  // Tests only: start the software kTLS writer at a wrong sequence number, to
  // show that the peer notices (test/tls-ktls.test.ts).
  if (const char* skew = std::getenv("BRIGADE_KTLS_TEST_SEQ_SKEW")) s->ktls_seq_skew_ = std::strtoll(skew, nullptr, 10);
  if (!s->reload(o, err)) return nullptr;
  return s;
}

bool TlsServer::reload(const TlsOptions& o, std::string* err) {
  std::shared_ptr<Generation> g = build(o, err);
  if (!g) return false;
  tickets_.set_rotation(o.ticket_rotate_s);
  handshakes_per_turn_.store(o.handshakes_per_turn == 0 ? 1 : o.handshakes_per_turn, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  gen_ = std::move(g);
  return true;
}

std::shared_ptr<Generation> TlsServer::build(const TlsOptions& o, std::string* err) {
  auto gen = std::make_shared<Generation>();
  gen->sni_strict = o.sni_strict;
  gen->ktls = ktls::parse_mode(o.ktls);
  std::vector<std::string> cert_names;
  auto make_ctx = [&](const CertKey& ck) -> SslCtxPtr {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
      *err = openssl_error("SSL_CTX_new");
      return nullptr;
    }
    SSL_CTX* c = ctx.get();
    if (SSL_CTX_set_min_proto_version(c, o.min_version) != 1) {
      *err = openssl_error("minimum TLS version");
      return nullptr;
    }
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                               SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_SINGLE_ECDH_USE);
    // RELEASE_BUFFERS: an idle keep-alive connection holds no record buffers.
    SSL_CTX_set_mode(c, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_read_ahead(c, 1);
    const std::string& ciphers = o.ciphers.empty() ? std::string(kDefaultCiphers) : o.ciphers;
    if (SSL_CTX_set_cipher_list(c, ciphers.c_str()) != 1) {
      *err = openssl_error("ciphers");
      return nullptr;
    }
    if (!o.ciphersuites.empty() && SSL_CTX_set_ciphersuites(c, o.ciphersuites.c_str()) != 1) {
      *err = openssl_error("ciphersuites");
      return nullptr;
    }
    SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof kSessionIdContext - 1);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_ex_data(c, 0, &tickets_);
    SSL_CTX_set_tlsext_ticket_key_evp_cb(c, ticket_key_cb);
    SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);
    SSL_CTX_set_tlsext_servername_callback(c, select_sni);
    SSL_CTX_set_tlsext_servername_arg(c, gen.get());
    // kTLS needs the TLS 1.3 server application traffic secret, which OpenSSL
    // 3.0 gives out only through the keylog callback.
    if (gen->ktls != ktls::Mode::kOff) SSL_CTX_set_keylog_callback(c, TlsTransport::keylog_cb);
    if (!load_pair(c, ck, &cert_names, err)) return nullptr;
    return ctx;
  };
  // Explicitly named SNI pairs first, then the names each certificate covers
  // (the fallback's last): lookup takes the first match.
  std::vector<std::pair<std::string, SSL_CTX*>> implied;
  for (const CertKey& ck : o.sni) {
    SslCtxPtr ctx = make_ctx(ck);
    if (!ctx) return nullptr;
    for (const std::string& n : ck.names) gen->by_name.emplace_back(lower(n), ctx.get());
    for (const std::string& n : cert_names) implied.emplace_back(lower(n), ctx.get());
    gen->owned.push_back(std::move(ctx));
  }
  gen->fallback = make_ctx(o.fallback);
  if (!gen->fallback) return nullptr;
  for (const std::string& n : o.fallback.names) gen->by_name.emplace_back(lower(n), gen->fallback.get());
  for (const std::string& n : cert_names) implied.emplace_back(lower(n), gen->fallback.get());
  gen->by_name.insert(gen->by_name.end(), implied.begin(), implied.end());
  return gen;
}

std::unique_ptr<conn::Transport> TlsServer::make() {
  std::shared_ptr<Generation> g;
  {
    std::lock_guard<std::mutex> lock(mu_);
    g = gen_;
  }
  SSL* ssl = SSL_new(g->fallback.get());
  if (!ssl) return nullptr;
  KtlsPolicy policy{g->ktls, kernel_ktls_, ktls_seq_skew_};
  return std::make_unique<TlsTransport>(ssl, std::move(g), &counters, policy);
}

}  // namespace brigade::tls
