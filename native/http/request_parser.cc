// Strict incremental HTTP/1.1 request-head parser (RFC 9112 / RFC 9110).
//
// A byte-scanning state machine: every state scans with a tight table-driven
// loop over the bytes it owns, and the scan position is kept between calls,
// so feeding a head in N pieces costs O(head) in total. All results are
// offsets into the caller's buffer; nothing is copied or allocated.
//
// Every decision depends only on the bytes up to the position where it is
// made (limits included), which is what makes the result identical for any
// split of the input.
#include "http/request_parser.h"

#include <array>
#include <cstring>

namespace brigade::http {

namespace {

// Character classes, one bit each.
enum : uint8_t {
  kTchar = 1,    // RFC 9110 token character
  kTargetC = 2,  // allowed in request-target and HTTP-version: 0x21-0x7E
  kValueC = 4,   // field-value byte other than CR: HTAB, SP, VCHAR, obs-text
  kHostC = 8,    // uri-host / port characters (RFC 3986 reg-name, IP literal, ':')
  kDigit = 16,
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t v = 0;
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    if (alpha || digit) v |= kTchar | kHostC;
    if (digit) v |= kDigit;
    for (const char* s = "!#$%&'*+-.^_`|~"; *s; ++s)
      if (c == static_cast<unsigned char>(*s)) v |= kTchar;
    for (const char* s = "-._~%!$&'()*+,;=:[]"; *s; ++s)
      if (c == static_cast<unsigned char>(*s)) v |= kHostC;
    if (c >= 0x21 && c <= 0x7E) v |= kTargetC;
    if (c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || c >= 0x80) v |= kValueC;
    t[c] = v;
  }
  return t;
}

constexpr std::array<uint8_t, 256> kClass = make_classes();

inline bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

inline uint64_t load8(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline uint32_t load4(const uint8_t* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// Case-insensitive match of s[0, N-1) against a lowercase literal, by OR-ing
// 0x20 into every byte. That is exact here: our literals hold only lowercase
// letters, digits, '-', ':' and '/', and c | 0x20 hits one of those only from
// its uppercase letter or from a CTL, and no CTL reaches these checks (names
// are tokens; values and targets have CTLs rejected before).
template <size_t N>
inline bool fold_eq(const uint8_t* s, const char (&lit)[N]) {
  constexpr size_t n = N - 1;
  const uint8_t* l = reinterpret_cast<const uint8_t*>(lit);
  if constexpr (n >= 8) {
    constexpr uint64_t k = 0x2020202020202020ull;
    for (size_t i = 0; i + 8 <= n; i += 8)
      if ((load8(s + i) | k) != load8(l + i)) return false;
    if constexpr (n % 8 != 0) return (load8(s + n - 8) | k) == load8(l + n - 8);
    return true;
  } else if constexpr (n >= 4) {
    constexpr uint32_t k = 0x20202020u;
    return (load4(s) | k) == load4(l) && (load4(s + n - 4) | k) == load4(l + n - 4);
  } else {
    for (size_t i = 0; i < n; ++i)
      if ((s[i] | 0x20) != l[i]) return false;
    return true;
  }
}

template <size_t N>
inline bool fold_eq(const uint8_t* s, uint32_t len, const char (&lit)[N]) {
  return len == N - 1 && fold_eq(s, lit);
}

// Word-at-a-time scanning (SWAR) for the long runs of a head: field values
// and the request-target. The flag functions mark, in each byte's high bit,
// bytes that may end the run; on little-endian the lowest marked byte is
// exact (borrows and carries only propagate towards higher bytes), so ctz
// finds it. Elsewhere the byte loop does all the work.
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;
inline uint64_t any_less(uint64_t w, uint8_t n) { return (w - kOnes * n) & ~w & kHighs; }          // n <= 128
inline uint64_t any_more(uint64_t w, uint8_t n) { return ((w + kOnes * (127 - n)) | w) & kHighs; }  // n <= 127
inline uint64_t any_eq(uint64_t w, uint8_t c) { return any_less(w ^ (kOnes * c), 1); }

// Advances p over bytes whose class has `bit`. flags() must mark every byte
// without it; marking some with it too (HTAB in values) only costs time.
template <uint8_t bit, typename Flags>
inline size_t scan_run(const uint8_t* b, size_t p, size_t end, Flags flags) {
  for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (p + 8 <= end) {
      uint64_t m = flags(load8(b + p));
      if (m) {
        p += static_cast<size_t>(__builtin_ctzll(m)) >> 3;
        break;
      }
      p += 8;
    }
#else
    (void)flags;
#endif
    if (p >= end || !(kClass[b[p]] & bit)) return p;
    ++p;
  }
}

// Target bytes are 0x21-0x7E.
inline size_t scan_target(const uint8_t* b, size_t p, size_t end) {
  return scan_run<kTargetC>(b, p, end, [](uint64_t w) { return any_less(w, 0x21) | any_more(w, 0x7E); });
}
// Field-value bytes: all but CTLs (HTAB allowed) and DEL.
inline size_t scan_value(const uint8_t* b, size_t p, size_t end) {
  return scan_run<kValueC>(b, p, end, [](uint64_t w) { return any_less(w, 0x20) | any_eq(w, 0x7F); });
}

Method classify_method(const uint8_t* m, uint32_t n) {
  auto is = [&](const char* s) { return std::memcmp(m, s, n) == 0; };
  switch (n) {
    case 3:
      if (is("GET")) return Method::kGet;
      if (is("PUT")) return Method::kPut;
      break;
    case 4:
      if (is("POST")) return Method::kPost;
      if (is("HEAD")) return Method::kHead;
      break;
    case 5:
      if (is("PATCH")) return Method::kPatch;
      if (is("TRACE")) return Method::kTrace;
      break;
    case 6:
      if (is("DELETE")) return Method::kDelete;
      break;
    case 7:
      if (is("OPTIONS")) return Method::kOptions;
      if (is("CONNECT")) return Method::kConnect;
      break;
    default:
      break;
  }
  return Method::kOther;
}

// States. Request-line states come first; kDone/kError last.
enum State : uint8_t {
  kStart,      // before the request line (empty lines allowed)
  kStartLf,    // CR of an empty line seen
  kMethod,
  kTarget,
  kVersion,
  kReqLf,      // CR after the version seen
  kLineStart,  // start of a field line or of the final CRLF
  kName,
  kOws,        // after ':'
  kValue,
  kValueLf,    // CR after a field value seen
  kFinalLf,    // CR of the empty line seen
  kDone,
  kError,
};

constexpr uint64_t kMaxContentLength = uint64_t{1} << 53;  // exact in a JS number
constexpr uint32_t kMaxEmptyLines = 2;

}  // namespace

const char* method_name(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kPatch: return "PATCH";
    case Method::kConnect: return "CONNECT";
    case Method::kTrace: return "TRACE";
    case Method::kOther: break;
  }
  return "OTHER";
}

