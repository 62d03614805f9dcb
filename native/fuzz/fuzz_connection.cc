// libFuzzer target: a real mpm::IoLoop (accept, epoll, RequestParser,
// BodyDecoder, conn::Connection read + write sides, bridge::Lane) driven by an
// input that is a script of peer actions, loop turns, clock jumps and the
// actions of a model of the JS side. Clients are AF_UNIX stream sockets
// connected to a listening socket the loop accepts from, so every byte goes
// through real read/sendmsg/sendfile/shutdown calls.
//
// Input layout (see native/fuzz/README.md): byte 0 and byte 1 configure the
// run, then a sequence of ops, each an opcode byte and its arguments (a
// truncated final op is ignored):
//   byte 0  bit0 JS drains inline from the doorbell (looper MPM), else only on DRAIN ops
//           bit1 "sync handlers": JS answers a request with no body while draining
//           bit2 small socket buffers (EAGAIN on both sides sooner), 16 KiB send budget
//                per turn, at most 3 connections (accept backpressure)
//           bit3 max_pipelined 1 (else 4)
//           bit4 request ring 64 KiB (the smallest the TS options allow) else 256 KiB
//           bits5-6 max_keepalive_requests 0/1/2/3
//           bit7 min_rate 0 (else 500 bytes/s)
//   byte 1  bits0-1 max_head_bytes 1024/2048/4096/ring/8, bits2-3 max_body 0/100/10000/1 MiB,
//           bits4-5 max_request_line 256/512/1024/8192, bits6-7 max_headers 1/4/16/100
//   ops (opcode % 16):
//     0 CONNECT                      open a client (at most 5)
//     1 WRITE c lo hi bytes...       client c sends (lo | hi << 8) % 4096 bytes from the input
//     2 REPEAT c n                   client c sends its last WRITE again n times
//     3 TURN                         one IoLoop::turn(0)
//     4 DRAIN_JS                     the JS model drains the request ring
//     5 RESPOND sel flags size       the JS model answers (part of) an open request
//     6 CLOCK v                      fake clock += v*10 ms (v < 128) or (v-128)*100 ms, then TURN
//     7 READ c                       client c reads what arrived
//     8 SHUT c                       client c half-closes (FIN)
//     9 CLOSE c                      client c closes (unread data -> ECONNRESET on AF_UNIX)
//    10 GRACEFUL                     IoLoop::request_drain()
//    11 RETIRE                       JS retires its current slab
//    12 ABORT_ALL                    IoLoop::request_abort()
//    13-15 TURN
// After the ops every open request is answered, clients close, the clock runs
// past every timeout, the loop shuts down, and then it must hold that:
//   * no connection is left open (a stuck connection is a bug: it would never go);
//   * every pool id sent in an EOR came back in exactly one EOR_DONE;
//   * every slab went back to the allocator exactly once;
//   * no FILE fd is held, the per-state gauges are 0, no fd leaked;
//   * every client received responses in request order, nothing after a native
//     error page;
// and all along: request-ring messages are well-formed (spans inside the
// head, the raw head re-parses to the same result, BODY only for requests
// with a body, nothing for a request after its ABORT), ASan/UBSan/LSan clean.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bridge/lane.h"
#include "bridge/messages.h"
#include "bridge/ring.h"
#include "buckets/bucket.h"
#include "buckets/slab_allocator.h"
#include "conn/server_config.h"
#include "http/request_parser.h"
#include "mpm/io_loop.h"
#include "poll/timer_queue.h"

namespace {
uint64_t g_now_ms = 1000000;
}

// The fake clock (fake_clock_timer_queue.cc renamed the real one).
namespace brigade::poll {
uint64_t monotonic_ms() { return g_now_ms; }
}  // namespace brigade::poll

