// RequestParser: an incremental, zero-copy, strict HTTP/1.1 request-head parser
// (RFC 9112). It never copies: every result is an offset/length pair into the
// caller's buffer, which holds the bytes of the current request head
// contiguously from its first byte. The caller feeds the same buffer again
// (grown) after more bytes arrive; the parser resumes where it stopped, and the
// result is identical for any split of the input.
// Plain C++, no Node headers.
#pragma once
#include <cstddef>
#include <cstdint>

namespace brigade::http {

enum class Method : uint8_t {
  kGet, kHead, kPost, kPut, kDelete, kOptions, kPatch, kConnect, kTrace, kOther
};

struct Span {
  uint32_t off = 0;  // from the first byte of the request head
  uint32_t len = 0;
};

struct HeaderField {
  Span name;   // as received (case preserved)
  Span value;  // leading/trailing OWS trimmed
};

struct ParserLimits {
  uint32_t max_request_line = 8192;    // > this -> 414
  uint32_t max_head_bytes = 65536;     // whole head incl. request line -> 431
  uint32_t max_headers = 100;          // field count -> 431
  uint32_t max_field_line = 8192;      // one field line (name, colon, value; not the CRLF) -> 431
  uint64_t max_body = 1u << 20;        // Content-Length above -> 413 (chunked checked by BodyDecoder)
};

static constexpr uint32_t kMaxHeaders = 128;  // hard array bound; limits.max_headers <= this

struct RequestHead {
  Method method = Method::kOther;
  Span method_span;
  Span target;            // request-target as received
  Span path;              // origin-form: target up to '?' ; asterisk-form: "*"; absolute-form: path part
  Span query;             // after '?', without it (len 0 if none)
  uint8_t version_minor = 1;  // HTTP/1.<minor>: 0 or 1 (a higher minor is read as 1, RFC 9112 §2.3)
  uint32_t header_count = 0;
  HeaderField headers[kMaxHeaders];
  Span host;              // value of the Host header (len 0 if absent)
  bool has_host = false;
  bool chunked = false;         // Transfer-Encoding: chunked (final coding)
  bool has_content_length = false;
  uint64_t content_length = 0;  // valid if has_content_length
  bool keep_alive = true;       // per version default + Connection header (close / keep-alive)
  bool expect_continue = false; // Expect: 100-continue
  bool upgrade = false;         // Connection: upgrade + Upgrade present (we answer as normal HTTP/1.1)
  uint32_t head_len = 0;        // bytes of the head including the final CRLF CRLF
};

enum class ParseResult : uint8_t { kNeedMore, kComplete, kError };

class RequestParser {
 public:
  explicit RequestParser(const ParserLimits& limits = ParserLimits{}) : limits_(limits) {}
  // Parses buf[0, len): the bytes of one request head, starting at its first
  // byte (leading empty lines CRLF before the request line are allowed and skipped,
  // at most a few; spans stay relative to buf). Returns kComplete when the
  // head is done (head() is filled, head().head_len bytes consumed), kNeedMore
  // if more bytes are needed, kError with error_status() set (400, 414, 431, 413,
  // 501, 505). May be called again with a longer buffer after kNeedMore.
  ParseResult parse(const char* buf, size_t len);
  const RequestHead& head() const { return head_; }
  uint16_t error_status() const { return error_status_; }
  const char* error_reason() const { return error_reason_; }  // short static text for logs/tests
  void reset();  // ready for the next request (keeps limits)
  void set_limits(const ParserLimits& l) { limits_ = l; }
 private:
  // implementation state (resume position, state machine) is private
  ParserLimits limits_;
  RequestHead head_;
  uint16_t error_status_ = 0;
  const char* error_reason_ = "";
  uint32_t pos_ = 0;        // resume scan position
  uint32_t line_start_ = 0;
  uint8_t state_ = 0;
  uint8_t empty_lines_ = 0;
  bool seen_te_ = false;
  bool seen_cl_ = false;
  // Added private state (positions are offsets into buf).
  uint32_t rl_start_ = 0;                // first byte of the request line
  uint32_t rl_limit_ = 0;                // rl_start_ + max_request_line: first byte that must be CR
  uint32_t head_limit_ = 0xFFFFFFFFu;    // rl_start_ + max_head_bytes: first byte over the limit
  uint32_t max_fields_ = 0;              // min(limits_.max_headers, kMaxHeaders)
  bool te_chunked_ = false;              // "chunked" seen (it must stay the final coding)
  bool te_other_ = false;                // a coding other than chunked seen
  bool conn_close_ = false;
  bool conn_keep_alive_ = false;
  bool conn_upgrade_ = false;
  bool has_upgrade_ = false;             // an Upgrade header field was seen
  ParseResult fail(uint16_t status, const char* reason);
  bool check_target(const uint8_t* b);
  bool on_field(const uint8_t* b, const HeaderField& f);
  bool on_content_length(const uint8_t* v, uint32_t n);
  bool on_transfer_encoding(const uint8_t* v, uint32_t n);
  void on_connection(const uint8_t* v, uint32_t n);
  ParseResult finish();
};

// BodyDecoder: decodes a request body framed by Content-Length or chunked
// transfer coding, in place. Chunk data is reported as spans into the input
// (no copy); chunk-size lines, extensions and trailers are validated and
// consumed. Same result for any split of the input.
struct BodySpan {
  uint32_t off;  // into the buffer passed to decode()
  uint32_t len;
};

enum class BodyResult : uint8_t { kNeedMore, kDone, kError };

class BodyDecoder {
 public:
  void start_length(uint64_t content_length);
  void start_chunked(uint64_t max_body, uint32_t max_trailer_bytes = 8192);
  // Consumes input from buf[0,len). Appends up to max_spans data spans to
  // spans and sets *nspans; sets *consumed to the bytes of buf that were used
  // (the caller discards them). Returns kDone when the body (and trailers) are
  // complete, kNeedMore when all input was consumed (or spans array full),
  // kError with error_status() (400 malformed, 413 over max_body, 431 trailers
  // over max_trailer_bytes). Partly received framing (a chunk-size line, CRLF,
  // trailer) is consumed too, its parse state kept here: only bytes after the
  // end of the body, or left when the span array is full, stay unconsumed.
  BodyResult decode(const char* buf, size_t len, BodySpan* spans, uint32_t max_spans,
                    uint32_t* nspans, size_t* consumed);
  uint16_t error_status() const { return error_status_; }
  uint64_t received() const { return received_; }  // body bytes decoded so far
  bool chunked() const { return chunked_; }
 private:
  bool chunked_ = false;
  uint64_t remaining_ = 0;   // length mode: bytes left; chunked: bytes left in current chunk
  uint64_t max_body_ = 0;
  uint64_t received_ = 0;
  uint32_t max_trailer_ = 8192;
  uint32_t trailer_bytes_ = 0;
  uint16_t error_status_ = 0;
  uint8_t state_ = 0;
  uint8_t size_digits_ = 0;
  uint32_t line_bytes_ = 0;  // bytes of the current chunk-size line so far (bounded)
  BodyResult fail(uint16_t status);
};

const char* method_name(Method m);

}  // namespace brigade::http
