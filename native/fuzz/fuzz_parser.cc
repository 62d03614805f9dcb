// libFuzzer target: RequestParser + BodyDecoder on arbitrary bytes.
//
// Input layout (see native/fuzz/README.md):
//   byte 0     flags: bits 0-1 limits profile (0/3 default, 1 tiny, 2 small);
//              bit 2 body-only mode (the data is a request body, no head);
//              bit 3 in body-only mode: Content-Length framing instead of chunked;
//              bits 4-7 max_spans selector for the body decoder.
//   bytes 1-2  first split point  (little-endian, taken modulo the data size + 1)
//   bytes 3-4  second split point (modulo what is left after the first)
//   bytes 5..  the data fed to the parser / decoder.
//
// Checked invariants (any violation aborts, so libFuzzer records the input):
//   * whole, split-in-three and byte-at-a-time feeding give identical results;
//     every call gets a fresh exact-size heap copy, so ASan sees any read
//     past len and no result can depend on the buffer address;
//   * errors carry a status from the allowed set (400 413 414 431 501 505 for
//     heads, 400 413 431 for bodies) and a reason;
//   * a complete head: head_len <= len, every span lies inside the head, and
//     the head re-checked byte by byte against the RFC 9112 grammar (request
//     line, field lines, CRLFs, OWS trimming, tchar names, value bytes) and the
//     framing rules (Host, Content-Length, Transfer-Encoding, keep-alive) by an
//     independent checker written here;
//   * a complete head parses the same from its own bytes alone (no decision
//     depends on bytes after it) and again after reset();
//   * "need more" never holds more than the head limit;
//   * body decoding: same data/consumed/result for any split and span-array
//     size, spans inside the consumed bytes, received() == bytes delivered,
//     a Content-Length body is exactly that long, chunked bodies respect
//     max_body, and a finished body decodes the same from its own bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/request_parser.h"
#include "http/request_head_equal.h"

using namespace brigade::http;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_parser invariant violated: %s %s\n", what, detail.c_str());
  std::abort();
}
#define REQUIRE(cond, ...)                              \
  do {                                                  \
    if (!(cond)) fail(#cond, std::string(__VA_ARGS__)); \
  } while (0)

std::unique_ptr<char[]> copy_prefix(const uint8_t* d, size_t n) {
  std::unique_ptr<char[]> p(new char[n ? n : 1]);
  if (n) std::memcpy(p.get(), d, n);
  return p;
}

struct HeadOutcome {
  ParseResult r = ParseResult::kNeedMore;
  uint16_t status = 0;
  RequestHead head;
};

bool same_head(const HeadOutcome& a, const HeadOutcome& b) {
  if (a.r != b.r || a.status != b.status) return false;
  if (a.r != ParseResult::kComplete) return true;
  return brigade::http::same_head(a.head, b.head);
}

HeadOutcome snap(const RequestParser& p, ParseResult r) {
  HeadOutcome o;
  o.r = r;
  o.status = p.error_status();
  if (r == ParseResult::kComplete) o.head = p.head();
  return o;
}

// Feeds prefixes at the given cut points (each a fresh exact-size copy).
HeadOutcome parse_cuts(const uint8_t* d, const std::vector<size_t>& cuts, const ParserLimits& lim) {
  RequestParser p(lim);
  ParseResult r = ParseResult::kNeedMore;
  for (size_t n : cuts) {
    auto b = copy_prefix(d, n);
    r = p.parse(b.get(), n);
    if (r != ParseResult::kNeedMore) break;
  }
  return snap(p, r);
}

// ------------------------------------------------------- grammar oracle ---

bool is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}
bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }
bool is_field_vchar(uint8_t c) { return (c >= 0x21 && c <= 0x7E) || c >= 0x80; }
bool is_hostc(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr("-._~%!$&'()*+,;=:[]", c) != nullptr;
}
bool ieq(const uint8_t* s, size_t n, const char* lit) {
  if (std::strlen(lit) != n) return false;
  for (size_t i = 0; i < n; ++i) {
    uint8_t c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c + 32);
    if (c != static_cast<uint8_t>(lit[i])) return false;
  }
  return true;
}
bool in_head(Span s, uint32_t head_len) { return uint64_t{s.off} + s.len <= head_len; }

