// The seam between the connection machine and the native static fast path.
// Header-only on purpose: conn/ and mpm/ depend on these interfaces alone, so
// code (and tests) that never serve static files do not link native/static/.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "http/request_parser.h"

namespace brigade::statics {

// A parsed request head without a body, as the connection sees it.
struct StaticRequest {
  const char* buf = nullptr;            // the head's bytes (spans are relative to it)
  const http::RequestHead* head = nullptr;
  bool last = false;                    // no further request on this connection (Connection: close)
  uint64_t now_ms = 0;                  // the loop's monotonic clock
  const std::string* date_line = nullptr;  // "Date: ...\r\n" of the loop's DateCache
};

// A complete response: the head bytes, then (maybe) a file range by sendfile.
struct StaticAnswer {
  std::string head;
  std::shared_ptr<const void> file_ref;  // keeps `fd` open until the bucket is released
  int fd = -1;                           // -1: no body bytes from a file
  uint64_t offset = 0;
  uint64_t length = 0;
  bool close = false;                    // Connection: close was announced
};

// One I/O loop's responder (its own open-file cache): used by that loop's thread only.
class LoopResponder {
 public:
  virtual ~LoopResponder() = default;
  // true: `out` is the whole response. false: the request goes to JS unchanged.
  virtual bool answer(const StaticRequest& req, StaticAnswer* out) = 0;
  // The loop's last connection closed (a thread-per-connection loop may now
  // sleep for long): a responder may let go of what it caches.
  virtual void on_loop_idle() {}
};

// Shared, immutable configuration (the mounts): makes one responder per loop.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual std::unique_ptr<LoopResponder> make_loop() const = 0;
};

}  // namespace brigade::statics
