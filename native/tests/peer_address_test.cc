// brigade-test-sources:
// conn::peer_address: what accept() reports, turned into the request record's
// peer (family + 16 bytes + port): IPv4, IPv6, v4-mapped IPv6 unwrapped to
// IPv4, and a non-IP socket.
#include <arpa/inet.h>
#include <sys/un.h>

#include <cstdio>
#include <cstring>

#include "conn/peer_address.h"
#include "tests/check.h"

using brigade::conn::PeerAddress;
using brigade::conn::peer_address;
using namespace brigade::test;

namespace {

sockaddr_storage v4(const char* text, uint16_t port) {
  sockaddr_storage ss{};
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  ::inet_pton(AF_INET, text, &sin->sin_addr);
  return ss;
}

sockaddr_storage v6(const char* text, uint16_t port) {
  sockaddr_storage ss{};
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  ::inet_pton(AF_INET6, text, &sin6->sin6_addr);
  return ss;
}

bool bytes_are(const PeerAddress& p, const uint8_t (&want)[16]) { return std::memcmp(p.bytes, want, 16) == 0; }

}  // namespace

int main() {
  {
    PeerAddress p = peer_address(v4("10.1.2.3", 8080));
    CHECK_EQ(p.family, 4);
    CHECK_EQ(p.port, 8080);
    const uint8_t want[16] = {10, 1, 2, 3};
    CHECK(bytes_are(p, want));
  }
  {
    PeerAddress p = peer_address(v6("2001:db8::1", 443));
    CHECK_EQ(p.family, 6);
    CHECK_EQ(p.port, 443);
    const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    CHECK(bytes_are(p, want));
  }
  {
    PeerAddress p = peer_address(v6("::1", 65535));
    CHECK_EQ(p.family, 6);
    CHECK_EQ(p.port, 65535);
    const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    CHECK(bytes_are(p, want));
  }
  {
    // A dual-stack listener's IPv4 client: reported as plain IPv4.
    PeerAddress p = peer_address(v6("::ffff:127.0.0.1", 1234));
    CHECK_EQ(p.family, 4);
    CHECK_EQ(p.port, 1234);
    const uint8_t want[16] = {127, 0, 0, 1};
    CHECK(bytes_are(p, want));
  }
  {
    // IPv4-compatible (not mapped) stays IPv6.
    PeerAddress p = peer_address(v6("::1.2.3.4", 1));
    CHECK_EQ(p.family, 6);
  }
  {
    sockaddr_storage ss{};
    ss.ss_family = AF_UNIX;
    PeerAddress p = peer_address(ss);
    CHECK_EQ(p.family, 0);
    CHECK_EQ(p.port, 0);
    const uint8_t want[16] = {};
    CHECK(bytes_are(p, want));
  }
  std::printf("peer_address_test: %d passed, %d failed\n", passed, failures);
  return failures == 0 ? 0 : 1;
}