// Splits a comma list into trimmed elements (quoted strings are not special here).
std::vector<std::string> list_elements(const uint8_t* v, size_t n) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= n) {
    size_t s = i;
    while (i < n && v[i] != ',') ++i;
    size_t e = i;
    while (s < e && is_ows(v[s])) ++s;
    while (e > s && is_ows(v[e - 1])) --e;
    out.emplace_back(reinterpret_cast<const char*>(v + s), e - s);
    ++i;
  }
  return out;
}
std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return s;
}

// Re-checks a head the parser accepted, independently of its implementation.
void check_accepted_head(const uint8_t* b, size_t len, const RequestHead& h, const ParserLimits& lim) {
  REQUIRE(h.head_len > 0 && h.head_len <= len);
  const uint32_t hl = h.head_len;
  // Leading empty lines: at most two CRLFs.
  uint32_t p = 0;
  int empties = 0;
  while (p + 1 < hl && b[p] == '\r' && b[p + 1] == '\n') {
    p += 2;
    ++empties;
  }
  REQUIRE(empties <= 2);
  const uint32_t rl_start = p;
  REQUIRE(hl - rl_start <= lim.max_head_bytes, "head over limit");
  // Request line: method SP target SP HTTP/1.x CRLF.
  REQUIRE(h.method_span.off == p && h.method_span.len > 0);
  for (uint32_t i = 0; i < h.method_span.len; ++i) REQUIRE(is_tchar(b[p + i]), "method byte");
  p += h.method_span.len;
  REQUIRE(p < hl && b[p] == ' ');
  ++p;
  REQUIRE(h.target.off == p && h.target.len > 0 && in_head(h.target, hl));
  for (uint32_t i = 0; i < h.target.len; ++i) REQUIRE(b[p + i] >= 0x21 && b[p + i] <= 0x7E, "target byte");
  p += h.target.len;
  REQUIRE(p + 11 <= hl && b[p] == ' ');
  ++p;
  REQUIRE(std::memcmp(b + p, "HTTP/1.", 7) == 0);
  // HTTP/1.2 … HTTP/1.9 are read as HTTP/1.1 (RFC 9112 §2.3).
  REQUIRE((b[p + 7] == '0' && h.version_minor == 0) || (b[p + 7] >= '1' && b[p + 7] <= '9' && h.version_minor == 1));
  REQUIRE(b[p + 8] == '\r' && b[p + 9] == '\n');
  p += 10;
  REQUIRE(p - rl_start - 2 <= lim.max_request_line, "request line over limit");
  // Target forms and the path/query spans.
  const uint8_t* t = b + h.target.off;
  REQUIRE(in_head(h.path, hl) && in_head(h.query, hl));
  if (h.method == Method::kConnect) {
    REQUIRE(t[0] != '/' && h.path.len == 0, "CONNECT target form");
    bool colon = false;
    for (uint32_t i = 0; i < h.target.len; ++i) {
      REQUIRE(is_hostc(t[i]) && t[i] != '@');
      colon = colon || t[i] == ':';
    }
    REQUIRE(colon);
  } else if (t[0] == '/') {
    REQUIRE(h.path.off == h.target.off && h.path.len <= h.target.len);
    const bool has_q = h.path.len < h.target.len;
    if (has_q) REQUIRE(t[h.path.len] == '?' && h.query.off == h.path.off + h.path.len + 1);
    REQUIRE(h.query.off + h.query.len == h.target.off + h.target.len);
    for (uint32_t i = 0; i < h.path.len; ++i) REQUIRE(t[i] != '?');
  } else if (t[0] == '*' && h.target.len == 1) {
    REQUIRE(h.method == Method::kOptions, "asterisk-form only for OPTIONS");
  } else {
    REQUIRE(h.target.len >= 8 && (ieq(t, 7, "http://") || ieq(t, 8, "https://")), "absolute-form scheme");
    REQUIRE(h.path.len > 0 && b[h.path.off] == '/');
    for (uint32_t i = h.target.off + 7; i < h.path.off && b[i] != '/'; ++i) REQUIRE(b[i] != '@', "userinfo");
  }
  // Field lines.
  REQUIRE(h.header_count <= lim.max_headers && h.header_count <= kMaxHeaders);
  int hosts = 0, cls = 0, tes = 0;
  bool te_last_chunked = false, any_close = false, any_keep_alive = false;
  bool cl_ok = true;
  for (uint32_t i = 0; i < h.header_count; ++i) {
    const HeaderField& f = h.headers[i];
    REQUIRE(f.name.off == p && f.name.len > 0 && in_head(f.name, hl) && in_head(f.value, hl));
    for (uint32_t k = 0; k < f.name.len; ++k) REQUIRE(is_tchar(b[p + k]), "name byte");
    p += f.name.len;
    REQUIRE(b[p] == ':');
    ++p;
    while (is_ows(b[p])) ++p;
    REQUIRE(f.value.off == p || (f.value.len == 0 && f.value.off >= p));
    for (uint32_t k = 0; k < f.value.len; ++k) {
      uint8_t c = b[f.value.off + k];
      REQUIRE(is_field_vchar(c) || is_ows(c), "value byte");
    }
    if (f.value.len > 0) {
      REQUIRE(!is_ows(b[f.value.off]) && !is_ows(b[f.value.off + f.value.len - 1]), "value not trimmed");
      p = f.value.off + f.value.len;
    }
    while (is_ows(b[p])) ++p;
    REQUIRE(b[p] == '\r' && b[p + 1] == '\n', "field line end");
    REQUIRE(p - f.name.off <= lim.max_field_line, "field line over limit");
    p += 2;
    const uint8_t* n = b + f.name.off;
    const uint8_t* v = b + f.value.off;
    if (ieq(n, f.name.len, "host")) {
      ++hosts;
      REQUIRE(h.has_host && brigade::http::same_span(h.host, f.value));
      for (uint32_t k = 0; k < f.value.len; ++k) REQUIRE(is_hostc(v[k]), "Host byte");
    } else if (ieq(n, f.name.len, "content-length")) {
      ++cls;
      // Exactly one 1*DIGIT element (leading zeros allowed), at most 2^53.
      const std::vector<std::string> elems = list_elements(v, f.value.len);
      if (elems.size() != 1) cl_ok = false;
      for (const std::string& e : elems) {
        size_t z = 0;
        while (z + 1 < e.size() && e[z] == '0') ++z;
        if (e.empty() || e.size() - z > 16) {
          cl_ok = false;
          continue;
        }
        uint64_t x = 0;
        for (char c : e) {
          if (c < '0' || c > '9') cl_ok = false;
          x = x * 10 + static_cast<uint64_t>(c - '0');
        }
        if (x != h.content_length || x > (uint64_t{1} << 53)) cl_ok = false;
      }
    } else if (ieq(n, f.name.len, "transfer-encoding")) {
      ++tes;
      for (const std::string& e : list_elements(v, f.value.len)) {
        if (e.empty()) continue;
        te_last_chunked = lower(e) == "chunked";
      }
    } else if (ieq(n, f.name.len, "connection")) {
      for (const std::string& e : list_elements(v, f.value.len)) {
        std::string l = lower(e);
        any_close = any_close || l == "close";
        any_keep_alive = any_keep_alive || l == "keep-alive";
      }
    }
  }
  REQUIRE(b[p] == '\r' && b[p + 1] == '\n' && p + 2 == hl, "final CRLF");
  // Framing and connection semantics.
  REQUIRE(hosts <= 1);
  REQUIRE(h.has_host == (hosts == 1));
  if (h.version_minor == 1) REQUIRE(hosts == 1, "HTTP/1.1 without exactly one Host");
  REQUIRE(h.has_content_length == (cls > 0));
  if (cls > 0) REQUIRE(cls == 1 && cl_ok && h.content_length <= lim.max_body, "Content-Length values");
  REQUIRE(!(cls > 0 && tes > 0), "TE and CL accepted together");
  REQUIRE(h.chunked == (tes > 0));
  if (tes > 0) REQUIRE(te_last_chunked && h.version_minor == 1, "accepted TE without final chunked");
  const bool ka = h.version_minor == 1 ? !any_close : (any_keep_alive && !any_close);
  REQUIRE(h.keep_alive == ka, "keep-alive");
  if (h.expect_continue) REQUIRE(h.version_minor == 1);
}