void RequestParser::reset() {
  // The headers[] array is not cleared: header_count bounds what is valid.
  head_.method = Method::kOther;
  head_.method_span = {};
  head_.target = {};
  head_.path = {};
  head_.query = {};
  head_.version_minor = 1;
  head_.header_count = 0;
  head_.host = {};
  head_.has_host = false;
  head_.chunked = false;
  head_.has_content_length = false;
  head_.content_length = 0;
  head_.keep_alive = true;
  head_.expect_continue = false;
  head_.upgrade = false;
  head_.head_len = 0;
  error_status_ = 0;
  error_reason_ = "";
  pos_ = 0;
  line_start_ = 0;
  state_ = kStart;
  empty_lines_ = 0;
  seen_te_ = false;
  seen_cl_ = false;
  rl_start_ = 0;
  rl_limit_ = 0;
  head_limit_ = 0xFFFFFFFFu;
  max_fields_ = 0;
  te_chunked_ = false;
  te_other_ = false;
  conn_close_ = false;
  conn_keep_alive_ = false;
  conn_upgrade_ = false;
  has_upgrade_ = false;
}

ParseResult RequestParser::fail(uint16_t status, const char* reason) {
  state_ = kError;
  error_status_ = status;
  error_reason_ = reason;
  return ParseResult::kError;
}

