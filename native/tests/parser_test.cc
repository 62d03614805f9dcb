// brigade-test-sources: native/http/request_parser.cc native/http/body_decoder.cc
// Tests for RequestParser and BodyDecoder (standalone, no framework).
// Every request given to EXPECT_PARSE is also checked for split invariance:
// parsed whole, fed one byte at a time, and split in two at every point, each
// call getting a fresh exact-size heap copy (so ASan catches any read past len
// and any dependence on the buffer address).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/request_parser.h"
#include "http/request_head_equal.h"

using namespace brigade::http;

namespace {

int g_pass = 0;
int g_fail = 0;

void report(bool ok, const char* file, int line, const char* what, const std::string& detail) {
  if (ok) {
    ++g_pass;
    return;
  }
  ++g_fail;
  std::printf("FAIL %s:%d: %s %s\n", file, line, what, detail.c_str());
}

#define CHECK(cond) report((cond), __FILE__, __LINE__, #cond, "")
#define CHECK_EQ(a, b)                                                                         \
  do {                                                                                         \
    auto va_ = (a);                                                                            \
    auto vb_ = (b);                                                                            \
    report(va_ == vb_, __FILE__, __LINE__, #a " == " #b,                                       \
           "(" + std::to_string(static_cast<long long>(va_)) + " vs " +                        \
               std::to_string(static_cast<long long>(vb_)) + ")");                             \
  } while (0)
#define CHECK_STR(a, b)                                                                        \
  do {                                                                                         \
    std::string va_ = (a);                                                                     \
    std::string vb_ = (b);                                                                     \
    report(va_ == vb_, __FILE__, __LINE__, #a " == " #b, "(\"" + va_ + "\" vs \"" + vb_ + "\")"); \
  } while (0)

std::string printable(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    if (c == '\r') o += "\\r";
    else if (c == '\n') o += "\\n";
    else if (c < 0x20 || c >= 0x7F) {
      char t[8];
      std::snprintf(t, sizeof t, "\\x%02X", c);
      o += t;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o.size() > 160 ? o.substr(0, 160) + "..." : o;
}

// Exact-size heap copy of s[0, n).
std::unique_ptr<char[]> copy_prefix(const std::string& s, size_t n) {
  std::unique_ptr<char[]> p(new char[n ? n : 1]);
  if (n) std::memcpy(p.get(), s.data(), n);
  return p;
}

// ---------------------------------------------------------------- parser ---

struct Outcome {
  ParseResult r = ParseResult::kNeedMore;
  uint16_t status = 0;
  RequestHead head;
};

Outcome snapshot(const RequestParser& p, ParseResult r) {
  Outcome o;
  o.r = r;
  o.status = p.error_status();
  o.head = p.head();
  return o;
}

Outcome parse_whole(const std::string& s, const ParserLimits& lim) {
  RequestParser p(lim);
  auto b = copy_prefix(s, s.size());
  ParseResult r = p.parse(b.get(), s.size());
  return snapshot(p, r);
}

// Full comparison: result, status and, when complete, every field of the head.
bool same(const Outcome& a, const Outcome& b) {
  if (a.r != b.r || a.status != b.status) return false;
  if (a.r != ParseResult::kComplete) return true;
  return brigade::http::same_head(a.head, b.head);
}

std::string describe(const Outcome& o) {
  return "r=" + std::to_string(static_cast<int>(o.r)) + " status=" + std::to_string(o.status);
}

void check_splits(const std::string& s, const ParserLimits& lim, const Outcome& whole, int line) {
  // Growing one byte at a time (starting from an empty buffer).
  {
    RequestParser p(lim);
    ParseResult r = ParseResult::kNeedMore;
    for (size_t n = 0; n <= s.size(); ++n) {
      auto b = copy_prefix(s, n);
      r = p.parse(b.get(), n);
      if (r != ParseResult::kNeedMore) break;
    }
    Outcome o = snapshot(p, r);
    report(same(whole, o), __FILE__, line, "byte-at-a-time == whole",
           describe(o) + " vs " + describe(whole) + " input=" + printable(s));
  }
  // Two parts, at every split point.
  for (size_t k = 0; k <= s.size(); ++k) {
    RequestParser p(lim);
    auto b1 = copy_prefix(s, k);
    ParseResult r = p.parse(b1.get(), k);
    if (r == ParseResult::kNeedMore) {
      auto b2 = copy_prefix(s, s.size());
      r = p.parse(b2.get(), s.size());
    }
    Outcome o = snapshot(p, r);
    if (!same(whole, o)) {
      report(false, __FILE__, line, "two-part split == whole",
             "k=" + std::to_string(k) + " " + describe(o) + " vs " + describe(whole) + " input=" + printable(s));
      return;
    }
  }
  report(true, __FILE__, line, "", "");
}

// status 0 = expect kComplete, 1 = expect kNeedMore, else expect kError with that status.
Outcome expect_parse(const std::string& s, int status, int line, const ParserLimits& lim = ParserLimits{}) {
  Outcome o = parse_whole(s, lim);
  bool ok;
  if (status == 0) ok = o.r == ParseResult::kComplete;
  else if (status == 1) ok = o.r == ParseResult::kNeedMore;
  else ok = o.r == ParseResult::kError && o.status == status;
  report(ok, __FILE__, line, "expect_parse",
         "want " + std::to_string(status) + " got " + describe(o) + " input=" + printable(s));
  check_splits(s, lim, o, line);
  return o;
}

#define EXPECT_PARSE(s, st, ...) expect_parse((s), (st), __LINE__, ##__VA_ARGS__)

// A string literal that may hold NUL bytes.
template <size_t N>
std::string bin(const char (&s)[N]) {
  return std::string(s, N - 1);
}

std::string text(const std::string& s, Span x) { return s.substr(x.off, x.len); }

// Builds a request: request line + fields + CRLF.
std::string req(const std::string& line, const std::vector<std::string>& fields) {
  std::string s = line + "\r\n";
  for (const auto& f : fields) s += f + "\r\n";
  return s + "\r\n";
}

const std::string kH = "Host: example.com";

void test_basic() {
  std::string s = "GET /index.html?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
                  "X-Empty:\r\nX-Pad: \t a b \t \r\n\r\n";
  Outcome o = EXPECT_PARSE(s, 0);
  const RequestHead& h = o.head;
  CHECK(h.method == Method::kGet);
  CHECK_STR(text(s, h.method_span), "GET");
  CHECK_STR(text(s, h.target), "/index.html?x=1&y=2");
  CHECK_STR(text(s, h.path), "/index.html");
  CHECK_STR(text(s, h.query), "x=1&y=2");
  CHECK_EQ(h.version_minor, 1);
  CHECK_EQ(h.header_count, 4u);
  CHECK_STR(text(s, h.headers[0].name), "Host");
  CHECK_STR(text(s, h.headers[0].value), "example.com");
  CHECK_STR(text(s, h.headers[1].name), "Accept");
  CHECK_STR(text(s, h.headers[1].value), "*/*");
  CHECK_STR(text(s, h.headers[2].name), "X-Empty");
  CHECK_EQ(h.headers[2].value.len, 0u);
  CHECK_STR(text(s, h.headers[3].value), "a b");
  CHECK(h.has_host);
  CHECK_STR(text(s, h.host), "example.com");
  CHECK(h.keep_alive);
  CHECK(!h.chunked);
  CHECK(!h.has_content_length);
  CHECK(!h.expect_continue);
  CHECK(!h.upgrade);
  CHECK_EQ(h.head_len, s.size());

  // Pipelined bytes after the head are not consumed.
  std::string two = s + "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  Outcome o2 = parse_whole(two, ParserLimits{});
  CHECK(o2.r == ParseResult::kComplete);
  CHECK_EQ(o2.head.head_len, s.size());

  // Query splits at the first '?'; an empty query.
  Outcome q = EXPECT_PARSE(req("GET /a?b?c HTTP/1.1", {kH}), 0);
  std::string qs = req("GET /a?b?c HTTP/1.1", {kH});
  CHECK_STR(text(qs, q.head.path), "/a");
  CHECK_STR(text(qs, q.head.query), "b?c");
  std::string es = req("GET /? HTTP/1.1", {kH});
  Outcome e = EXPECT_PARSE(es, 0);
  CHECK_STR(text(es, e.head.path), "/");
  CHECK_EQ(e.head.query.len, 0u);
  std::string ns = req("GET /p HTTP/1.1", {kH});
  Outcome n = EXPECT_PARSE(ns, 0);
  CHECK_STR(text(ns, n.head.path), "/p");
  CHECK_EQ(n.head.query.len, 0u);

  // Field values: obs-text and HTAB allowed, case of names preserved.
  std::string vs = req("GET / HTTP/1.1", {kH, "X-Name: caf\xC3\xA9\tbar", "x-lower:v"});
  Outcome v = EXPECT_PARSE(vs, 0);
  CHECK_STR(text(vs, v.head.headers[1].value), "caf\xC3\xA9\tbar");
  CHECK_STR(text(vs, v.head.headers[2].name), "x-lower");
  CHECK_STR(text(vs, v.head.headers[2].value), "v");
  // Tokens may use every tchar.
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "!#$%&'*+-.^_`|~09azAZ: x"}), 0);
}