// ------------------------------------------------------------------ body ---

struct BodyOutcome {
  BodyResult r = BodyResult::kNeedMore;
  uint16_t status = 0;
  std::string data;
  size_t consumed = 0;
  uint64_t received = 0;
};

bool same_body(const BodyOutcome& a, const BodyOutcome& b) {
  return a.r == b.r && a.status == b.status && a.data == b.data && a.consumed == b.consumed &&
         a.received == b.received;
}

struct BodyMode {
  bool chunked;
  uint64_t n;  // content length or max body
  uint32_t max_trailer;
};

// Like Connection: bytes arrive up to each cut; the unconsumed tail is passed
// again (fresh exact-size buffer) together with the new bytes.
BodyOutcome run_body(const uint8_t* in, size_t len, const std::vector<size_t>& cuts, const BodyMode& m,
                     uint32_t max_spans) {
  BodyDecoder d;
  if (m.chunked) d.start_chunked(m.n, m.max_trailer);
  else d.start_length(m.n);
  BodyOutcome o;
  std::string pending;
  size_t arrived = 0;
  std::vector<BodySpan> spans(max_spans + 1);
  for (size_t cut : cuts) {
    if (cut > len) cut = len;
    if (cut < arrived) continue;
    pending.append(reinterpret_cast<const char*>(in) + arrived, cut - arrived);
    arrived = cut;
    for (;;) {
      auto b = copy_prefix(reinterpret_cast<const uint8_t*>(pending.data()), pending.size());
      uint32_t ns = 0;
      size_t used = 0;
      o.r = d.decode(b.get(), pending.size(), spans.data(), max_spans, &ns, &used);
      REQUIRE(ns <= max_spans);
      REQUIRE(used <= pending.size());
      size_t prev_end = 0;
      for (uint32_t i = 0; i < ns; ++i) {
        REQUIRE(spans[i].len > 0 || m.chunked == false, "empty chunk span");
        REQUIRE(uint64_t{spans[i].off} + spans[i].len <= used, "span past consumed");
        REQUIRE(spans[i].off >= prev_end, "spans out of order");
        prev_end = spans[i].off + spans[i].len;
        o.data.append(b.get() + spans[i].off, spans[i].len);
      }
      pending.erase(0, used);
      o.consumed += used;
      if (o.r != BodyResult::kNeedMore) {
        o.status = d.error_status();
        o.received = d.received();
        return o;
      }
      if (used == 0 || pending.empty()) break;
    }
  }
  o.received = d.received();
  return o;
}

