// What a TLS listener is configured with (handed down from TypeScript, which
// reads the files): PEM text, never paths, so reloads see exactly what JS read.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace brigade::tls {

struct CertKey {
  std::string cert_pem;  // leaf first, then its chain
  std::string key_pem;
  std::vector<std::string> names;  // SNI host names this pair serves ("*.example.com" allowed)
};

struct TlsOptions {
  CertKey fallback;                  // served when SNI names no other pair (or is absent)
  std::vector<CertKey> sni;          // additional pairs, chosen by SNI
  bool sni_strict = false;           // unknown SNI name: fatal unrecognized_name alert
  int min_version = 0x0303;          // TLS1_2_VERSION; 0x0304 for TLS 1.3 only
  std::string ciphers;               // TLS 1.2 cipher list ("" = safe default)
  std::string ciphersuites;          // TLS 1.3 suites ("" = OpenSSL's default)
  uint32_t ticket_rotate_s = 3600;   // session-ticket key lifetime (previous key still decrypts)
  uint32_t handshakes_per_turn = 64; // handshake steps per I/O loop turn
  std::string ktls = "off";          // 'off' | 'auto' | 'force' | 'software' (ktls.h)
};

}  // namespace brigade::tls