void test_leading_empty_lines() {
  std::string s = "\r\n\r\n" + req("GET / HTTP/1.1", {kH});
  Outcome o = EXPECT_PARSE(s, 0);
  CHECK_EQ(o.head.method_span.off, 4u);
  CHECK_STR(text(s, o.head.path), "/");
  CHECK_EQ(o.head.head_len, s.size());
  EXPECT_PARSE("\r\n" + req("GET / HTTP/1.1", {kH}), 0);
  EXPECT_PARSE("\r\n\r\n\r\n" + req("GET / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE("\n" + req("GET / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE("\r\r\n" + req("GET / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE("\r\n", 1);
  EXPECT_PARSE("", 1);
}

void test_methods() {
  struct M {
    const char* name;
    Method m;
  } ms[] = {{"GET", Method::kGet},         {"HEAD", Method::kHead},       {"POST", Method::kPost},
            {"PUT", Method::kPut},         {"DELETE", Method::kDelete},   {"PATCH", Method::kPatch},
            {"TRACE", Method::kTrace},     {"PROPFIND", Method::kOther},  {"get", Method::kOther},
            {"M-SEARCH", Method::kOther},  {"GETX", Method::kOther},      {"Post", Method::kOther}};
  for (const M& m : ms) {
    std::string s = req(std::string(m.name) + " / HTTP/1.1", {kH});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK(o.head.method == m.m);
    CHECK_STR(text(s, o.head.method_span), m.name);
  }
  Outcome opt = EXPECT_PARSE(req("OPTIONS /x HTTP/1.1", {kH}), 0);
  CHECK(opt.head.method == Method::kOptions);
  Outcome con = EXPECT_PARSE(req("CONNECT example.com:443 HTTP/1.1", {kH}), 0);
  CHECK(con.head.method == Method::kConnect);
  CHECK_STR(method_name(Method::kGet), "GET");
  CHECK_STR(method_name(Method::kHead), "HEAD");
  CHECK_STR(method_name(Method::kPost), "POST");
  CHECK_STR(method_name(Method::kPut), "PUT");
  CHECK_STR(method_name(Method::kDelete), "DELETE");
  CHECK_STR(method_name(Method::kOptions), "OPTIONS");
  CHECK_STR(method_name(Method::kPatch), "PATCH");
  CHECK_STR(method_name(Method::kConnect), "CONNECT");
  CHECK_STR(method_name(Method::kTrace), "TRACE");
  CHECK_STR(method_name(Method::kOther), "OTHER");

  EXPECT_PARSE(req("G(T / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GE\"T / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req(" GET / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET\t/ HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("G\x80T / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(bin("G\0T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

void test_request_line_syntax() {
  EXPECT_PARSE(req("GET  / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET /  HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1 ", {kH}), 400);
  EXPECT_PARSE(req("GET /\tHTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET / x HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET /", {kH}), 400);            // HTTP/0.9 style line
  EXPECT_PARSE(req("GET / ", {kH}), 400);
  EXPECT_PARSE(req("GET", {kH}), 400);
  EXPECT_PARSE(req("", {kH}), 400);                 // empty line skipped, "Host:" is no method
  EXPECT_PARSE("GET / HTTP/1.1\r\n", 1);
  EXPECT_PARSE("GET / HTTP/1.1", 1);
  // Target bytes: visible ASCII only.
  EXPECT_PARSE(req("GET /a\x01z HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET /a\x7Fz HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET /caf\xC3\xA9 HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET /a\x80 HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(bin("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_PARSE(req("GET /%41%zz\"<>{}|^`~!$&'()*+,;=:@ HTTP/1.1", {kH}), 0);
}

void test_target_forms() {
  {
    std::string s = req("GET http://example.com/p/q?x=1 HTTP/1.1", {kH});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK_STR(text(s, o.head.target), "http://example.com/p/q?x=1");
    CHECK_STR(text(s, o.head.path), "/p/q");
    CHECK_STR(text(s, o.head.query), "x=1");
  }
  {
    std::string s = req("GET http://example.com HTTP/1.1", {kH});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK_STR(text(s, o.head.path), "/");
    CHECK_EQ(o.head.query.len, 0u);
  }
  {
    std::string s = req("GET HTTPS://example.com:8443?a=b HTTP/1.1", {kH});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK_STR(text(s, o.head.path), "/");
    CHECK_STR(text(s, o.head.query), "a=b");
  }
  {
    std::string s = req("POST http://[::1]:8080/ HTTP/1.1", {kH, "Content-Length: 0"});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK_STR(text(s, o.head.path), "/");
  }
  EXPECT_PARSE(req("GET http:///p HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET http://u:pw@example.com/ HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET ftp://example.com/ HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET http:/example.com/ HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET http://ex\"ample/ HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET example.com/ HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET a HTTP/1.1", {kH}), 400);

  // authority-form only with CONNECT, and CONNECT only with authority-form.
  {
    std::string s = req("CONNECT example.com:443 HTTP/1.1", {kH});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK_STR(text(s, o.head.target), "example.com:443");
    CHECK_EQ(o.head.path.len, 0u);
  }
  EXPECT_PARSE(req("CONNECT [::1]:443 HTTP/1.1", {kH}), 0);
  EXPECT_PARSE(req("GET example.com:443 HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT / HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT * HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT example.com HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT example.com: HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT :443 HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT ex.com:44x HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT u@ex.com:443 HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("CONNECT http://ex.com:443/ HTTP/1.1", {kH}), 400);

  // asterisk-form only with OPTIONS.
  {
    std::string s = req("OPTIONS * HTTP/1.1", {kH});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK_STR(text(s, o.head.path), "*");
    CHECK_EQ(o.head.query.len, 0u);
  }
  EXPECT_PARSE(req("GET * HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("OPTIONS *x HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("OPTIONS ** HTTP/1.1", {kH}), 400);
  EXPECT_PARSE(req("OPTIONS http://a/ HTTP/1.1", {kH}), 0);
}

void test_version() {
  Outcome a = EXPECT_PARSE(req("GET / HTTP/1.1", {kH}), 0);
  CHECK_EQ(a.head.version_minor, 1);
  Outcome b = EXPECT_PARSE(req("GET / HTTP/1.0", {}), 0);
  CHECK_EQ(b.head.version_minor, 0);
  EXPECT_PARSE(req("GET / HTTP/2.0", {kH}), 505);
  // A higher minor of HTTP/1 is read as HTTP/1.1 (RFC 9112 §2.3), Host rule included.
  CHECK_EQ(EXPECT_PARSE(req("GET / HTTP/1.2", {kH}), 0).head.version_minor, 1);
  CHECK_EQ(EXPECT_PARSE(req("GET / HTTP/1.9", {kH}), 0).head.version_minor, 1);
  EXPECT_PARSE(req("GET / HTTP/1.2", {}), 400);
  EXPECT_PARSE(req("GET / HTTP/0.9", {kH}), 505);
  EXPECT_PARSE(req("GET / HTTP/9.9", {kH}), 505);
  EXPECT_PARSE(req("GET / HTTP/1.10", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/11.1", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.x", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/a.1", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1,1", {kH}), 400);
  EXPECT_PARSE(req("GET / http/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTPS/1.1", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP 1.1", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1x", {kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1\x01", {kH}), 400);
  EXPECT_PARSE(req("GET / \xC8TTP/1.1", {kH}), 400);
}

void test_line_endings() {
  EXPECT_PARSE("GET / HTTP/1.1\nHost: a\r\n\r\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\n\r\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\n\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\rHost: a\r\n\r\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n", 400);
  EXPECT_PARSE("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  EXPECT_PARSE("GET\r / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  EXPECT_PARSE("GET /\n HTTP/1.1\r\nHost: a\r\n\r\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\nX: 1\n\r\n", 400);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\n\nX: 1\r\n\r\n", 400);
}

void test_fields() {
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host : a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host\t: a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, ": a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X\"Y: a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X(Y): a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X/Y: a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X\x80: a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "NoColon"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: a", " b"}), 400);    // obs-fold
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: a", "\tb"}), 400);   // obs-fold
  EXPECT_PARSE(req("GET / HTTP/1.1", {" Host: a"}), 400);          // ws after start line
  // Field-value bytes.
  EXPECT_PARSE(bin("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: a\x01z"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: a\x7Fz"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: a\x1Fz"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: \x80\xFF"}), 0);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: \t"}), 0);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X:a:b:c"}), 0);
}

// Every byte value at every offset of a field value, target, name and Host,
// against reference predicates written independently of the parser's tables.
// This drives the word-at-a-time scans through all alignments, including the
// stop byte landing in a final partial word.
void test_byte_classes() {
  auto vchar = [](int c) { return c >= 0x21 && c <= 0x7E; };
  auto tchar = [](int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
  };
  auto hostc = [](int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && std::strchr("-._~%!$&'()*+,;=:[]", c) != nullptr);
  };
  auto ows = [](int c) { return c == ' ' || c == '\t'; };
  int bad[4] = {0, 0, 0, 0};
  std::string first[4];
  auto note = [&](int fam, bool ok, const std::string& in) {
    if (ok) return;
    if (bad[fam]++ == 0) first[fam] = printable(in);
  };
  const int kLen = 24;
  for (int c = 0; c < 256; ++c) {
    for (int k = 0; k < kLen; ++k) {
      {  // field value
        std::string v(kLen, 'a');
        v[k] = static_cast<char>(c);
        std::string s = "GET / HTTP/1.1\r\nHost: a\r\nX: " + v + "\r\n\r\n";
        Outcome o = parse_whole(s, ParserLimits{});
        bool valid = ows(c) || vchar(c) || c >= 0x80;
        std::string want = v;
        if (ows(c) && k == 0) want = want.substr(1);
        if (ows(c) && k == kLen - 1) want.pop_back();
        note(0, valid ? o.r == ParseResult::kComplete && text(s, o.head.headers[1].value) == want
                      : o.r == ParseResult::kError && o.status == 400, s);
      }
      {  // request-target
        std::string t = "/" + std::string(kLen, 'a');
        t[k + 1] = static_cast<char>(c);
        std::string s = "GET " + t + " HTTP/1.1\r\nHost: a\r\n\r\n";
        Outcome o = parse_whole(s, ParserLimits{});
        note(1, vchar(c) ? o.r == ParseResult::kComplete && text(s, o.head.target) == t
                         : o.r == ParseResult::kError && o.status == 400, s);
      }
      {  // field name (a ':' just ends it early)
        std::string n = "X" + std::string(kLen, 'a');
        n[k + 1] = static_cast<char>(c);
        std::string s = "GET / HTTP/1.1\r\nHost: a\r\n" + n + ": v\r\n\r\n";
        Outcome o = parse_whole(s, ParserLimits{});
        bool valid = tchar(c) || c == ':';
        note(2, valid ? o.r == ParseResult::kComplete && text(s, o.head.headers[1].name) == n.substr(0, n.find(':'))
                      : o.r == ParseResult::kError && o.status == 400, s);
      }
      {  // Host value (OWS at either end is trimmed)
        std::string h(kLen, 'a');
        h[k] = static_cast<char>(c);
        std::string s = "GET / HTTP/1.1\r\nHost: " + h + "\r\n\r\n";
        Outcome o = parse_whole(s, ParserLimits{});
        bool valid = hostc(c) || (ows(c) && (k == 0 || k == kLen - 1));
        note(3, valid ? o.r == ParseResult::kComplete : o.r == ParseResult::kError && o.status == 400, s);
      }
    }
  }
  const char* fam[4] = {"field value", "request-target", "field name", "Host"};
  for (int i = 0; i < 4; ++i)
    report(bad[i] == 0, __FILE__, __LINE__, fam[i], std::to_string(bad[i]) + " mismatches, first: " + first[i]);
}

void test_limits() {
  // Field count.
  ParserLimits lim;
  lim.max_headers = 3;
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "A: 1", "B: 2"}), 0, lim);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "A: 1", "B: 2", "C: 3"}), 431, lim);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC", 431, lim);  // detected at once
  ParserLimits big;
  big.max_headers = 1000;  // clamped to kMaxHeaders
  std::vector<std::string> f{kH};
  for (uint32_t i = 1; i < kMaxHeaders; ++i) {
    std::string line = "X";  // (built stepwise: GCC 12 -O3 warns falsely on "X" + to_string)
    line += std::to_string(i);
    line += ": v";
    f.push_back(line);
  }
  {
    std::string s = req("GET / HTTP/1.1", f);
    Outcome o = parse_whole(s, big);
    CHECK(o.r == ParseResult::kComplete);
    CHECK_EQ(o.head.header_count, kMaxHeaders);
    CHECK_STR(text(s, o.head.headers[kMaxHeaders - 1].name), "X127");
  }
  f.push_back("Y: w");
  CHECK_EQ(parse_whole(req("GET / HTTP/1.1", f), big).status, 431);
  CHECK_EQ(parse_whole(req("GET / HTTP/1.1", f), ParserLimits{}).status, 431);

  // One field line: name, colon and value up to max_field_line bytes; one more
  // is 431, found before the line ends (in the name or in the value).
  ParserLimits fl;
  fl.max_field_line = 24;  // kH ("Host: example.com") fits
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "A: " + std::string(21, 'v')}), 0, fl);  // 24 bytes
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "A: " + std::string(22, 'v')}), 431, fl);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "A: " + std::string(20, 'v') + "  "}), 431, fl);  // OWS counts
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, std::string(25, 'N') + ": v"}), 431, fl);
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\nA: " + std::string(30, 'v'), 431, fl);  // detected at once
  EXPECT_PARSE("GET / HTTP/1.1\r\nHost: a\r\n" + std::string(30, 'N'), 431, fl);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "A: " + std::string(8189, 'v')}), 0);  // default 8192
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "A: " + std::string(8190, 'v')}), 431);

  // Request line length: exactly max is fine, one more is 414, found early.
  ParserLimits rl;
  rl.max_request_line = 32;
  std::string line32 = "GET /" + std::string(18, 'a') + " HTTP/1.1";  // 32 bytes
  CHECK_EQ(line32.size(), 32u);
  EXPECT_PARSE(req(line32, {kH}), 0, rl);
  std::string line33 = "GET /" + std::string(19, 'a') + " HTTP/1.1";
  EXPECT_PARSE(req(line33, {kH}), 414, rl);
  EXPECT_PARSE("\r\n\r\n" + req(line32, {kH}), 0, rl);  // leading empty lines do not count
  EXPECT_PARSE("GET /" + std::string(27, 'a'), 1, rl);   // 32 bytes, no CRLF yet
  EXPECT_PARSE("GET /" + std::string(28, 'a'), 414, rl);  // 33 bytes: no need to wait
  EXPECT_PARSE(std::string(33, 'G'), 414, rl);
  EXPECT_PARSE(std::string(32, 'G') + "\r\n", 400, rl);  // CR at the limit, but malformed
  EXPECT_PARSE("GET /" + std::string(27, 'a') + "\n", 400, rl);
  EXPECT_PARSE("GET /" + std::string(19, 'a') + " HTTP/1.11", 414, rl);
  EXPECT_PARSE("GET /" + std::string(16, 'a') + " HTTP/1.1x", 400, rl);

  // Head size: counted from the request line to the final CRLF inclusive.
  ParserLimits hl;
  hl.max_head_bytes = 128;
  std::string base = req("GET / HTTP/1.1", {kH, "X: "});
  std::string pad(128 - base.size(), 'v');
  std::string exact = req("GET / HTTP/1.1", {kH, "X: " + pad});
  CHECK_EQ(exact.size(), 128u);
  EXPECT_PARSE(exact, 0, hl);
  EXPECT_PARSE("\r\n" + exact, 0, hl);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, "X: v" + pad}), 431, hl);
  std::string endless = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'v');
  EXPECT_PARSE(endless.substr(0, 128), 1, hl);
  EXPECT_PARSE(endless.substr(0, 129), 431, hl);
  EXPECT_PARSE(endless, 431, hl);
  // The request-line limit wins only when it is the nearer one.
  ParserLimits both;
  both.max_head_bytes = 20;
  both.max_request_line = 64;
  EXPECT_PARSE("GET /" + std::string(40, 'a'), 431, both);
  both.max_request_line = 10;
  EXPECT_PARSE("GET /" + std::string(40, 'a'), 414, both);
}

