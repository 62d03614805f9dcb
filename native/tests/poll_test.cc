// brigade-test-sources: native/poll/epoll_poller.cc native/poll/kqueue_poller.cc native/poll/waker.cc
// Poller + Waker tests against real fds (socketpairs, pipes, loopback TCP).
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "poll/poller.h"
#include "check.h"

using namespace brigade::poll;

namespace {

// Owns a pair of fds for the duration of a test.
struct FdPair {
  int a = -1;
  int b = -1;
  ~FdPair() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
};

void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

bool make_socketpair(FdPair& p) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return false;
  p.a = sv[0];
  p.b = sv[1];
  set_nonblock(p.a);
  set_nonblock(p.b);
  return true;
}

bool make_pipe(FdPair& p) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  p.a = fds[0];  // read end
  p.b = fds[1];  // write end
  set_nonblock(p.a);
  set_nonblock(p.b);
  return true;
}

bool write_byte(int fd, char c = 'x') { return write(fd, &c, 1) == 1; }

// Reads until EAGAIN/EOF; returns bytes read.
size_t drain_fd(int fd) {
  char buf[4096];
  size_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      total += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return total;
  }
}

void test_create() {
  auto p = make_poller();
  CHECK(p != nullptr);
  if (!p) return;
  CHECK(p->fd() >= 0);
  // The poller fd must not leak into exec'd children.
  CHECK((fcntl(p->fd(), F_GETFD) & FD_CLOEXEC) != 0);
  Event ev[4];
  CHECK_EQ(p->wait(ev, 4, 0), 0);
  CHECK_EQ(p->wait(ev, 0, 0), -EINVAL);
  CHECK_EQ(p->wait(nullptr, 4, 0), -EINVAL);
}

void test_readable_edge_triggered() {
  auto p = make_poller();
  FdPair s;
  CHECK(p && make_socketpair(s));
  if (!p || s.a < 0) return;
  const uint64_t tok = 42;
  CHECK_EQ(p->add(s.a, kReadable, tok), 0);
  Event ev[8];
  // Nothing to read, and writability was not asked for.
  CHECK_EQ(p->wait(ev, 8, 0), 0);

  CHECK(write_byte(s.b));
  int n = p->wait(ev, 8, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, tok);
    CHECK(ev[0].ready & kReadable);
    CHECK(!(ev[0].ready & kWritable));
    CHECK(!(ev[0].ready & kHangup));
  }
  // Edge-triggered: the unread byte does not produce another event...
  CHECK_EQ(p->wait(ev, 8, 0), 0);
  // ...until new data arrives.
  CHECK(write_byte(s.b));
  n = p->wait(ev, 8, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) CHECK(ev[0].ready & kReadable);
  CHECK_EQ(drain_fd(s.a), size_t{2});
  CHECK_EQ(p->wait(ev, 8, 0), 0);
}

void test_writable_initial_edge() {
  auto p = make_poller();
  FdPair s;
  CHECK(p && make_socketpair(s));
  if (!p || s.a < 0) return;
  CHECK_EQ(p->add(s.a, kReadable | kWritable, 7), 0);
  Event ev[8];
  // A fresh socket is writable: reported once, then not repeated.
  int n = p->wait(ev, 8, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, uint64_t{7});
    CHECK(ev[0].ready & kWritable);
    CHECK(!(ev[0].ready & kReadable));
  }
  CHECK_EQ(p->wait(ev, 8, 0), 0);
}

