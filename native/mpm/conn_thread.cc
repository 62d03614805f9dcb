#include "mpm/conn_thread.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "conn/peer_address.h"

namespace brigade::mpm {

int accept_one(int listen_fd, int wait_ms, conn::PeerAddress* peer, const std::atomic<bool>* give_up) {
  struct pollfd p {};
  p.fd = listen_fd;
  p.events = POLLIN;
  if (::poll(&p, 1, wait_ms) <= 0) return -1;
  if (give_up && give_up->load(std::memory_order_acquire)) return -1;
  sockaddr_storage ss{};
  socklen_t sl = sizeof ss;
  int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) return -2;
    return -1;  // EAGAIN (another thread won), ECONNABORTED, EINTR
  }
  *peer = conn::peer_address(ss);
  return fd;
}

int ConnThread::accept_while_idle(int listen_fd, int wait_ms, conn::PeerAddress* peer,
                                  const std::atomic<bool>* give_up) {
  if (loop_.announce_sleep()) {
    loop_.end_sleep();
    loop_.turn(0);
    loop_.announce_sleep();
  }
  struct pollfd p[2] {};
  p[0].fd = listen_fd;
  p[0].events = POLLIN;
  p[1].fd = loop_.poll_fd();
  p[1].events = POLLIN;
  int n = ::poll(p, 2, wait_ms);
  loop_.end_sleep();
  if (n <= 0) return -1;
  if (p[1].revents & POLLIN) loop_.turn(0);
  if (!(p[0].revents & POLLIN)) return -1;
  return accept_one(listen_fd, 0, peer, give_up);
}

}  // namespace brigade::mpm
