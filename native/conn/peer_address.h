// The peer address a request record carries: IPv4 as a host-order uint32, also
// for IPv4 clients of a dual-stack IPv6 listener (v4-mapped ::ffff:a.b.c.d),
// so JS sees the real client address there too. Native IPv6 peers do not fit
// the record's 32-bit field and are reported as 0.0.0.0 (which no allow list
// of the status page admits unless it says "*").
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

namespace brigade::conn {

inline void peer_ipv4(const sockaddr_storage& ss, uint32_t* ip, uint16_t* port) {
  *ip = 0;
  *port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    *ip = ntohl(sin->sin_addr.s_addr);
    *port = ntohs(sin->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    *port = ntohs(sin6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
      uint32_t v4;
      std::memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof v4);
      *ip = ntohl(v4);
    }
  }
}

}  // namespace brigade::conn