ParseResult RequestParser::parse(const char* buf, size_t len) {
  if (state_ >= kDone) return state_ == kDone ? ParseResult::kComplete : ParseResult::kError;
  // No new bytes (or a caller that shrank the buffer): nothing to do, and
  // never read below pos_.
  if (len <= pos_) return ParseResult::kNeedMore;
  const uint8_t* b = reinterpret_cast<const uint8_t*>(buf);
  size_t p = pos_;
  // Never look at bytes past the head limit: if the head is not complete by
  // then and more bytes exist, it is too large (431), whatever they are.
  size_t end = len < head_limit_ ? len : head_limit_;

  for (;;) {
    switch (state_) {
      case kStart: {
        if (p >= end) goto need_more;
        uint8_t c = b[p];
        if (c == '\r') {
          ++p;
          state_ = kStartLf;
          continue;
        }
        if (c == '\n') return fail(400, "bare LF");
        // The request line begins here: its limits count from this byte.
        rl_start_ = static_cast<uint32_t>(p);
        uint64_t rl = uint64_t{rl_start_} + limits_.max_request_line;
        uint64_t hl = uint64_t{rl_start_} + limits_.max_head_bytes;
        rl_limit_ = rl > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(rl);
        head_limit_ = hl > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(hl);
        max_fields_ = limits_.max_headers < kMaxHeaders ? limits_.max_headers : kMaxHeaders;
        end = len < head_limit_ ? len : head_limit_;
        state_ = kMethod;
        [[fallthrough]];
      }
      case kMethod: {
        size_t rend = end < rl_limit_ ? end : rl_limit_;
        while (p < rend && (kClass[b[p]] & kTchar)) ++p;
        if (p == rend) {
          if (rend == end) goto need_more;
          if (b[p] != '\r' && b[p] != '\n') return fail(414, "request line too long");
        }
        if (b[p] != ' ' || p == rl_start_) return fail(400, "invalid method");
        uint32_t mlen = static_cast<uint32_t>(p - rl_start_);
        head_.method_span = {rl_start_, mlen};
        head_.method = classify_method(b + rl_start_, mlen);
        ++p;
        head_.target.off = static_cast<uint32_t>(p);
        state_ = kTarget;
        [[fallthrough]];
      }
      case kTarget: {
        size_t rend = end < rl_limit_ ? end : rl_limit_;
        p = scan_target(b, p, rend);
        if (p == rend) {
          if (rend == end) goto need_more;
          if (b[p] != '\r' && b[p] != '\n') return fail(414, "request line too long");
        }
        if (b[p] != ' ' || p == head_.target.off) return fail(400, "invalid request-target");
        head_.target.len = static_cast<uint32_t>(p - head_.target.off);
        if (!check_target(b)) return ParseResult::kError;
        ++p;
        state_ = kVersion;
        [[fallthrough]];
      }
      case kVersion: {
        const size_t vs = size_t{head_.target.off} + head_.target.len + 1;
        size_t rend = end < rl_limit_ ? end : rl_limit_;
        size_t lim = rend < vs + 8 ? rend : vs + 8;  // HTTP-version is exactly 8 bytes
        while (p < lim && (kClass[b[p]] & kTargetC)) ++p;
        if (p == rend) {
          if (rend == end) goto need_more;
          if (b[p] != '\r' && b[p] != '\n') return fail(414, "request line too long");
        }
        if (b[p] != '\r') return fail(400, b[p] == '\n' ? "bare LF" : "invalid HTTP version");
        const uint8_t* v = b + vs;
        if (p - vs != 8) return fail(400, "invalid HTTP version");
        const uint64_t w = load8(v);
        if (w == load8(reinterpret_cast<const uint8_t*>("HTTP/1.1"))) {
          head_.version_minor = 1;
        } else if (w == load8(reinterpret_cast<const uint8_t*>("HTTP/1.0"))) {
          head_.version_minor = 0;
        } else {
          if (std::memcmp(v, "HTTP/", 5) != 0 || !(kClass[v[5]] & kDigit) || v[6] != '.' ||
              !(kClass[v[7]] & kDigit))
            return fail(400, "invalid HTTP version");
          // RFC 9112 §2.3 / RFC 9110 §2.5: a higher minor version of a major
          // version we implement SHOULD be processed as the highest minor we
          // conform to (HTTP/1.2 is read as HTTP/1.1). Other majors: 505.
          if (v[5] != '1') return fail(505, "HTTP version not supported");
          head_.version_minor = 1;
        }
        ++p;
        state_ = kReqLf;
        [[fallthrough]];
      }
      case kReqLf:
        if (p >= end) goto need_more;
        if (b[p] != '\n') return fail(400, "bare CR");
        ++p;
        state_ = kLineStart;
        [[fallthrough]];
      case kLineStart: {
        if (p >= end) goto need_more;
        uint8_t c = b[p];
        if (!(kClass[c] & kTchar)) {
          if (c == '\r') {
            ++p;
            state_ = kFinalLf;
            continue;
          }
          if (is_ows(c)) return fail(400, "obs-fold or whitespace before field name");
          return fail(400, c == '\n' ? "bare LF" : "invalid field name");
        }
        if (head_.header_count >= max_fields_) return fail(431, "too many header fields");
        line_start_ = static_cast<uint32_t>(p);
        ++p;
        state_ = kName;
        [[fallthrough]];
      }
      case kName: {
        // Names are short and irregular: a table, four bytes per test.
        while (p + 4 <= end && (kClass[b[p]] & kClass[b[p + 1]] & kClass[b[p + 2]] & kClass[b[p + 3]] & kTchar))
          p += 4;
        while (p < end && (kClass[b[p]] & kTchar)) ++p;
        if (p - line_start_ > limits_.max_field_line) return fail(431, "header field line too long");
        if (p >= end) goto need_more;
        // Whitespace between name and colon is a smuggling vector: reject.
        if (b[p] != ':') return fail(400, "invalid field name");
        HeaderField& f = head_.headers[head_.header_count];
        f.name = {line_start_, static_cast<uint32_t>(p - line_start_)};
        ++p;
        state_ = kOws;
        [[fallthrough]];
      }
      case kOws: {
        while (p < end && is_ows(b[p])) ++p;
        if (p >= end) goto need_more;
        head_.headers[head_.header_count].value.off = static_cast<uint32_t>(p);
        state_ = kValue;
        [[fallthrough]];
      }
      case kValue: {
        p = scan_value(b, p, end);
        // Trailing OWS counts: the limit is on the line as received.
        if (p - line_start_ > limits_.max_field_line) return fail(431, "header field line too long");
        if (p >= end) goto need_more;
        if (b[p] != '\r') return fail(400, b[p] == '\n' ? "bare LF" : "invalid field value");
        HeaderField& f = head_.headers[head_.header_count];
        size_t e = p;
        while (e > f.value.off && is_ows(b[e - 1])) --e;  // trailing OWS
        f.value.len = static_cast<uint32_t>(e - f.value.off);
        ++p;
        state_ = kValueLf;
        [[fallthrough]];
      }
      case kValueLf: {
        if (p >= end) goto need_more;
        if (b[p] != '\n') return fail(400, "bare CR");
        ++p;
        const HeaderField& f = head_.headers[head_.header_count++];
        if (!on_field(b, f)) return ParseResult::kError;
        state_ = kLineStart;
        continue;
      }
      case kFinalLf:
        if (p >= end) goto need_more;
        if (b[p] != '\n') return fail(400, "bare CR");
        ++p;
        pos_ = static_cast<uint32_t>(p);
        head_.head_len = static_cast<uint32_t>(p);
        return finish();
      case kStartLf:
        if (p >= end) goto need_more;
        if (b[p] != '\n') return fail(400, "bare CR");
        ++p;
        if (++empty_lines_ > kMaxEmptyLines) return fail(400, "too many empty lines before request");
        state_ = kStart;
        continue;
      default:
        return fail(400, "internal state");
    }
  }

need_more:
  pos_ = static_cast<uint32_t>(p);
  if (end < len) return fail(431, "request head too large");
  return ParseResult::kNeedMore;
}