void test_modify_arms_writable() {
  auto p = make_poller();
  FdPair s;
  CHECK(p && make_socketpair(s));
  if (!p || s.a < 0) return;
  const uint64_t tok = 0xDEADBEEFCAFEF00Dull;  // full 64-bit token survives
  CHECK_EQ(p->add(s.a, kReadable, tok), 0);

  // Fill the send path until the kernel refuses more.
  char chunk[8192];
  std::memset(chunk, 'w', sizeof chunk);
  size_t sent = 0;
  for (;;) {
    ssize_t w = write(s.a, chunk, sizeof chunk);
    if (w > 0) {
      sent += static_cast<size_t>(w);
      continue;
    }
    break;
  }
  CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
  CHECK(sent > 0);

  // Arm writability after EAGAIN: nothing yet, the buffer is full.
  CHECK_EQ(p->modify(s.a, kReadable | kWritable, tok), 0);
  Event ev[8];
  CHECK_EQ(p->wait(ev, 8, 0), 0);

  // The peer drains everything: a writable edge arrives.
  size_t got = 0;
  while (got < sent) {
    size_t r = drain_fd(s.b);
    got += r;
    if (r == 0) break;
  }
  CHECK_EQ(got, sent);
  int n = p->wait(ev, 8, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, tok);
    CHECK(ev[0].ready & kWritable);
  }

  // Disarm writability again and change the token: only reads are reported now.
  CHECK_EQ(p->modify(s.a, kReadable, 99), 0);
  CHECK(write_byte(s.b));
  n = p->wait(ev, 8, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, uint64_t{99});
    CHECK(ev[0].ready & kReadable);
    CHECK(!(ev[0].ready & kWritable));
  }
}

void test_modify_on_writable_fires() {
  // Arming kWritable on an already-writable fd reports it right away, so the
  // "try write, arm on EAGAIN" pattern cannot miss a wake-up.
  auto p = make_poller();
  FdPair s;
  CHECK(p && make_socketpair(s));
  if (!p || s.a < 0) return;
  CHECK_EQ(p->add(s.a, kReadable, 1), 0);
  Event ev[4];
  CHECK_EQ(p->wait(ev, 4, 0), 0);
  CHECK_EQ(p->modify(s.a, kReadable | kWritable, 1), 0);
  int n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) CHECK(ev[0].ready & kWritable);
}

void test_hangup_socket() {
  auto p = make_poller();
  FdPair s;
  CHECK(p && make_socketpair(s));
  if (!p || s.a < 0) return;
  CHECK_EQ(p->add(s.a, kReadable, 5), 0);
  close(s.b);
  s.b = -1;
  Event ev[4];
  int n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, uint64_t{5});
    CHECK(ev[0].ready & kHangup);
    CHECK(ev[0].ready & kReadable);  // so the reader runs and sees EOF
  }
  char c;
  CHECK_EQ(read(s.a, &c, 1), ssize_t{0});
}

void test_half_close_rdhup() {
  auto p = make_poller();
  FdPair s;
  CHECK(p && make_socketpair(s));
  if (!p || s.a < 0) return;
  CHECK_EQ(p->add(s.a, kReadable, 6), 0);
  CHECK(write_byte(s.b));
  CHECK_EQ(shutdown(s.b, SHUT_WR), 0);
  Event ev[4];
  int n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK(ev[0].ready & kReadable);
    CHECK(ev[0].ready & kHangup);
  }
  // Data sent before the FIN is still readable, then EOF.
  CHECK_EQ(drain_fd(s.a), size_t{1});
  char c;
  CHECK_EQ(read(s.a, &c, 1), ssize_t{0});
  // Our side can still write to the half-closed peer.
  CHECK(write_byte(s.a));
}

void test_pipe() {
  auto p = make_poller();
  FdPair pp;
  CHECK(p && make_pipe(pp));
  if (!p || pp.a < 0) return;
  CHECK_EQ(p->add(pp.a, kReadable, 11), 0);
  Event ev[4];
  CHECK_EQ(p->wait(ev, 4, 0), 0);
  CHECK(write_byte(pp.b));
  int n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, uint64_t{11});
    CHECK(ev[0].ready & kReadable);
  }
  CHECK_EQ(p->wait(ev, 4, 0), 0);
  CHECK_EQ(drain_fd(pp.a), size_t{1});
  close(pp.b);
  pp.b = -1;
  n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) CHECK((ev[0].ready & (kHangup | kReadable)) == (kHangup | kReadable));
}

