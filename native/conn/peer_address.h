// The peer address of a connection, as accept() reported it, carried into
// every request record (bridge::RequestMsg) so JS sees the real client.
//
// family is kPeerV4, kPeerV6 or kPeerNone (not an IP socket). bytes hold the
// address in network order: 4 bytes for IPv4 (the rest zero), 16 for IPv6.
// An IPv4 client of a dual-stack IPv6 listener (v4-mapped ::ffff:a.b.c.d) is
// unwrapped to IPv4, as httpd (APR) does: the same client reads the same on
// an IPv4 and a dual-stack listener, and IPv4 allow lists match it.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

namespace brigade::conn {

constexpr uint8_t kPeerNone = 0;
constexpr uint8_t kPeerV4 = 4;
constexpr uint8_t kPeerV6 = 6;

struct PeerAddress {
  uint8_t bytes[16] = {};
  uint16_t port = 0;  // host order
  uint8_t family = kPeerNone;
};
static_assert(sizeof(PeerAddress) == 20);

inline PeerAddress peer_address(const sockaddr_storage& ss) {
  PeerAddress p;
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    p.family = kPeerV4;
    p.port = ntohs(sin->sin_port);
    std::memcpy(p.bytes, &sin->sin_addr, 4);
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    p.port = ntohs(sin6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
      p.family = kPeerV4;
      std::memcpy(p.bytes, &sin6->sin6_addr.s6_addr[12], 4);
    } else {
      p.family = kPeerV6;
      std::memcpy(p.bytes, &sin6->sin6_addr.s6_addr[0], 16);
    }
  }
  return p;
}

}  // namespace brigade::conn