// Request-target forms (RFC 9112 §3.2). Sets path/query.
bool RequestParser::check_target(const uint8_t* b) {
  const uint32_t to = head_.target.off, tn = head_.target.len;
  const uint8_t* t = b + to;
  const bool connect = head_.method == Method::kConnect;

  auto split_query = [&](uint32_t from) {  // origin path starting at target offset `from`
    const void* q = std::memchr(t + from, '?', tn - from);
    uint32_t qi = q ? static_cast<uint32_t>(static_cast<const uint8_t*>(q) - t) : tn;
    head_.path = {to + from, qi - from};
    head_.query = q ? Span{to + qi + 1, tn - qi - 1} : Span{to + tn, 0};
  };

  if (t[0] == '/') {
    if (connect) {
      fail(400, "CONNECT requires authority-form");
      return false;
    }
    split_query(0);
    return true;
  }
  if (t[0] == '*' && tn == 1) {
    if (head_.method != Method::kOptions) {
      fail(400, "asterisk-form is only for OPTIONS");
      return false;
    }
    head_.path = head_.target;
    head_.query = {to + tn, 0};
    return true;
  }
  if (connect) {
    // authority-form: uri-host ":" port, port non-empty. No userinfo.
    uint32_t colon = tn;
    for (uint32_t i = 0; i < tn; ++i) {
      if (!(kClass[t[i]] & kHostC)) {
        fail(400, "invalid authority-form target");
        return false;
      }
      if (t[i] == ':') colon = i;
    }
    bool port_ok = colon > 0 && colon + 1 < tn;
    for (uint32_t i = colon + 1; port_ok && i < tn; ++i) port_ok = kClass[t[i]] & kDigit;
    if (!port_ok) {
      fail(400, "invalid authority-form target");
      return false;
    }
    head_.path = {to, 0};  // no path: routing must not treat it as a resource
    head_.query = {to + tn, 0};
    return true;
  }
  // absolute-form: only http and https are meaningful for an origin server.
  uint32_t a = 0;
  if (tn >= 7 && fold_eq(t, "http://")) a = 7;
  else if (tn >= 8 && fold_eq(t, "https://")) a = 8;
  if (a == 0) {
    fail(400, "invalid request-target");
    return false;
  }
  uint32_t i = a;
  while (i < tn && t[i] != '/' && t[i] != '?') {
    // userinfo ('@') is deprecated for http(s) and a phishing vector: reject.
    if (!(kClass[t[i]] & kHostC)) {
      fail(400, "invalid authority in absolute-form");
      return false;
    }
    ++i;
  }
  if (i == a) {
    fail(400, "empty authority in absolute-form");
    return false;
  }
  if (i < tn && t[i] == '/') {
    split_query(i);
  } else {
    // Empty path means "/": point at the second slash of "://".
    head_.path = {to + a - 1, 1};
    head_.query = i < tn ? Span{to + i + 1, tn - i - 1} : Span{to + tn, 0};
  }
  return true;
}