void check_body(const uint8_t* in, size_t len, const BodyMode& m, size_t k1, size_t k2, uint32_t spans_sel) {
  const uint32_t kSpanChoices[4] = {64, 1, 2, 32};
  BodyOutcome whole = run_body(in, len, {len}, m, 64);
  if (whole.r == BodyResult::kError) {
    REQUIRE(whole.status == 400 || whole.status == 413 || whole.status == 431, std::to_string(whole.status));
  } else {
    REQUIRE(whole.status == 0);
  }
  REQUIRE(whole.received == whole.data.size());
  if (!m.chunked) {
    REQUIRE(whole.r != BodyResult::kError);
    REQUIRE(whole.consumed == whole.data.size());
    if (whole.r == BodyResult::kDone) REQUIRE(whole.data.size() == m.n);
    else REQUIRE(whole.data.size() < m.n && whole.consumed == len);
  } else {
    REQUIRE(whole.received <= m.n, "chunked body over max_body");
    if (whole.r == BodyResult::kNeedMore) REQUIRE(whole.consumed == len);
  }
  BodyOutcome split = run_body(in, len, {k1, k2, len}, m, kSpanChoices[spans_sel & 3]);
  REQUIRE(same_body(whole, split), "body split != whole");
  if (len <= 512) {
    std::vector<size_t> cuts;
    for (size_t i = 0; i <= len; ++i) cuts.push_back(i);
    BodyOutcome bw = run_body(in, len, cuts, m, kSpanChoices[(spans_sel >> 2) & 3]);
    REQUIRE(same_body(whole, bw), "body byte-at-a-time != whole");
  }
  if (whole.r == BodyResult::kDone) {
    BodyOutcome own = run_body(in, whole.consumed, {whole.consumed}, m, 64);
    REQUIRE(same_body(whole, own), "finished body depends on later bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const uint8_t flags = data[0];
  const size_t s1 = data[1] | (size_t{data[2]} << 8);
  const size_t s2 = data[3] | (size_t{data[4]} << 8);
  const uint8_t* d = data + 5;
  const size_t n = size - 5;
  const size_t k1 = s1 % (n + 1);
  const size_t k2 = k1 + s2 % (n - k1 + 1);

  ParserLimits lim;
  switch (flags & 3) {
    case 1:  // tiny: every limit reachable by short inputs
      lim.max_request_line = 24;
      lim.max_head_bytes = 64;
      lim.max_headers = 2;
      lim.max_body = 16;
      break;
    case 2:
      lim.max_request_line = 256;
      lim.max_head_bytes = 1024;
      lim.max_headers = 8;
      lim.max_body = 1024;
      break;
    default:
      break;
  }

  if (flags & 4) {
    // Body-only mode: arbitrary bytes as a chunked or Content-Length body.
    BodyMode m;
    m.chunked = (flags & 8) == 0;
    m.n = m.chunked ? ((flags & 3) == 1 ? 16 : lim.max_body) : (s1 % 300);
    m.max_trailer = (flags & 3) == 1 ? 24 : 8192;
    check_body(d, n, m, k1, k2, flags >> 4);
    return 0;
  }

  HeadOutcome whole = parse_cuts(d, {n}, lim);
  HeadOutcome split = parse_cuts(d, {k1, k2, n}, lim);
  REQUIRE(same_head(whole, split), "split != whole");
  if (n <= 400) {
    std::vector<size_t> cuts;
    for (size_t i = 0; i <= n; ++i) cuts.push_back(i);
    REQUIRE(same_head(whole, parse_cuts(d, cuts, lim)), "byte-at-a-time != whole");
  }
  switch (whole.r) {
    case ParseResult::kError: {
      const uint16_t st = whole.status;
      REQUIRE(st == 400 || st == 413 || st == 414 || st == 431 || st == 501 || st == 505, std::to_string(st));
      RequestParser p(lim);
      auto b = copy_prefix(d, n);
      p.parse(b.get(), n);
      REQUIRE(p.error_reason() != nullptr && p.error_reason()[0] != '\0');
      break;
    }
    case ParseResult::kNeedMore:
      REQUIRE(whole.status == 0);
      REQUIRE(n <= uint64_t{lim.max_head_bytes} + 4, "need-more beyond the head limit");
      break;
    case ParseResult::kComplete: {
      const RequestHead& h = whole.head;
      check_accepted_head(d, n, h, lim);
      // Decided from the head's own bytes.
      REQUIRE(same_head(whole, parse_cuts(d, {h.head_len}, lim)), "head depends on later bytes");
      // reset() really resets: the same parser object parses it again identically.
      {
        RequestParser p(lim);
        auto b = copy_prefix(d, n);
        ParseResult r1 = p.parse(b.get(), n);
        p.reset();
        ParseResult r2 = p.parse(b.get(), n);
        REQUIRE(r1 == r2 && same_head(snap(p, r2), whole), "reset");
      }
      // The body that follows, framed as the head says.
      const uint8_t* body = d + h.head_len;
      const size_t blen = n - h.head_len;
      const size_t b1 = k1 > h.head_len ? k1 - h.head_len : 0;
      const size_t b2 = k2 > h.head_len ? k2 - h.head_len : 0;
      if (h.chunked) {
        check_body(body, blen, BodyMode{true, lim.max_body, (flags & 3) == 1 ? 24u : 8192u}, b1, b2, flags >> 4);
      } else if (h.has_content_length && h.content_length > 0) {
        check_body(body, blen, BodyMode{false, h.content_length, 0}, b1, b2, flags >> 4);
      }
      break;
    }
  }
  return 0;
}
