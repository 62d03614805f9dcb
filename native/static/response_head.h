// Serialises a static file response's head (and, for 412/416, its short body)
// byte for byte as the TypeScript path does: the static handler's headers in
// the order it sets them, the byterange filter's additions, then the
// date/content-length/connection lines of BrigadeResponse.head().
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "static/conditional.h"

namespace brigade::statics {

struct HeadSpec {
  uint16_t status = 200;            // 200, 206, 304, 412 or 416
  bool head_request = false;        // HEAD: no body bytes after the head
  bool vary = false;                // Vary: Accept-Encoding (a precompressed sibling exists)
  std::string_view coding;          // Content-Encoding of the chosen sibling ("" for identity)
  const Validators* validators = nullptr;
  std::string_view cache_control;
  std::string_view content_type;
  bool ranges = true;               // Accept-Ranges: bytes (else none)
  uint64_t size = 0;                // the file's size
  uint64_t first = 0, last = 0;     // 206: the range, inclusive
  bool close = false;               // connection: close
  bool http10 = false;              // HTTP/1.0 keep-alive: connection: keep-alive
  std::string_view date_line;       // "Date: <IMF-fixdate>\r\n" (written as "date: ...")
};

// The head, plus the body for 412/416 (GET). File bytes are not included.
std::string build_head(const HeadSpec& s);

}  // namespace brigade::statics