// Semantic checks of the framing-relevant fields, as each field completes.
bool RequestParser::on_field(const uint8_t* b, const HeaderField& f) {
  const uint8_t* n = b + f.name.off;
  const uint8_t* v = b + f.value.off;
  const uint32_t vn = f.value.len;
  switch (f.name.len) {
    case 4:
      if (fold_eq(n, "host")) {
        if (head_.has_host) {
          fail(400, "multiple Host fields");
          return false;
        }
        for (uint32_t i = 0; i < vn; ++i) {
          if (!(kClass[v[i]] & kHostC)) {
            fail(400, "invalid Host");
            return false;
          }
        }
        head_.has_host = true;
        head_.host = f.value;
      }
      return true;
    case 6:
      // RFC 9110 §10.1.1: a 100-continue from an HTTP/1.0 client is ignored.
      if (fold_eq(n, "expect") && head_.version_minor == 1 && fold_eq(v, vn, "100-continue"))
        head_.expect_continue = true;
      return true;
    case 7:
      if (fold_eq(n, "upgrade") && vn > 0) has_upgrade_ = true;
      return true;
    case 10:
      if (fold_eq(n, "connection")) on_connection(v, vn);
      return true;
    case 14:
      if (fold_eq(n, "content-length")) return on_content_length(v, vn);
      return true;
    case 17:
      if (fold_eq(n, "transfer-encoding")) return on_transfer_encoding(v, vn);
      return true;
    default:
      return true;
  }
}

// Content-Length = 1*DIGIT, exactly one value: a list or a repeated field is
// rejected even when the values are equal (RFC 9110 §8.6 allows either).
bool RequestParser::on_content_length(const uint8_t* v, uint32_t n) {
  uint32_t i = 0;
  for (;;) {
    const uint32_t s = i;
    uint64_t x = 0;
    while (i < n && (kClass[v[i]] & kDigit)) {
      x = x * 10 + (v[i] - '0');  // x <= 2^53 before this step: no overflow
      if (x > kMaxContentLength) {
        fail(400, "Content-Length too large");
        return false;
      }
      ++i;
    }
    if (i == s) {
      fail(400, "invalid Content-Length");
      return false;
    }
    // RFC 9110 §8.6 lets a recipient either reject a repeated Content-Length
    // or fold identical values into one; nginx and Apache reject, and so does
    // brigade: a second value, equal or not, is how framing disagreements start.
    if (seen_cl_) {
      fail(400, x == head_.content_length ? "repeated Content-Length" : "conflicting Content-Length values");
      return false;
    }
    seen_cl_ = true;
    head_.has_content_length = true;
    head_.content_length = x;
    while (i < n && is_ows(v[i])) ++i;
    if (i == n) return true;
    if (v[i] != ',') {
      fail(400, "invalid Content-Length");
      return false;
    }
    ++i;
    while (i < n && is_ows(v[i])) ++i;
  }
}