void test_remove_and_errors() {
  auto p = make_poller();
  FdPair s;
  CHECK(p && make_socketpair(s));
  if (!p || s.a < 0) return;
  CHECK_EQ(p->add(s.a, kReadable, 1), 0);
#if defined(__linux__)
  CHECK_EQ(p->add(s.a, kReadable, 1), -EEXIST);  // kqueue updates instead
#endif
  CHECK_EQ(p->remove(s.a), 0);
  CHECK(write_byte(s.b));
  Event ev[4];
  CHECK_EQ(p->wait(ev, 4, 50), 0);  // removed: no event
  CHECK(p->remove(s.a) < 0);        // not registered
  CHECK(p->modify(s.a, kReadable, 1) < 0);
  CHECK_EQ(p->add(-1, kReadable, 1), -EBADF);
  // Re-adding after remove works and sees the already-pending data.
  CHECK_EQ(p->add(s.a, kReadable, 2), 0);
  int n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) CHECK_EQ(ev[0].token, uint64_t{2});
}

void test_max_events() {
  auto p = make_poller();
  CHECK(p != nullptr);
  if (!p) return;
  constexpr int kPairs = 5;
  FdPair s[kPairs];
  for (int i = 0; i < kPairs; ++i) {
    CHECK(make_socketpair(s[i]));
    CHECK_EQ(p->add(s[i].a, kReadable, 100 + static_cast<uint64_t>(i)), 0);
    CHECK(write_byte(s[i].b));
  }
  Event ev[kPairs];
  // A small batch leaves the rest pending for the next wait().
  int n1 = p->wait(ev, 2, 1000);
  CHECK_EQ(n1, 2);
  uint32_t seen = 0;
  for (int i = 0; i < n1; ++i) seen |= 1u << (ev[i].token - 100);
  int n2 = p->wait(ev, kPairs, 1000);
  CHECK_EQ(n2, kPairs - 2);
  for (int i = 0; i < n2; ++i) seen |= 1u << (ev[i].token - 100);
  CHECK_EQ(seen, (1u << kPairs) - 1);
  CHECK_EQ(p->wait(ev, kPairs, 0), 0);

  // A caller buffer larger than the internal batch is fine (clamped).
  std::vector<Event> big(5000);
  CHECK(write_byte(s[0].b));
  CHECK_EQ(p->wait(big.data(), static_cast<int>(big.size()), 1000), 1);
}

void test_timeout() {
  auto p = make_poller();
  CHECK(p != nullptr);
  if (!p) return;
  Event ev[4];
  auto t0 = std::chrono::steady_clock::now();
  CHECK_EQ(p->wait(ev, 4, 50), 0);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - t0)
                .count();
  // Behaviour, not performance: the wait must really block (no upper bound).
  CHECK(ms >= 40);
}

void test_error_refused_connect() {
  // A nonblocking connect to a closed loopback port fails asynchronously:
  // the poller must report it as an error (plus hangup).
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  CHECK_EQ(bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  CHECK_EQ(getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(probe);  // bound but never listened: the port refuses connections

  auto p = make_poller();
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(p && c >= 0);
  if (!p || c < 0) return;
  set_nonblock(c);
  int rc = connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  CHECK(rc < 0 && (errno == EINPROGRESS || errno == ECONNREFUSED));
  CHECK_EQ(p->add(c, kReadable | kWritable, 77), 0);
  Event ev[4];
  int n = p->wait(ev, 4, 2000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, uint64_t{77});
    CHECK(ev[0].ready & kError);
    CHECK(ev[0].ready & kHangup);
    CHECK((ev[0].ready & (kReadable | kWritable)) == (kReadable | kWritable));
  }
  int err = 0;
  socklen_t elen = sizeof err;
  getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen);
  CHECK_EQ(err, ECONNREFUSED);
  close(c);
}

void test_nested_poller_fd() {
  // The looper MPM hands poller->fd() to another event loop: it must become
  // readable when the inner poller has something to report.
  auto outer = make_poller();
  auto inner = make_poller();
  FdPair s;
  CHECK(outer && inner && make_socketpair(s));
  if (!outer || !inner || s.a < 0) return;
  CHECK_EQ(outer->add(inner->fd(), kReadable, 1), 0);
  CHECK_EQ(inner->add(s.a, kReadable, 2), 0);
  Event ev[4];
  CHECK_EQ(outer->wait(ev, 4, 0), 0);
  CHECK(write_byte(s.b));
  int n = outer->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) CHECK_EQ(ev[0].token, uint64_t{1});
  n = inner->wait(ev, 4, 0);
  CHECK_EQ(n, 1);
  if (n == 1) CHECK_EQ(ev[0].token, uint64_t{2});
}

