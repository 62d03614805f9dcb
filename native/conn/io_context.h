// IoContext: what one I/O thread lends its connections — configuration, the
// bridge lane, the poller, the timeout queues, a shared read buffer, spare
// per-request objects (so idle connections hold none) and stats.
// Owned by the MPM; connections reach it through a reference.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "bridge/lane.h"
#include "conn/file_prefetcher.h"
#include "conn/out_bucket.h"
#include "conn/read_buffer.h"
#include "conn/server_config.h"
#include "conn/spare_pool.h"
#include "http/canned_responses.h"
#include "poll/poller.h"
#include "poll/timer_queue.h"

namespace brigade::conn {

class Connection;

// Counters read by server.stats() from the JS thread (relaxed atomics).
struct IoStats {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> requests_total{0};
  std::atomic<uint64_t> responses_total{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> file_fds_open{0};     // FILE-bucket fds held by the writer
  std::atomic<uint64_t> aborted_total{0};     // connections dropped with work outstanding
  std::atomic<uint64_t> errors_total{0};      // native error responses (4xx/5xx)
  std::atomic<uint64_t> timeouts_total{0};
  std::atomic<uint64_t> stale_responses{0};   // responses for connections already gone
  std::atomic<uint64_t> reading{0}, writing{0}, keepalive{0}, lingering{0};
  std::atomic<uint64_t> input_buffered{0};        // bytes of input connections hold (partial/pipelined requests)
  std::atomic<uint64_t> file_reads_offloaded{0};  // file ranges read by the pool (not in the page cache)
  std::atomic<uint64_t> static_fast_hits{0};      // answered by the native static fast path
};

struct IoContext {
  const ServerConfig* config = nullptr;
  bridge::Lane* lane = nullptr;
  poll::Poller* poller = nullptr;
  IoStats* stats = nullptr;
  http::DateCache date;
  poll::TimerQueue header_q, body_q, keepalive_q, send_q, linger_q;
  ReadBuffer read_buf{256 * 1024};
  SparePool<std::unique_ptr<http::RequestParser>> parsers;
  SparePool<std::vector<OutBucket>> out_storage;
  FilePrefetcher* prefetcher = nullptr;  // event MPM: non-resident file data is read off this thread
  std::vector<Connection*> runnable;   // connections with work to continue next turn
  std::vector<Connection*> dirty;      // connections with new output this turn
  std::vector<Connection*> ring_waiters;  // waiting for request-ring space (JS wakes us)
  std::vector<Connection*> closed;     // to free after the turn (events may still name them)
  uint64_t now_ms = 0;
  uint32_t handshake_budget = 0;       // TLS handshake steps left this loop turn
  bool draining = false;               // graceful shutdown or hand-over: every request read now is the connection's last
  bool drain_close_idle = false;       // shutdown: close idle connections, and busy ones after their output
  // This loop's static fast path (its own open-file cache), made on first use.
  std::unique_ptr<statics::LoopResponder> statics;
};

}  // namespace brigade::conn