// Transfer-Encoding = #transfer-coding, possibly over several fields.
// chunked must be final and appear once (RFC 9112 §6.1, §7).
bool RequestParser::on_transfer_encoding(const uint8_t* v, uint32_t n) {
  seen_te_ = true;
  uint32_t i = 0;
  for (;;) {
    while (i < n && (is_ows(v[i]) || v[i] == ',')) ++i;  // empty list elements are allowed
    if (i == n) return true;
    const uint32_t s = i;
    while (i < n && (kClass[v[i]] & kTchar)) ++i;
    if (i == s) {
      fail(400, "invalid Transfer-Encoding");
      return false;
    }
    const uint32_t tl = i - s;
    while (i < n && is_ows(v[i])) ++i;
    bool params = false;
    if (i < n && v[i] == ';') {
      // transfer-parameters: skipped, honouring quoted-strings (they may hold ',').
      params = true;
      bool quoted = false;
      for (; i < n; ++i) {
        if (quoted) {
          if (v[i] == '\\') ++i;
          else if (v[i] == '"') quoted = false;
        } else if (v[i] == '"') {
          quoted = true;
        } else if (v[i] == ',') {
          break;
        }
      }
      if (quoted) {
        fail(400, "invalid Transfer-Encoding");
        return false;
      }
    }
    if (i < n && v[i] != ',') {
      fail(400, "invalid Transfer-Encoding");
      return false;
    }
    if (te_chunked_) {
      fail(400, fold_eq(v + s, tl, "chunked") ? "chunked applied twice" : "chunked is not the final coding");
      return false;
    }
    if (fold_eq(v + s, tl, "chunked")) {
      if (params) {
        fail(400, "invalid Transfer-Encoding");
        return false;
      }
      te_chunked_ = true;
    } else {
      te_other_ = true;
    }
  }
}

// Connection = #connection-option; unknown options are ignored.
void RequestParser::on_connection(const uint8_t* v, uint32_t n) {
  uint32_t i = 0;
  while (i < n) {
    while (i < n && (is_ows(v[i]) || v[i] == ',')) ++i;
    const uint32_t s = i;
    while (i < n && v[i] != ',') ++i;
    uint32_t e = i;
    while (e > s && is_ows(v[e - 1])) --e;
    const uint8_t* t = v + s;
    const uint32_t tl = e - s;
    if (fold_eq(t, tl, "close")) conn_close_ = true;
    else if (fold_eq(t, tl, "keep-alive")) conn_keep_alive_ = true;
    else if (fold_eq(t, tl, "upgrade")) conn_upgrade_ = true;
  }
}

// Whole-head checks, in priority order: framing errors (400) first, then the
// unsupported coding (501), then the size policy (413).
ParseResult RequestParser::finish() {
  if (seen_te_) {
    if (head_.version_minor == 0) return fail(400, "Transfer-Encoding in HTTP/1.0 request");
    if (seen_cl_) return fail(400, "both Transfer-Encoding and Content-Length");
    // RFC 9112 §6.3: chunked not final -> length unknown -> MUST 400.
    if (!te_chunked_) return fail(400, "chunked is not the final coding");
  }
  if (head_.version_minor == 1 && !head_.has_host) return fail(400, "missing Host");
  if (te_other_) return fail(501, "unsupported transfer coding");
  head_.chunked = te_chunked_;
  if (seen_cl_ && head_.content_length > limits_.max_body) return fail(413, "body too large");
  head_.keep_alive = head_.version_minor == 1 ? !conn_close_ : (conn_keep_alive_ && !conn_close_);
  head_.upgrade = conn_upgrade_ && has_upgrade_;
  state_ = kDone;
  return ParseResult::kComplete;
}

}  // namespace brigade::http