void test_waker_basic() {
  Waker w;
  CHECK(w.ok());
  if (!w.ok()) return;
  CHECK((fcntl(w.fd(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((fcntl(w.fd(), F_GETFL) & O_NONBLOCK) != 0);
  auto p = make_poller();
  CHECK(p != nullptr);
  if (!p) return;
  CHECK_EQ(p->add(w.fd(), kReadable, 3), 0);
  Event ev[4];
  CHECK_EQ(p->wait(ev, 4, 0), 0);
  w.drain();  // draining an empty waker must not block
  w.notify();
  w.notify();
  int n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  if (n == 1) {
    CHECK_EQ(ev[0].token, uint64_t{3});
    CHECK(ev[0].ready & kReadable);
  }
  w.drain();
  CHECK_EQ(p->wait(ev, 4, 0), 0);
  // After a drain, the next notify is a fresh edge.
  w.notify();
  n = p->wait(ev, 4, 1000);
  CHECK_EQ(n, 1);
  w.drain();
  uint64_t buf;  // 8 bytes: eventfd rejects shorter reads
  errno = 0;
  CHECK(read(w.fd(), &buf, sizeof buf) < 0 && errno == EAGAIN);
  // Many notifications (far past a pipe's capacity) never block the notifier.
  for (int i = 0; i < 200000; ++i) w.notify();
  w.drain();
  CHECK(read(w.fd(), &buf, sizeof buf) < 0 && errno == EAGAIN);
}

void test_waker_cross_thread() {
  Waker w;
  auto p = make_poller();
  CHECK(w.ok() && p != nullptr);
  if (!w.ok() || !p) return;
  CHECK_EQ(p->add(w.fd(), kReadable, 9), 0);
  std::atomic<bool> notified{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    notified.store(true, std::memory_order_release);
    w.notify();
  });
  Event ev[4];
  int n = p->wait(ev, 4, -1);  // blocks until the other thread notifies
  CHECK_EQ(n, 1);
  if (n == 1) CHECK_EQ(ev[0].token, uint64_t{9});
  CHECK(notified.load(std::memory_order_acquire));
  w.drain();
  t.join();
}

void test_waker_stress() {
  // Several notifiers race with a waiter that drains; every notify is followed
  // by an event eventually, and the final state is consistent.
  Waker w;
  auto p = make_poller();
  CHECK(w.ok() && p != nullptr);
  if (!w.ok() || !p) return;
  CHECK_EQ(p->add(w.fd(), kReadable, 1), 0);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> done{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i) {
    ts.emplace_back([&] {
      for (int j = 0; j < kPerThread; ++j) w.notify();
      done.fetch_add(1, std::memory_order_release);
      w.notify();  // after done: the waiter is guaranteed to see a wake-up
    });
  }
  Event ev[4];
  int wakeups = 0;
  bool stuck = false;
  // do-while: even if every notifier finished before the first wait, their
  // notifications are still pending and must be reported once.
  do {
    int n = p->wait(ev, 4, 5000);
    if (n == 0) {
      stuck = true;  // a notify after done must wake us: 0 means a lost wake-up
      break;
    }
    wakeups += n;
    w.drain();
  } while (done.load(std::memory_order_acquire) < kThreads);
  for (auto& t : ts) t.join();
  CHECK(!stuck);
  CHECK(wakeups >= 1);
  w.drain();
  CHECK_EQ(p->wait(ev, 4, 0), 0);
  w.notify();
  CHECK_EQ(p->wait(ev, 4, 1000), 1);
}

}  // namespace

int main() {
  test_create();
  test_readable_edge_triggered();
  test_writable_initial_edge();
  test_modify_arms_writable();
  test_modify_on_writable_fires();
  test_hangup_socket();
  test_half_close_rdhup();
  test_pipe();
  test_remove_and_errors();
  test_max_events();
  test_timeout();
  test_error_refused_connect();
  test_nested_poller_fd();
  test_waker_basic();
  test_waker_cross_thread();
  test_waker_stress();
  std::printf("poll_test: %d passed, %d failed\n", brigade::test::passed, brigade::test::failures);
  return brigade::test::failures == 0 ? 0 : 1;
}