void test_host() {
  EXPECT_PARSE(req("GET / HTTP/1.1", {}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Accept: */*"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {kH, kH}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host: a", "host: b"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.0", {"Host: a", "Host: a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host: a b"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host: a\tb"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host: a/b"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host: user@a"}), 400);
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Host: caf\xC3\xA9"}), 400);
  {
    std::string s = req("GET / HTTP/1.1", {"Accept: x", "hOsT:  [::1]:8080  "});
    Outcome o = EXPECT_PARSE(s, 0);
    CHECK(o.head.has_host);
    CHECK_STR(text(s, o.head.host), "[::1]:8080");
  }
  {
    Outcome o = EXPECT_PARSE(req("GET / HTTP/1.1", {"Host:"}), 0);  // empty Host is valid
    CHECK(o.head.has_host);
    CHECK_EQ(o.head.host.len, 0u);
  }
  {
    Outcome o = EXPECT_PARSE(req("GET / HTTP/1.0", {}), 0);
    CHECK(!o.head.has_host);
    CHECK(!o.head.keep_alive);
  }
  EXPECT_PARSE(req("GET / HTTP/1.1", {"Hostx: a"}), 400);
}

void test_content_length() {
  auto cl = [](const std::vector<std::string>& f, int st, int line) {
    std::vector<std::string> all{kH};
    all.insert(all.end(), f.begin(), f.end());
    return expect_parse(req("POST / HTTP/1.1", all), st, line);
  };
  Outcome o = cl({"Content-Length: 42"}, 0, __LINE__);
  CHECK(o.head.has_content_length);
  CHECK_EQ(o.head.content_length, 42u);
  CHECK_EQ(cl({"content-length: 0"}, 0, __LINE__).head.content_length, 0u);
  CHECK_EQ(cl({"Content-Length: 007"}, 0, __LINE__).head.content_length, 7u);
  // One value only: equal values as a list or repeated fields are refused too.
  cl({"Content-Length: 5, 5"}, 400, __LINE__);
  cl({"Content-Length: 5,5 ,\t5"}, 400, __LINE__);
  cl({"Content-Length: 5", "Content-Length: 5"}, 400, __LINE__);
  cl({"Content-Length: 0", "Content-Length: 0"}, 400, __LINE__);
  cl({"Content-Length: 5, 6"}, 400, __LINE__);
  cl({"Content-Length: 5", "Content-Length: 6"}, 400, __LINE__);
  cl({"Content-Length: 5,"}, 400, __LINE__);
  cl({"Content-Length: ,5"}, 400, __LINE__);
  cl({"Content-Length: 5,,5"}, 400, __LINE__);
  cl({"Content-Length:"}, 400, __LINE__);
  cl({"Content-Length: -1"}, 400, __LINE__);
  cl({"Content-Length: +1"}, 400, __LINE__);
  cl({"Content-Length: 1 2"}, 400, __LINE__);
  cl({"Content-Length: 0x10"}, 400, __LINE__);
  cl({"Content-Length: 1.0"}, 400, __LINE__);
  cl({"Content-Length: 1e3"}, 400, __LINE__);
  cl({"Content-Length: \"1\""}, 400, __LINE__);
  cl({"Content-Length: 99999999999999999999999"}, 400, __LINE__);
  cl({"Content-Length: 18446744073709551616"}, 400, __LINE__);
  cl({"Content-Length: 9007199254740993"}, 400, __LINE__);  // 2^53 + 1
  ParserLimits huge;
  huge.max_body = ~uint64_t{0};
  Outcome m = expect_parse(req("POST / HTTP/1.1", {kH, "Content-Length: 9007199254740992"}), 0, __LINE__, huge);
  CHECK_EQ(m.head.content_length, uint64_t{1} << 53);
  Outcome z = expect_parse(req("POST / HTTP/1.1", {kH, "Content-Length: 0000000000000000000000001"}), 0,
                           __LINE__, huge);
  CHECK_EQ(z.head.content_length, 1u);
  // Body size policy.
  ParserLimits small;
  small.max_body = 100;
  EXPECT_PARSE(req("POST / HTTP/1.1", {kH, "Content-Length: 100"}), 0, small);
  EXPECT_PARSE(req("POST / HTTP/1.1", {kH, "Content-Length: 101"}), 413, small);
  EXPECT_PARSE(req("POST / HTTP/1.1", {kH, "Content-Length: 1048577"}), 413);
  EXPECT_PARSE(req("POST / HTTP/1.1", {kH, "Content-Length: 1048576"}), 0);
  // A malformed field later in the head still wins over 413 (400 is checked first).
  EXPECT_PARSE(req("POST / HTTP/1.1", {kH, "Content-Length: 101", "Content-Length: 102"}), 400, small);
}

void test_transfer_encoding() {
  auto te = [](const std::vector<std::string>& f, int st, int line, const char* version = "HTTP/1.1") {
    std::vector<std::string> all{kH};
    all.insert(all.end(), f.begin(), f.end());
    return expect_parse(req(std::string("POST / ") + version, all), st, line);
  };
  CHECK(te({"Transfer-Encoding: chunked"}, 0, __LINE__).head.chunked);
  CHECK(te({"transfer-encoding: CHUNKED"}, 0, __LINE__).head.chunked);
  CHECK(te({"Transfer-Encoding: , chunked ,"}, 0, __LINE__).head.chunked);
  CHECK(!te({"Transfer-Encoding: chunked"}, 0, __LINE__).head.has_content_length);
  te({"Transfer-Encoding: gzip, chunked"}, 501, __LINE__);
  te({"Transfer-Encoding: gzip", "Transfer-Encoding: chunked"}, 501, __LINE__);
  te({"Transfer-Encoding: x-custom;q=\"a,b\", chunked"}, 501, __LINE__);
  te({"Transfer-Encoding: chunked, gzip"}, 400, __LINE__);
  te({"Transfer-Encoding: chunked", "Transfer-Encoding: gzip"}, 400, __LINE__);
  te({"Transfer-Encoding: gzip"}, 400, __LINE__);  // chunked not final: length unknown
  te({"Transfer-Encoding: chunked, chunked"}, 400, __LINE__);
  te({"Transfer-Encoding: chunked", "Transfer-Encoding: chunked"}, 400, __LINE__);
  te({"Transfer-Encoding:"}, 400, __LINE__);
  te({"Transfer-Encoding: chunked;x=1"}, 400, __LINE__);
  te({"Transfer-Encoding: chunked x"}, 400, __LINE__);
  te({"Transfer-Encoding: \"chunked\""}, 400, __LINE__);
  te({"Transfer-Encoding: gzip;q=\"open, chunked"}, 400, __LINE__);
  te({"Transfer-Encoding: chunked", "Content-Length: 5"}, 400, __LINE__);
  te({"Content-Length: 5", "Transfer-Encoding: chunked"}, 400, __LINE__);
  te({"Transfer-Encoding: chunked"}, 400, __LINE__, "HTTP/1.0");
  te({"Transfer-Encoding: chunked", "Content-Length: 5"}, 400, __LINE__, "HTTP/1.0");
  ParserLimits small;
  small.max_body = 1;
  // Chunked bodies are sized by the decoder, not here.
  EXPECT_PARSE(req("POST / HTTP/1.1", {kH, "Transfer-Encoding: chunked"}), 0, small);
}

void test_connection_expect() {
  auto h = [](const char* version, const std::vector<std::string>& f) {
    std::vector<std::string> all{kH};
    all.insert(all.end(), f.begin(), f.end());
    return req(std::string("GET / ") + version, all);
  };
  CHECK(EXPECT_PARSE(h("HTTP/1.1", {}), 0).head.keep_alive);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Connection: close"}), 0).head.keep_alive);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Connection: CLOSE"}), 0).head.keep_alive);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Connection: foo, Close"}), 0).head.keep_alive);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Connection: keep-alive", "Connection: close"}), 0).head.keep_alive);
  CHECK(EXPECT_PARSE(h("HTTP/1.1", {"Connection: closed"}), 0).head.keep_alive);
  CHECK(!EXPECT_PARSE(h("HTTP/1.0", {}), 0).head.keep_alive);
  CHECK(EXPECT_PARSE(h("HTTP/1.0", {"Connection: Keep-Alive"}), 0).head.keep_alive);
  CHECK(EXPECT_PARSE(h("HTTP/1.0", {"Connection: x ,keep-alive , y"}), 0).head.keep_alive);
  CHECK(!EXPECT_PARSE(h("HTTP/1.0", {"Connection: keep-alive, close"}), 0).head.keep_alive);
  CHECK(EXPECT_PARSE(h("HTTP/1.1", {"Connection: Upgrade", "Upgrade: websocket"}), 0).head.upgrade);
  CHECK(EXPECT_PARSE(h("HTTP/1.1", {"Upgrade: h2c", "Connection: keep-alive,upgrade"}), 0).head.upgrade);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Connection: upgrade"}), 0).head.upgrade);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Upgrade: websocket"}), 0).head.upgrade);
  CHECK(EXPECT_PARSE(h("HTTP/1.1", {"Expect: 100-continue"}), 0).head.expect_continue);
  CHECK(EXPECT_PARSE(h("HTTP/1.1", {"expect: 100-Continue"}), 0).head.expect_continue);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Expect: something-else"}), 0).head.expect_continue);
  CHECK(!EXPECT_PARSE(h("HTTP/1.1", {"Expect: 100-continued"}), 0).head.expect_continue);
  CHECK(!EXPECT_PARSE(h("HTTP/1.0", {"Expect: 100-continue"}), 0).head.expect_continue);
}

void test_lifecycle() {
  std::string a = req("POST /a HTTP/1.1", {kH, "Content-Length: 3", "Connection: close"});
  std::string b = req("GET /b HTTP/1.0", {});
  RequestParser p;
  CHECK(p.parse(a.data(), 10) == ParseResult::kNeedMore);
  CHECK(p.parse(a.data(), 10) == ParseResult::kNeedMore);  // no new bytes
  CHECK(p.parse(a.data(), 4) == ParseResult::kNeedMore);   // never reads below its position
  CHECK(p.parse(a.data(), a.size()) == ParseResult::kComplete);
  CHECK(p.parse(a.data(), a.size()) == ParseResult::kComplete);  // stays complete
  CHECK(p.head().has_content_length);
  CHECK(!p.head().keep_alive);
  p.reset();
  CHECK(p.parse(b.data(), b.size()) == ParseResult::kComplete);
  CHECK(p.head().method == Method::kGet);
  CHECK_EQ(p.head().header_count, 0u);
  CHECK(!p.head().has_content_length);
  CHECK(!p.head().keep_alive);
  CHECK_EQ(p.head().version_minor, 0);
  CHECK_STR(text(b, p.head().path), "/b");
  p.reset();
  std::string bad = "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n";
  CHECK(p.parse(bad.data(), bad.size()) == ParseResult::kError);
  CHECK_EQ(p.error_status(), 400);
  CHECK(std::strlen(p.error_reason()) > 0);
  CHECK(p.parse(bad.data(), bad.size()) == ParseResult::kError);  // stays failed
  p.reset();
  CHECK_EQ(p.error_status(), 0);
  CHECK(p.parse(a.data(), a.size()) == ParseResult::kComplete);
  // set_limits applies from the next request.
  ParserLimits l;
  l.max_headers = 1;
  p.set_limits(l);
  p.reset();
  CHECK(p.parse(a.data(), a.size()) == ParseResult::kError);
  CHECK_EQ(p.error_status(), 431);
}

// ------------------------------------------------------------------ body ---

struct BodyOutcome {
  BodyResult r = BodyResult::kNeedMore;
  uint16_t status = 0;
  std::string data;
  size_t consumed = 0;  // total bytes of the input used
  uint64_t received = 0;
};

// Simulates the caller: bytes arrive up to each cut; the unconsumed tail is
// kept and passed again (fresh exact-size buffer) with the new bytes.
BodyOutcome run_body(const std::string& in, const std::vector<size_t>& cuts, bool chunked, uint64_t n,
                     uint32_t max_trailer, uint32_t max_spans) {
  BodyDecoder d;
  if (chunked) d.start_chunked(n, max_trailer);
  else d.start_length(n);
  BodyOutcome o;
  std::string pending;
  size_t arrived = 0;
  std::vector<BodySpan> spans(max_spans + 1);
  for (size_t cut : cuts) {
    pending.append(in, arrived, cut - arrived);
    arrived = cut;
    for (;;) {
      auto b = copy_prefix(pending, pending.size());
      uint32_t ns = 0;
      size_t used = 0;
      o.r = d.decode(b.get(), pending.size(), spans.data(), max_spans, &ns, &used);
      for (uint32_t i = 0; i < ns; ++i) {
        if (spans[i].off + uint64_t{spans[i].len} > used) o.data += "<SPAN OUT OF RANGE>";
        else o.data.append(b.get() + spans[i].off, spans[i].len);
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

bool same_body(const BodyOutcome& a, const BodyOutcome& b) {
  return a.r == b.r && a.status == b.status && a.data == b.data && a.consumed == b.consumed &&
         a.received == b.received;
}

std::string describe(const BodyOutcome& o) {
  return "r=" + std::to_string(static_cast<int>(o.r)) + " status=" + std::to_string(o.status) +
         " consumed=" + std::to_string(o.consumed) + " data=\"" + printable(o.data) + "\"";
}

// status 0 = kDone, 1 = kNeedMore, else kError with it. Checks every split.
BodyOutcome expect_body(const std::string& in, int status, const std::string& data, int line, bool chunked = true,
                        uint64_t n = 1 << 20, uint32_t max_trailer = 8192) {
  BodyOutcome whole = run_body(in, {in.size()}, chunked, n, max_trailer, 64);
  bool ok = status == 0   ? whole.r == BodyResult::kDone
            : status == 1 ? whole.r == BodyResult::kNeedMore
                          : whole.r == BodyResult::kError && whole.status == status;
  if (status == 0 || status == 1) ok = ok && whole.data == data;
  report(ok, __FILE__, line, "expect_body",
         "want " + std::to_string(status) + " \"" + printable(data) + "\" got " + describe(whole) +
             " input=" + printable(in));
  std::vector<size_t> bytewise;
  for (size_t i = 0; i <= in.size(); ++i) bytewise.push_back(i);
  BodyOutcome bw = run_body(in, bytewise, chunked, n, max_trailer, 64);
  report(same_body(whole, bw), __FILE__, line, "body byte-at-a-time == whole", describe(bw) + " vs " + describe(whole));
  BodyOutcome one = run_body(in, {in.size()}, chunked, n, max_trailer, 1);  // span array of one
  report(same_body(whole, one), __FILE__, line, "body max_spans=1 == whole", describe(one) + " vs " + describe(whole));
  for (size_t k = 0; k <= in.size(); ++k) {
    BodyOutcome t = run_body(in, {k, in.size()}, chunked, n, max_trailer, k % 3 == 0 ? 1 : 64);
    if (!same_body(whole, t)) {
      report(false, __FILE__, line, "body two-part split == whole",
             "k=" + std::to_string(k) + " " + describe(t) + " vs " + describe(whole));
      return whole;
    }
  }
  report(true, __FILE__, line, "", "");
  return whole;
}

#define EXPECT_BODY(in, st, data, ...) expect_body((in), (st), (data), __LINE__, ##__VA_ARGS__)

void test_body_length() {
  BodyOutcome a = EXPECT_BODY("hello world", 0, "hello", false, 5);
  CHECK_EQ(a.consumed, 5u);  // the rest belongs to the next request
  CHECK_EQ(a.received, 5u);
  EXPECT_BODY("", 0, "", false, 0);
  EXPECT_BODY("abc", 0, "", false, 0);
  EXPECT_BODY("abc", 1, "abc", false, 10);
  EXPECT_BODY("0123456789", 0, "0123456789", false, 10);
  BodyDecoder d;
  d.start_length(0);
  uint32_t ns = 9;
  size_t used = 9;
  BodySpan sp[1];
  CHECK(d.decode("x", 1, sp, 1, &ns, &used) == BodyResult::kDone);
  CHECK_EQ(ns, 0u);
  CHECK_EQ(used, 0u);
  CHECK(!d.chunked());
  d.start_length(4);
  CHECK(d.decode("abcdef", 6, sp, 0, &ns, &used) == BodyResult::kNeedMore);  // no room for a span
  CHECK_EQ(used, 0u);
  CHECK(d.decode("abcdef", 6, sp, 1, &ns, &used) == BodyResult::kDone);
  CHECK_EQ(ns, 1u);
  CHECK_EQ(sp[0].off, 0u);
  CHECK_EQ(sp[0].len, 4u);
  CHECK_EQ(used, 4u);
}

void test_body_chunked() {
  BodyOutcome a = EXPECT_BODY("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 0, "hello world");
  CHECK_EQ(a.consumed, 26u);
  CHECK_EQ(a.received, 11u);
  EXPECT_BODY("0\r\n\r\n", 0, "");
  EXPECT_BODY("000\r\n\r\n", 0, "");
  EXPECT_BODY("A\r\n0123456789\r\n0\r\n\r\n", 0, "0123456789");
  EXPECT_BODY("a\r\n0123456789\r\n0\r\n\r\n", 0, "0123456789");
  EXPECT_BODY("00000000000000000000003\r\nabc\r\n0\r\n\r\n", 0, "abc");  // leading zeros
  EXPECT_BODY("1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n", 0, "abc");
  // Extensions.
  EXPECT_BODY("3;foo\r\nabc\r\n0\r\n\r\n", 0, "abc");
  EXPECT_BODY("3;foo=bar\r\nabc\r\n0;last\r\n\r\n", 0, "abc");
  EXPECT_BODY("3 ; foo = bar ; baz\r\nabc\r\n0\r\n\r\n", 0, "abc");
  EXPECT_BODY("3;foo=\"a b;c=\\\"d\\\"\"\r\nabc\r\n0\r\n\r\n", 0, "abc");
  EXPECT_BODY("3;q=\"\xC3\xA9\"\r\nabc\r\n0\r\n\r\n", 0, "abc");
  EXPECT_BODY("3;a;b=1;c=\"x\"\r\nabc\r\n0\r\n\r\n", 0, "abc");
  // Trailers (validated, discarded).
  EXPECT_BODY("3\r\nabc\r\n0\r\nX-Sum: 123\r\nX-B:\t v \r\n\r\nNEXT", 0, "abc");
  // Partial input.
  EXPECT_BODY("5\r\nhel", 1, "hel");
  EXPECT_BODY("5\r\nhello\r", 1, "hello");
  EXPECT_BODY("5\r\nhello\r\n0\r\nX: y", 1, "hello");
  EXPECT_BODY("", 1, "");
  // Malformed chunk-size lines.
  EXPECT_BODY("\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("g\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("0x3\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("-3\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY(" 3\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3 \r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3\rabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;=x\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;a=\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;a=\"x\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;a=\"x\ny\"\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;a\nb\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;a=b c\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;a=\"b\"c\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY("3;a(b)\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY(bin("3;a=b\0\r\nabc\r\n0\r\n\r\n"), 400, "");
  EXPECT_BODY("11111111111111111\r\n", 400, "");  // 17 significant digits
  // 16 digits parse; the body limit then refuses the size before any data.
  EXPECT_BODY("FFFFFFFFFFFFFFFF\r\n", 413, "", true, ~uint64_t{0} - 1);
  EXPECT_BODY("7FFFFFFFFFFFFFFF\r\nab", 1, "ab", true, ~uint64_t{0});
  // Extension line too long (4096 bytes per chunk-size line).
  EXPECT_BODY("3;x=" + std::string(4091, 'a') + "\r\nabc\r\n0\r\n\r\n", 0, "abc");
  EXPECT_BODY("3;x=" + std::string(4092, 'a') + "\r\nabc\r\n0\r\n\r\n", 400, "");
  EXPECT_BODY(std::string(5000, '0'), 400, "");
  // Framing after data.
  EXPECT_BODY("3\r\nabcd\r\n0\r\n\r\n", 400, "abc");
  EXPECT_BODY("3\r\nabc\n0\r\n\r\n", 400, "abc");
  EXPECT_BODY("3\r\nabc\r0\r\n\r\n", 400, "abc");
  EXPECT_BODY("3\r\nabc0\r\n\r\n", 400, "abc");
  // Trailers.
  EXPECT_BODY("0\r\n X: y\r\n\r\n", 400, "");        // obs-fold
  EXPECT_BODY("0\r\nX : y\r\n\r\n", 400, "");
  EXPECT_BODY("0\r\nNoColon\r\n\r\n", 400, "");
  EXPECT_BODY("0\r\n: y\r\n\r\n", 400, "");
  EXPECT_BODY("0\r\nX: a\x01\r\n\r\n", 400, "");
  EXPECT_BODY("0\r\nX: a\n\r\n", 400, "");
  EXPECT_BODY("0\r\nX: a\r\n\n", 400, "");
  EXPECT_BODY("0\r\n\n", 400, "");
  EXPECT_BODY("0\r\n\r\r", 400, "");
  EXPECT_BODY("0\r\nX: " + std::string(100, 'v') + "\r\n\r\n", 0, "", true, 1 << 20, 105);
  EXPECT_BODY("0\r\nX: " + std::string(100, 'v') + "\r\n\r\n", 431, "", true, 1 << 20, 104);
  // Body size limit (checked when each chunk size is known).
  EXPECT_BODY("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 0, "helloworld", true, 10);
  EXPECT_BODY("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", 413, "hello", true, 10);
  EXPECT_BODY("B\r\nhello world\r\n0\r\n\r\n", 413, "", true, 10);
  EXPECT_BODY("1\r\nx\r\n0\r\n\r\n", 413, "", true, 0);
  EXPECT_BODY("0\r\n\r\n", 0, "", true, 0);

  BodyDecoder d;
  d.start_chunked(100);
  CHECK(d.chunked());
  uint32_t ns = 0;
  size_t used = 0;
  BodySpan sp[4];
  std::string in = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  CHECK(d.decode(in.data(), in.size(), sp, 4, &ns, &used) == BodyResult::kDone);
  CHECK_EQ(ns, 2u);
  CHECK_EQ(sp[0].off, 3u);
  CHECK_EQ(sp[0].len, 3u);
  CHECK_EQ(sp[1].off, 11u);
  CHECK_EQ(sp[1].len, 2u);
  CHECK_EQ(used, in.size());
  CHECK_EQ(d.received(), 5u);
  CHECK(d.decode(in.data(), in.size(), sp, 4, &ns, &used) == BodyResult::kDone);  // stays done
  CHECK_EQ(used, 0u);
  d.start_chunked(100);
  std::string bad = "z\r\n";
  CHECK(d.decode(bad.data(), bad.size(), sp, 4, &ns, &used) == BodyResult::kError);
  CHECK_EQ(d.error_status(), 400);
  CHECK(d.decode(in.data(), in.size(), sp, 4, &ns, &used) == BodyResult::kError);
  // Span array full: stops early, the rest is passed again.
  d.start_chunked(100);
  CHECK(d.decode(in.data(), in.size(), sp, 1, &ns, &used) == BodyResult::kNeedMore);
  CHECK_EQ(ns, 1u);
  CHECK_EQ(used, 11u);  // framing up to the next data is consumed
  CHECK(d.decode(in.data() + used, in.size() - used, sp, 1, &ns, &used) == BodyResult::kDone);
  CHECK_EQ(ns, 1u);
  CHECK_EQ(sp[0].off, 0u);
  CHECK_EQ(sp[0].len, 2u);
}

// ------------------------------------------------------------------ fuzz ---

// Deterministic mutation fuzzing of split invariance: random edits of valid
// messages (mostly becoming invalid ones), under default and tiny limits, must
// give the same outcome whole, byte by byte and at random cut points.
struct Rng {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
  uint32_t below(uint32_t n) { return next() % n; }
};

std::string mutate(Rng& rng, std::string s) {
  static const char kAlphabet[] = "\r\n\r\n :\t,;=\"\\/?*aZ09fF-.H1%@\x7F\x80\xFF";
  int edits = 1 + static_cast<int>(rng.below(3));
  for (int i = 0; i < edits; ++i) {
    size_t pos = s.empty() ? 0 : rng.below(static_cast<uint32_t>(s.size()));
    char c = rng.below(4) == 0 ? static_cast<char>(rng.below(256))
                               : kAlphabet[rng.below(sizeof kAlphabet - 1)];
    switch (rng.below(3)) {
      case 0:
        if (!s.empty()) s[pos] = c;
        break;
      case 1:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c);
        break;
      default:
        if (!s.empty()) s.erase(pos, 1);
        break;
    }
  }
  return s;
}

void test_fuzz_parser() {
  const std::vector<std::string> corpus = {
      req("GET /a/b?c=d HTTP/1.1", {kH, "Accept: */*", "Connection: keep-alive"}),
      req("POST /upload HTTP/1.1", {kH, "Content-Length: 12, 12", "Expect: 100-continue"}),
      req("PUT http://example.com:8080/x?y HTTP/1.1", {kH, "Transfer-Encoding: gzip , chunked"}),
      req("OPTIONS * HTTP/1.0", {"Connection: Keep-Alive, Upgrade", "Upgrade: websocket"}),
      req("CONNECT example.com:443 HTTP/1.1", {kH}),
      "\r\n" + req("GET / HTTP/1.1", {"Host: [::1]:80", "X:  \t v \t "}),
  };
  Rng rng{12345};
  int mismatches = 0;
  std::string first;
  const int kCases = 4000;
  for (int i = 0; i < kCases; ++i) {
    std::string s = mutate(rng, corpus[rng.below(static_cast<uint32_t>(corpus.size()))]);
    ParserLimits lim;
    if (rng.below(3) == 0) {
      lim.max_request_line = 8 + rng.below(40);
      lim.max_head_bytes = 16 + rng.below(100);
      lim.max_headers = rng.below(4);
      lim.max_body = rng.below(20);
    }
    Outcome whole = parse_whole(s, lim);
    bool ok = true;
    {
      RequestParser p(lim);
      ParseResult r = ParseResult::kNeedMore;
      for (size_t n = 0; n <= s.size() && r == ParseResult::kNeedMore; ++n) {
        auto b = copy_prefix(s, n);
        r = p.parse(b.get(), n);
      }
      ok = ok && same(whole, snapshot(p, r));
    }
    for (int t = 0; t < 3 && ok; ++t) {
      size_t k1 = rng.below(static_cast<uint32_t>(s.size() + 1));
      size_t k2 = k1 + rng.below(static_cast<uint32_t>(s.size() - k1 + 1));
      RequestParser p(lim);
      ParseResult r = ParseResult::kNeedMore;
      for (size_t n : {k1, k2, s.size()}) {
        if (r != ParseResult::kNeedMore) break;
        auto b = copy_prefix(s, n);
        r = p.parse(b.get(), n);
      }
      ok = same(whole, snapshot(p, r));
    }
    if (!ok && mismatches++ == 0) first = printable(s);
  }
  report(mismatches == 0, __FILE__, __LINE__, "parser fuzz: split invariance",
         std::to_string(mismatches) + " of " + std::to_string(kCases) + ", first: " + first);
}

void test_fuzz_body() {
  const std::vector<std::string> corpus = {
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      "3;a=b;c=\"x;y\\\"z\"\r\nabc\r\n00\r\nTrailer: v\r\nX-2:\r\n\r\nNEXT",
      "A \t; ext\r\n0123456789\r\n1\r\nz\r\n0\r\n\r\n",
  };
  Rng rng{999};
  int mismatches = 0;
  std::string first;
  const int kCases = 4000;
  for (int i = 0; i < kCases; ++i) {
    std::string s = mutate(rng, corpus[rng.below(static_cast<uint32_t>(corpus.size()))]);
    uint64_t max_body = rng.below(2) ? 1 << 20 : rng.below(24);
    uint32_t max_trailer = rng.below(2) ? 8192 : rng.below(20);
    BodyOutcome whole = run_body(s, {s.size()}, true, max_body, max_trailer, 64);
    std::vector<size_t> bytewise;
    for (size_t n = 0; n <= s.size(); ++n) bytewise.push_back(n);
    bool ok = same_body(whole, run_body(s, bytewise, true, max_body, max_trailer, 1 + rng.below(3)));
    for (int t = 0; t < 3 && ok; ++t) {
      size_t k1 = rng.below(static_cast<uint32_t>(s.size() + 1));
      size_t k2 = k1 + rng.below(static_cast<uint32_t>(s.size() - k1 + 1));
      ok = same_body(whole, run_body(s, {k1, k2, s.size()}, true, max_body, max_trailer, 1 + rng.below(3)));
    }
    if (!ok && mismatches++ == 0) first = printable(s);
  }
  report(mismatches == 0, __FILE__, __LINE__, "body fuzz: split invariance",
         std::to_string(mismatches) + " of " + std::to_string(kCases) + ", first: " + first);
}

// -------------------------------------------------------------- throughput ---

void bench() {
  const std::string s =
      "GET /assets/js/app.bundle.js?v=20240611 HTTP/1.1\r\n"
      "Host: www.example.com\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/125.0 Safari/537.36\r\n"
      "Accept: */*\r\n"
      "Accept-Language: en-US,en;q=0.9\r\n"
      "Accept-Encoding: gzip, deflate, br\r\n"
      "Referer: https://www.example.com/\r\n"
      "Connection: keep-alive\r\n"
      "\r\n";
  RequestParser p;
  const int kIters = 1000000;
  uint64_t sink = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kIters; ++i) {
    p.reset();
    ParseResult r = p.parse(s.data(), s.size());
    sink += static_cast<uint64_t>(r) + p.head().head_len + p.head().header_count;
  }
  auto t1 = std::chrono::steady_clock::now();
  double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / kIters;
  CHECK_EQ(sink, static_cast<uint64_t>(kIters) * (1 + s.size() + 7));
  std::printf("parser_test: %zu-byte request: %.1f ns/parse (%.2f GB/s)\n", s.size(), ns, s.size() / ns);
}

}  // namespace

int main() {
  test_basic();
  test_leading_empty_lines();
  test_methods();
  test_request_line_syntax();
  test_target_forms();
  test_version();
  test_line_endings();
  test_fields();
  test_byte_classes();
  test_limits();
  test_host();
  test_content_length();
  test_transfer_encoding();
  test_connection_expect();
  test_lifecycle();
  test_body_length();
  test_body_chunked();
  test_fuzz_parser();
  test_fuzz_body();
  bench();
  std::printf("parser_test: %d passed, %d failed\n", g_pass, g_fail);
  return g_fail == 0 ? 0 : 1;
}