namespace {

using namespace brigade;

[[noreturn]] void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_connection invariant violated: %s %s\n", what, detail.c_str());
  std::abort();
}
#define REQUIRE(cond, ...)                              \
  do {                                                  \
    if (!(cond)) fail(#cond, std::string(__VA_ARGS__)); \
  } while (0)

// ------------------------------------------------------------ process-wide ---

int g_listen = -1;
sockaddr_un g_addr{};
socklen_t g_addr_len = 0;
int g_memfd = -1;               // FILE bucket source: kFileSize bytes
constexpr uint32_t kFileSize = 8192;
alignas(64) uint32_t g_control[bridge::kControlWords];
constexpr uint32_t kMaxReqRing = 256 * 1024;
constexpr uint32_t kRespRing = 64 * 1024;
alignas(64) uint8_t g_req_ring[kMaxReqRing];
alignas(64) uint8_t g_resp_ring[kRespRing];

void setup_once() {
  if (g_listen >= 0) return;
  g_listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  REQUIRE(g_listen >= 0);
  g_addr.sun_family = AF_UNIX;
  // Abstract namespace: nothing on disk, gone with the process.
  int n = std::snprintf(g_addr.sun_path + 1, sizeof g_addr.sun_path - 1, "brigade-fuzz-%d", static_cast<int>(getpid()));
  g_addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
  REQUIRE(::bind(g_listen, reinterpret_cast<sockaddr*>(&g_addr), g_addr_len) == 0);
  REQUIRE(::listen(g_listen, 64) == 0);
  g_memfd = memfd_create("brigade-fuzz-file", MFD_CLOEXEC);
  REQUIRE(g_memfd >= 0);
  std::string content(kFileSize, 'f');
  for (uint32_t i = 0; i < kFileSize; ++i) content[i] = static_cast<char>('a' + i % 26);
  REQUIRE(::pwrite(g_memfd, content.data(), content.size(), 0) == static_cast<ssize_t>(content.size()));
}

int count_fds() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n;
}

// ------------------------------------------------------------------ input ---

struct Reader {
  const uint8_t* p;
  size_t n;
  bool has(size_t k) const { return n >= k; }
  uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::string bytes(size_t k) {
    if (k > n) k = n;
    std::string s(reinterpret_cast<const char*>(p), k);
    p += k;
    n -= k;
    return s;
  }
};

// --------------------------------------------------------------- clients ---

struct Client {
  int fd = -1;
  std::string out;   // bytes not yet accepted by the socket
  std::string last;  // last WRITE (for REPEAT)
  std::string in;    // everything received (checked by check_order)
  bool shut = false;
};

// What a client received must be responses in request order: the JS model
// stamps "X-Seq: <seq>" into every response head (bodies are A-W, files a-z,
// so the token occurs nowhere else), and a native error page
// ("HTTP/1.1 4xx" / "5xx") is the last response on its connection.
void check_order(const Client& c) {
  const std::string& s = c.in;
  long last = -1;
  size_t error_at = std::string::npos;
  for (size_t p = 0; p < s.size();) {
    size_t x = s.find("X-Seq: ", p);
    size_t e = s.find("HTTP/1.1 4", p);
    size_t e5 = s.find("HTTP/1.1 5", p);
    if (e5 < e) e = e5;
    if (x == std::string::npos && e == std::string::npos) break;
    if (e < x) {
      if (error_at == std::string::npos) error_at = e;
      p = e + 10;
      continue;
    }
    REQUIRE(error_at == std::string::npos, "a response after a native error page");
    size_t q = x + 7;
    long v = 0;
    while (q < s.size() && s[q] >= '0' && s[q] <= '9') v = v * 10 + (s[q++] - '0');
    if (q == s.size()) break;  // cut off by the end of what arrived
    REQUIRE(v > last, "responses out of order: seq " + std::to_string(v) + " after " + std::to_string(last));
    if (std::getenv("BRIGADE_FUZZ_VERBOSE")) std::fprintf(stderr, "client fd %d: seq %ld\n", c.fd, v);
    last = v;
    p = q;
  }
}

