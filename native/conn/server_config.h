// Limits and timeouts shared by every MPM (set from TypeScript options).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "conn/transport.h"
#include "http/request_classifier.h"
#include "http/request_parser.h"
#include "static/static_hook.h"

namespace brigade::conn {

struct ServerConfig {
  http::ParserLimits limits;
  uint64_t max_body = 1u << 20;          // request body cap (413)
  uint32_t inline_body_max = 64 * 1024;  // bodies up to this, fully received, travel with the head
  // Timeouts (ms). Header and body reads also enforce a minimum receive rate:
  // every window of *_timeout_ms must bring at least min_rate bytes/s or the
  // request is answered 408 and closed.
  uint32_t header_timeout_ms = 20000;
  uint32_t header_total_ms = 40000;       // a whole head, however fast its windows: 408 after this
  uint32_t body_timeout_ms = 20000;
  uint32_t min_rate = 500;                // bytes per second
  uint32_t keepalive_timeout_ms = 15000;
  uint32_t send_timeout_ms = 60000;       // no progress at all for this long -> abort
  uint32_t linger_ms = 2000;              // lingering close: drain input at most this long
  // Bounded buffering (DESIGN §5): stop reading pipelined requests when a
  // connection holds this many unfinished responses or unsent memory bytes.
  uint32_t max_pipelined = 4;
  uint32_t max_unsent_bytes = 64 * 1024;
  // Input a connection holds that is not yet handed to JS (a partial head,
  // pipelined requests behind the ones in flight, body bytes waiting for ring
  // space). When it is full the connection stops reading. Must exceed the
  // largest head (a head that fits max_head_bytes must fit here); input_cap()
  // enforces that.
  uint32_t max_input_buffer = 128 * 1024;
  size_t input_cap() const {
    return max_input_buffer > limits.max_head_bytes ? max_input_buffer : size_t{limits.max_head_bytes} + 16384;
  }
  uint64_t max_send_per_turn = 2u << 20;  // fairness: bytes per connection per loop turn
  uint32_t max_connections = 10000;       // per server; accepting pauses above it
  uint32_t max_keepalive_requests = 0;    // 0 = unlimited
  TransportSource* tls = nullptr;         // TLS listener: a transport per connection (owned by the server)
  http::RequestClassifier classifier;     // service classes (off unless set from TypeScript)
  // Static mounts served without JS (native/static/); null: none.
  std::shared_ptr<const statics::Responder> statics;
};

}  // namespace brigade::conn