void client_flush(Client& c) {
  while (c.fd >= 0 && !c.out.empty() && !c.shut) {
    ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0) {
      c.out.erase(0, static_cast<size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    c.out.clear();  // EPIPE / ECONNRESET: the server closed
    return;
  }
}

uint64_t g_client_bytes = 0;

void client_read(Client& c) {
  char buf[65536];
  while (c.fd >= 0) {
    ssize_t r = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r > 0) {
      g_client_bytes += static_cast<uint64_t>(r);
      if (c.in.size() < (8u << 20)) c.in.append(buf, static_cast<size_t>(r));
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    return;
  }
}

// -------------------------------------------------------------- JS model ---

struct Req {
  uint32_t conn = 0, seq = 0;
  bool body_follows = false, body_done = false, body_error = false;
  bool aborted = false;
  bool resp_started = false, resp_done = false;
};

class Harness;

class Bell final : public bridge::Doorbell {
 public:
  explicit Bell(Harness* h) : h_(h) {}
  void ring() override;

 private:
  Harness* h_;
};

class Harness {
 public:
  Harness(uint8_t cfg0, uint8_t cfg1) : bell_(this) {
    inline_js_ = cfg0 & 1;
    sync_handlers_ = cfg0 & 2;
    small_buffers_ = cfg0 & 4;
    const uint32_t req_ring = (cfg0 & 16) ? 64 * 1024 : kMaxReqRing;
    config_.max_pipelined = (cfg0 & 8) ? 1 : 4;
    config_.max_keepalive_requests = (cfg0 >> 5) & 3;
    config_.min_rate = (cfg0 & 128) ? 0 : 500;
    const uint32_t heads[4] = {1024, 2048, 4096, req_ring / 8};
    const uint64_t bodies[4] = {0, 100, 10000, 1u << 20};
    const uint32_t lines[4] = {256, 512, 1024, 8192};
    const uint32_t fields[4] = {1, 4, 16, 100};
    // As src/config.ts: maxHeaderBytes <= requestRingBytes / 8.
    config_.limits.max_head_bytes = std::min(heads[cfg1 & 3], req_ring / 8);
    config_.max_body = bodies[(cfg1 >> 2) & 3];
    config_.limits.max_body = config_.max_body;
    config_.limits.max_request_line = lines[(cfg1 >> 4) & 3];
    config_.limits.max_headers = fields[(cfg1 >> 6) & 3];
    config_.inline_body_max = 64 * 1024;  // as src/config.ts
    config_.header_timeout_ms = 1000;
    config_.body_timeout_ms = 1000;
    config_.keepalive_timeout_ms = 1500;
    config_.send_timeout_ms = 2000;
    config_.linger_ms = 500;
    config_.max_connections = 8;
    if (small_buffers_) {
      // Reach the writer's per-turn fairness yield and accept backpressure
      // (the defaults, 2 MiB and thousands of connections, are out of reach here).
      config_.max_send_per_turn = 16 * 1024;
      config_.max_connections = 3;
    }
    limits_ = config_.limits;

    std::memset(g_control, 0, sizeof g_control);
    slabs_ = std::make_unique<buckets::SlabAllocator>(64, 8u << 20);
    lane_ = std::make_unique<bridge::Lane>(g_control, g_req_ring, req_ring, g_resp_ring, kRespRing, slabs_.get(),
                                           &bell_);
    js_req_.attach(g_req_ring, req_ring, &g_control[bridge::kReqHead], &g_control[bridge::kReqTail]);
    js_resp_.attach(g_resp_ring, kRespRing, &g_control[bridge::kRespHead], &g_control[bridge::kRespTail]);
    loop_ = std::make_unique<mpm::IoLoop>(config_, g_listen, lane_.get(), config_.max_connections);
    REQUIRE(loop_->init());
  }

  ~Harness() {
    for (Client& c : clients_)
      if (c.fd >= 0) ::close(c.fd);
    loop_.reset();
    lane_.reset();
    slabs_.reset();
    // Connections the loop never accepted.
    for (;;) {
      int fd = ::accept4(g_listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      ::close(fd);
    }
  }

  void run(Reader& in) {
    while (in.has(1)) {
      const uint8_t op = in.u8() % 16;
      switch (op) {
        case 0: connect_client(); break;
        case 1: {
          if (!in.has(3)) return;
          Client* c = client(in.u8());
          size_t len = (in.u8() | (size_t{in.u8()} << 8)) % 4096;
          std::string b = in.bytes(len);
          if (c) {
            c->last = b;
            c->out += b;
            client_flush(*c);
          }
          break;
        }
        case 2: {
          if (!in.has(2)) return;
          Client* c = client(in.u8());
          uint8_t k = in.u8();
          if (c) {
            for (uint8_t i = 0; i < k && c->out.size() < (1u << 20); ++i) c->out += c->last;
            client_flush(*c);
          }
          break;
        }
        case 4: js_drain(); break;
        case 5: {
          if (!in.has(3)) return;
          uint8_t sel = in.u8(), flags = in.u8(), size = in.u8();
          respond_some(sel, flags, size);
          break;
        }
        case 6: {
          if (!in.has(1)) return;
          uint8_t v = in.u8();
          g_now_ms += v < 128 ? v * 10u : (v - 128u) * 100u;
          turn();
          break;
        }
        case 7:
          if (!in.has(1)) return;
          if (Client* c = client(in.u8())) client_read(*c);
          break;
        case 8:
          if (!in.has(1)) return;
          if (Client* c = client(in.u8())) {
            client_flush(*c);
            ::shutdown(c->fd, SHUT_WR);
            c->shut = true;
          }
          break;
        case 9:
          if (!in.has(1)) return;
          if (Client* c = client(in.u8())) {
            client_read(*c);
            check_order(*c);
            ::close(c->fd);
            c->fd = -1;
          }
          break;
        case 10: loop_->request_drain(); break;
        case 11: retire_current(); break;
        case 12: loop_->request_abort(); break;
        default: turn(); break;
      }
    }
  }

  // Everything answered, every client gone, every timeout elapsed: the loop
  // must have closed every connection by itself.
  void finish() {
    for (int round = 0; round < 8; ++round) {
      for (Client& c : clients_) client_flush(c);
      js_drain();
      answer_all();
      turn();
      for (Client& c : clients_) client_read(c);
    }
    for (Client& c : clients_) {
      client_read(c);
      check_order(c);
      if (c.fd >= 0) ::close(c.fd);
      c.fd = -1;
    }
    for (int round = 0; round < 8; ++round) {
      g_now_ms += 5000;  // past every configured timeout
      turn();
      js_drain();
      answer_all();
      turn();
    }
    const conn::IoStats& st = loop_->stats();
    REQUIRE(st.connections_open.load() == 0, "a connection outlived its peer and every timeout: " +
                                                 std::to_string(st.connections_open.load()) + " open");
    REQUIRE(st.reading.load() == 0 && st.keepalive.load() == 0 && st.lingering.load() == 0, "state gauges");
    if (std::getenv("BRIGADE_FUZZ_VERBOSE"))
      std::fprintf(stderr,
                   "conns=%llu requests=%llu responses=%llu errors=%llu timeouts=%llu aborted=%llu stale=%llu "
                   "body_bytes=%llu client_bytes=%llu pools=%zu\n",
                   (unsigned long long)st.connections_total.load(), (unsigned long long)st.requests_total.load(),
                   (unsigned long long)st.responses_total.load(), (unsigned long long)st.errors_total.load(),
                   (unsigned long long)st.timeouts_total.load(), (unsigned long long)st.aborted_total.load(),
                   (unsigned long long)st.stale_responses.load(), (unsigned long long)body_bytes_,
                   (unsigned long long)g_client_bytes, pools_.size());
    loop_->shutdown();
    js_drain();
    turn();  // responses still in the ring meet closed connections
    js_drain();
    // JS lets go of its slabs; the loop drops the producer references.
    retire_current();
    flush_resp_overflow();
    REQUIRE(resp_overflow_.empty(), "response ring stuck");
    turn();
    js_drain();
    REQUIRE(st.file_fds_open.load() == 0, "FILE fds still held: " + std::to_string(st.file_fds_open.load()));
    for (const auto& [pool, n] : pools_)
      REQUIRE(n == 1, "pool " + std::to_string(pool) + " reported " + std::to_string(n) + " times");
    slabs_->reclaim_remote();
    buckets::SlabStats ss = slabs_->stats();
    REQUIRE(ss.allocations == ss.remote_frees + ss.local_frees,
            "slabs: " + std::to_string(ss.allocations) + " allocated, " +
                std::to_string(ss.remote_frees + ss.local_frees) + " freed");
  }

  void on_doorbell() {
    if (inline_js_) js_drain();
  }

 private:
  Client* client(uint8_t i) {
    if (clients_.empty()) return nullptr;
    Client& c = clients_[i % clients_.size()];
    return c.fd >= 0 ? &c : nullptr;
  }

  void connect_client() {
    if (clients_.size() >= 5) return;
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    if (small_buffers_) {
      int v = 4096;
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&g_addr), g_addr_len) != 0) {
      ::close(fd);  // backlog full
      return;
    }
    Client c;
    c.fd = fd;
    clients_.push_back(std::move(c));
  }

  void turn() {
    if (in_turn_) return;
    in_turn_ = true;
    loop_->turn(0);
    in_turn_ = false;
    flush_resp_overflow();
  }

  // ---- request ring (native -> JS), as src/bridge/lane.ts drain() ----
  void js_drain() {
    if (in_drain_) return;
    in_drain_ = true;
    for (;;) {
      while (const bridge::MsgHeader* h = js_req_.peek()) {
        on_message(h);
        js_req_.pop(h);
      }
      js_req_.release();
      lane_->store(bridge::kJsScheduled, 0);
      if (js_req_.empty()) break;
      lane_->store(bridge::kJsScheduled, 1);
    }
    if (lane_->load(bridge::kReqBlocked) != 0) loop_->wake();
    in_drain_ = false;
    flush_resp_overflow();
  }

  static uint64_t key(uint32_t conn, uint32_t seq) { return (uint64_t{conn} << 32) | seq; }

  void on_message(const bridge::MsgHeader* h) {
    REQUIRE(h->len >= sizeof(bridge::MsgHeader) && h->len % 8 == 0 && h->len <= js_req_.max_message());
    switch (h->type) {
      case bridge::kMsgRequest: on_request(reinterpret_cast<const bridge::RequestMsg*>(h)); break;
      case bridge::kMsgBody: {
        REQUIRE(h->len >= sizeof(bridge::BodyMsg));
        auto* m = reinterpret_cast<const bridge::BodyMsg*>(h);
        REQUIRE(sizeof(bridge::BodyMsg) + m->data_len <= m->len, "BODY length");
        auto it = reqs_.find(key(m->conn_id, m->seq));
        REQUIRE(it != reqs_.end(), "BODY for an unknown request");
        Req& r = it->second;
        REQUIRE(r.body_follows && !r.body_done && !r.body_error && !r.aborted, "BODY out of place");
        body_bytes_ += m->data_len;
        if (m->flags & bridge::kBodyLast) r.body_done = true;
        else REQUIRE(m->data_len > 0, "empty non-final BODY");
        break;
      }
      case bridge::kMsgAbort: {
        auto* m = reinterpret_cast<const bridge::ConnEventMsg*>(h);
        REQUIRE(aborted_conns_.insert(m->conn_id).second, "second ABORT for a connection");
        for (auto& [k, r] : reqs_)
          if (r.conn == m->conn_id && r.seq >= m->seq) r.aborted = true;
        break;
      }
      case bridge::kMsgEorDone: {
        auto* m = reinterpret_cast<const bridge::ConnEventMsg*>(h);
        auto it = pools_.find(m->pool_id);
        REQUIRE(m->pool_id != 0 && it != pools_.end(), "EOR_DONE for an unknown pool");
        ++it->second;
        REQUIRE(it->second == 1, "EOR_DONE twice for pool " + std::to_string(m->pool_id));
        break;
      }
      case bridge::kMsgBodyError: {
        auto* m = reinterpret_cast<const bridge::ConnEventMsg*>(h);
        auto it = reqs_.find(key(m->conn_id, m->seq));
        REQUIRE(it != reqs_.end(), "BODY_ERROR for an unknown request");
        Req& r = it->second;
        REQUIRE(r.body_follows && !r.body_done && !r.body_error && !r.aborted, "BODY_ERROR out of place");
        REQUIRE(m->aux == 400 || m->aux == 408 || m->aux == 413 || m->aux == 431, std::to_string(m->aux));
        r.body_error = true;
        break;
      }
      case bridge::kMsgDrained: break;
      default: fail("unknown request-ring message", std::to_string(h->type));
    }
  }

  void on_request(const bridge::RequestMsg* m) {
    REQUIRE(m->len >= sizeof(bridge::RequestMsg));
    const uint64_t need = sizeof(bridge::RequestMsg) + uint64_t{m->header_count} * 16 + m->head_len + m->body_len;
    REQUIRE(need <= m->len, "REQUEST length");
    REQUIRE(m->header_count <= http::kMaxHeaders && m->header_count <= limits_.max_headers);
    REQUIRE(m->version_minor <= 1 && m->method <= static_cast<uint8_t>(http::Method::kOther));
    REQUIRE(uint64_t{m->target_off} + m->target_len <= m->head_len && m->target_len > 0);
    REQUIRE(m->path_len <= m->target_len);
    REQUIRE(uint64_t{m->query_off} + m->query_len <= m->head_len);
    REQUIRE(m->body_len <= config_.inline_body_max);
    // Clients come over a unix socket: no IP peer, an all-zero address.
    REQUIRE(m->remote_family == 0 && m->remote_port == 0 && m->reserved == 0, "peer of a unix-socket client");
    for (uint8_t b : m->remote_addr) REQUIRE(b == 0, "peer address bytes");
    const bool follows = m->flags & bridge::kReqBodyFollows;
    const bool chunked = m->flags & bridge::kReqChunked;
    if (chunked) REQUIRE(follows && m->content_length == -1.0 && m->body_len == 0);
    else REQUIRE(m->content_length >= 0 && m->content_length <= static_cast<double>(config_.max_body));
    if (m->body_len > 0) REQUIRE(!follows && static_cast<double>(m->body_len) == m->content_length);
    if (follows && !chunked) REQUIRE(m->content_length > 0);
    if (!follows && !chunked) REQUIRE(static_cast<double>(m->body_len) == m->content_length, "inline body length");
    const auto* tbl = reinterpret_cast<const uint32_t*>(reinterpret_cast<const uint8_t*>(m) + sizeof(*m));
    const char* head = reinterpret_cast<const char*>(tbl + m->header_count * 4);
    for (uint32_t i = 0; i < m->header_count; ++i) {
      REQUIRE(uint64_t{tbl[i * 4]} + tbl[i * 4 + 1] <= m->head_len, "header name span");
      REQUIRE(uint64_t{tbl[i * 4 + 2]} + tbl[i * 4 + 3] <= m->head_len, "header value span");
    }
    // The raw head re-parses to the same thing.
    http::RequestParser p(limits_);
    REQUIRE(p.parse(head, m->head_len) == http::ParseResult::kComplete, "raw head does not re-parse");
    const http::RequestHead& h = p.head();
    REQUIRE(h.head_len == m->head_len && h.header_count == m->header_count && h.target.off == m->target_off &&
                h.target.len == m->target_len && h.path.len == m->path_len && h.chunked == chunked,
            "re-parsed head differs");
    REQUIRE(m->head_len >= 4 && std::memcmp(head + m->head_len - 4, "\r\n\r\n", 4) == 0);
    REQUIRE(!aborted_conns_.count(m->conn_id), "REQUEST after ABORT");
    auto [it, fresh] = reqs_.emplace(key(m->conn_id, m->seq), Req{});
    REQUIRE(fresh, "duplicate (connection, seq)");
    auto& last = last_seq_[m->conn_id];
    REQUIRE(last == 0 || m->seq > last - 1, "seq went backwards");
    last = m->seq + 1;
    Req& r = it->second;
    r.conn = m->conn_id;
    r.seq = m->seq;
    r.body_follows = follows;
    open_.push_back(it->first);
    if (sync_handlers_ && !follows) respond(r, 0x0C, m->seq & 0xff);
  }

  // ---- response ring (JS -> native) ----
  struct Desc {
    uint8_t kind, flags;
    uint32_t a;
    double x, y;
  };

  // Bytes into the current slab; returns false when out of slab memory.
  bool slab_bytes(size_t n, Desc* d, const std::string& prefix = "") {
    if (cur_ == nullptr || cur_->capacity - cur_off_ < n) {
      // As lane.ts: the RETIRE waits until the descriptors into the old slab are queued.
      if (cur_) retire_pending_.push_back(cur_->id);
      cur_ = nullptr;
      buckets::Slab* s = slabs_->allocate(std::max<size_t>(n, 16384));
      if (!s) return false;
      s->refs = 1;  // the producer reference, as NativeServer::AllocSlab
      cur_ = s;
      cur_off_ = 0;
    }
    for (size_t i = 0; i < n; ++i) cur_->data[cur_off_ + i] = static_cast<uint8_t>('A' + (cur_off_ + i) % 23);
    std::memcpy(cur_->data + cur_off_, prefix.data(), std::min(prefix.size(), n));
    *d = Desc{static_cast<uint8_t>(buckets::BucketKind::kHeap), 0, cur_->id, static_cast<double>(cur_off_),
              static_cast<double>(n)};
    cur_off_ += static_cast<uint32_t>(n);
    return true;
  }

  // Sends the RETIREs that wait (their slabs' descriptors are all queued by now).
  void send_retires() {
    for (uint32_t id : retire_pending_) {
      std::vector<uint8_t> msg(sizeof(bridge::RetireMsg));
      auto* m = reinterpret_cast<bridge::RetireMsg*>(msg.data());
      m->len = sizeof(bridge::RetireMsg);
      m->type = bridge::kMsgRetireSlab;
      m->flags = 0;
      m->aux = 0;
      m->slab_id = id;
      m->reserved = 0;
      send_resp(std::move(msg));
    }
    retire_pending_.clear();
  }

  void retire_current() {
    if (cur_) retire_pending_.push_back(cur_->id);
    cur_ = nullptr;
    send_retires();
  }

  void send_resp(std::vector<uint8_t> msg) {
    resp_overflow_.push_back(std::move(msg));
    flush_resp_overflow();
  }

  void flush_resp_overflow() {
    bool any = false;
    while (!resp_overflow_.empty()) {
      std::vector<uint8_t>& m = resp_overflow_.front();
      uint8_t* p = js_resp_.reserve(static_cast<uint32_t>(m.size()));
      if (!p) break;
      std::memcpy(p, m.data(), m.size());
      resp_overflow_.pop_front();
      any = true;
    }
    if (any) js_resp_.commit();
  }

  // flags: bit0-1 split (0: all at once), bit2 finish with EOR, bit3 EOR with a pool,
  //        bit4 close after, bit5 FILE bucket, bit6 EOS/FLUSH metadata, bit7 big body.
  void respond(Req& r, uint8_t flags, uint8_t size) {
    if (r.resp_done) return;
    std::vector<Desc> ds;
    Desc d{};
    if (!r.resp_started) {
      if (!slab_bytes(40 + size % 16, &d, "X-Seq: " + std::to_string(r.seq) + "\r\n")) return send_retires();
      ds.push_back(d);
    }
    const size_t body = (flags & 128) ? size_t{size} * 512 : size;
    if (body > 0) {
      if (!slab_bytes(body, &d)) {
        // Out of slab memory: nothing is sent; the head bytes written are just unused.
        return send_retires();
      }
      ds.push_back(d);
    }
    if (flags & 32) {
      int fd = ::dup(g_memfd);
      REQUIRE(fd >= 0);
      const uint32_t off = (size * 37u) % (kFileSize + 64);
      const uint32_t len = size * 40u;  // may run past the end: a truncated file
      ds.push_back(Desc{static_cast<uint8_t>(buckets::BucketKind::kFile), bridge::kBucketOwnFd,
                        static_cast<uint32_t>(fd), static_cast<double>(off), static_cast<double>(len)});
    }
    if (flags & 64)
      ds.push_back(Desc{static_cast<uint8_t>((size & 1) ? buckets::BucketKind::kFlush : buckets::BucketKind::kEos), 0,
                        0, 0, 0});
    const bool finish = (flags & 4) || (flags & 3) == 0;
    if (finish) {
      uint32_t pool = 0;
      if (flags & 8) {
        pool = ++next_pool_;
        pools_[pool] = 0;
      }
      ds.push_back(Desc{static_cast<uint8_t>(buckets::BucketKind::kEor),
                        static_cast<uint8_t>((flags & 16) ? bridge::kBucketClose : 0), pool, 0, 0});
      r.resp_done = true;
    }
    r.resp_started = true;
    std::vector<uint8_t> msg(sizeof(bridge::ResponseMsg) + ds.size() * sizeof(bridge::BucketDesc));
    auto* m = reinterpret_cast<bridge::ResponseMsg*>(msg.data());
    m->len = static_cast<uint32_t>(msg.size());
    m->type = bridge::kMsgResponse;
    m->flags = 0;
    m->nbuckets = static_cast<uint16_t>(ds.size());
    m->conn_id = r.conn;
    m->seq = r.seq;
    auto* bd = reinterpret_cast<bridge::BucketDesc*>(msg.data() + sizeof(bridge::ResponseMsg));
    for (size_t i = 0; i < ds.size(); ++i) {
      bd[i].kind = ds[i].kind;
      bd[i].flags = ds[i].flags;
      bd[i].reserved = 0;
      bd[i].a = ds[i].a;
      bd[i].x = ds[i].x;
      bd[i].y = ds[i].y;
    }
    send_resp(std::move(msg));
    send_retires();
  }

  void prune_open() {
    std::vector<uint64_t> keep;
    for (uint64_t k : open_) {
      const Req& r = reqs_[k];
      if (!r.resp_done) keep.push_back(k);
    }
    open_.swap(keep);
  }

  void respond_some(uint8_t sel, uint8_t flags, uint8_t size) {
    prune_open();
    if (open_.empty()) return;
    Req& r = reqs_[open_[sel % open_.size()]];
    respond(r, flags, size);
  }

  void answer_all() {
    prune_open();
    std::vector<uint64_t> todo = open_;
    for (uint64_t k : todo) respond(reqs_[k], 0x0C, 7);  // finish, with a pool
  }

  friend class Bell;
  Bell bell_;
  bool inline_js_ = false, sync_handlers_ = false, small_buffers_ = false;
  bool in_turn_ = false, in_drain_ = false;
  conn::ServerConfig config_;
  http::ParserLimits limits_;
  std::unique_ptr<buckets::SlabAllocator> slabs_;
  std::unique_ptr<bridge::Lane> lane_;
  std::unique_ptr<mpm::IoLoop> loop_;
  bridge::MessageRing js_req_;   // JS as consumer of the request ring
  bridge::MessageRing js_resp_;  // JS as producer of the response ring
  std::deque<std::vector<uint8_t>> resp_overflow_;
  std::vector<Client> clients_;
  std::map<uint64_t, Req> reqs_;
  std::vector<uint64_t> open_;  // requests whose response is not finished, in arrival order
  std::map<uint32_t, uint32_t> last_seq_;
  std::set<uint32_t> aborted_conns_;
  std::map<uint32_t, int> pools_;  // pool id -> EOR_DONE count
  uint32_t next_pool_ = 0;
  uint64_t body_bytes_ = 0;
  buckets::Slab* cur_ = nullptr;
  uint32_t cur_off_ = 0;
  std::vector<uint32_t> retire_pending_;
};

void Bell::ring() { h_->on_doorbell(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setup_once();
  if (size < 2) return 0;
  const int fds_before = count_fds();
  g_client_bytes = 0;
  {
    Reader in{data + 2, size - 2};
    Harness h(data[0], data[1]);
    h.run(in);
    h.finish();
  }
  const int fds_after = count_fds();
  REQUIRE(fds_before == fds_after, "fd leak: " + std::to_string(fds_before) + " -> " + std::to_string(fds_after));
  return 0;
}
