// brigade-test-sources: native/static/safe_path.cc native/static/http_date.cc native/static/conditional.cc native/static/response_head.cc native/static/file_cache.cc native/static/accept_encoding.cc
// The native static fast path's pure parts: URL-path mapping (against the
// decisions of src/static/safe-path.ts), IMF-fixdate formatting and strict
// parsing, preconditions and single ranges (against conditional.ts/fresh and
// byterange.ts), the head builder's exact bytes, and the open-file cache's
// confinement, revalidation and eviction on a temporary directory.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "static/accept_encoding.h"
#include "static/conditional.h"
#include "static/file_cache.h"
#include "static/http_date.h"
#include "static/response_head.h"
#include "static/safe_path.h"
#include "tests/check.h"

using namespace brigade::statics;

namespace {

std::string mapped(const char* raw, Dotfiles d = Dotfiles::kIgnore) {
  std::string rel;
  return map_safe_path(raw, d, &rel) ? rel : std::string("<js>");
}

void test_safe_path() {
  CHECK(mapped("/a.txt") == "a.txt");
  CHECK(mapped("/sub/x.json") == "sub/x.json");
  CHECK(mapped("//sub///x.json") == "sub/x.json");
  CHECK(mapped("/sub/./x.json") == "sub/x.json");
  CHECK(mapped("/sub/../a.txt") == "a.txt");
  CHECK(mapped("/sp%20ace.txt") == "sp ace.txt");
  CHECK(mapped("/%61.txt") == "a.txt");
  CHECK(mapped("/%252e") == "%2e");          // decoded once only
  CHECK(mapped("/a%2fb") == "a/b");          // %2f is a separator after decoding
  // Everything the TypeScript handler answers itself goes to JS.
  CHECK(mapped("/") == "<js>");              // the root directory
  CHECK(mapped("/sub/") == "<js>");          // trailing slash: index / listing
  CHECK(mapped("/sub/.") == "<js>");
  CHECK(mapped("/sub/x/..") == "<js>");
  CHECK(mapped("/../etc/passwd") == "<js>");  // 403
  CHECK(mapped("/%2e%2e/x") == "<js>");
  CHECK(mapped("/sub/..%2f..%2fx") == "<js>");
  CHECK(mapped("/a%00.txt") == "<js>");       // NUL: 400
  CHECK(mapped("/a%zz") == "<js>");           // malformed escape: 400
  CHECK(mapped("/a%2") == "<js>");
  CHECK(mapped("/a%") == "<js>");
  CHECK(mapped("/a%5cb") == "<js>");          // backslash: 400
  CHECK(mapped("/a\\b") == "<js>");
  CHECK(mapped("/%C3%A9.txt") == "<js>");     // UTF-8: JS decodes it
  CHECK(mapped("/\xc3\xa9.txt") == "<js>");
  CHECK(mapped("/a%01") == "<js>");
  CHECK(mapped("/.hidden") == "<js>");
  CHECK(mapped("/.hidden", Dotfiles::kDeny) == "<js>");
  CHECK(mapped("/.hidden", Dotfiles::kAllow) == ".hidden");
  CHECK(mapped("/.git/config", Dotfiles::kAllow) == ".git/config");
  CHECK(mapped("/a/.git/config") == "<js>");

  std::string ext;
  CHECK(extension_of("a/b.TXT", &ext) == "txt");
  CHECK(extension_of("a/.profile", &ext).empty());
  CHECK(extension_of("a.b/noext", &ext).empty());
  CHECK(extension_of("x.tar.gz", &ext) == "gz");
  CHECK(extension_of("a/..foo", &ext) == "foo");  // path.extname('..foo') === '.foo'
  CHECK(extension_of("name.", &ext).empty());
}

void test_http_date() {
  CHECK(format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(format_http_date(784111777000) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(format_http_date(1709618828123) == "Tue, 05 Mar 2024 06:07:08 GMT");
  CHECK(format_http_date(951782400000) == "Tue, 29 Feb 2000 00:00:00 GMT");
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777000);
  CHECK(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT") == 784111777000);  // weekday not checked (as V8)
  CHECK(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT") == 951782400000);
  CHECK(!parse_http_date("Tue, 29 Feb 2001 00:00:00 GMT"));
  CHECK(!parse_http_date("Sun, 06 Nov 1994 24:00:00 GMT"));
  CHECK(!parse_http_date("Sun, 06 Nov 1994 08:49:60 GMT"));
  CHECK(!parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"));
  CHECK(!parse_http_date("sun, 06 nov 1994 08:49:37 gmt"));
  CHECK(!parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  CHECK(!parse_http_date("2030-01-01"));
  CHECK(!parse_http_date(""));
  for (int64_t ms : {0LL, 86399000LL, 1709618828000LL, 4102444799000LL}) CHECK(parse_http_date(format_http_date(ms)) == ms);
}

ConditionalHeaders none() { return ConditionalHeaders{}; }

void test_preconditions() {
  const Validators v = make_validators(1024, 1709618828123);
  CHECK(v.etag == "W/\"400-18e0d39135b\"");
  CHECK(v.last_modified == "Tue, 05 Mar 2024 06:07:08 GMT");
  CHECK(v.last_modified_ms == 1709618828000);
  const std::string lm = v.last_modified;
  const std::string strong = v.etag.substr(2);

  ConditionalHeaders h = none();
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);
  h.if_none_match = v.etag;
  CHECK(evaluate_preconditions(h, v) == Precondition::kNotModified);
  h.if_none_match = strong;
  CHECK(evaluate_preconditions(h, v) == Precondition::kNotModified);
  std::string list = "\"x\", " + v.etag;
  h.if_none_match = list;
  CHECK(evaluate_preconditions(h, v) == Precondition::kNotModified);
  h.if_none_match = " * ";
  CHECK(evaluate_preconditions(h, v) == Precondition::kNotModified);
  h.if_none_match = "\"nope\"";
  h.if_modified_since = lm;  // not consulted when If-None-Match is there
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);
  h.if_none_match = "";
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);

  h = none();
  h.if_modified_since = lm;
  CHECK(evaluate_preconditions(h, v) == Precondition::kNotModified);
  h.if_modified_since = "Mon, 04 Mar 2024 06:07:08 GMT";
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);
  h.if_modified_since = "yesterday";
  CHECK(evaluate_preconditions(h, v) == Precondition::kDefer);
  h.if_modified_since = "";
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);

  h = none();
  h.if_match = "*";
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);
  h.if_match = v.etag;  // weak: strong comparison never matches
  CHECK(evaluate_preconditions(h, v) == Precondition::kFailed);
  h.if_match = "\"a\", *";
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);
  h.if_match = "\"a,*\"";
  CHECK(evaluate_preconditions(h, v) == Precondition::kFailed);
  h.if_match = "abc, *";  // tags() would fall back to comma splitting
  CHECK(evaluate_preconditions(h, v) == Precondition::kDefer);
  h.if_match = "";
  CHECK(evaluate_preconditions(h, v) == Precondition::kFailed);

  h = none();
  h.if_unmodified_since = "Mon, 04 Mar 2024 06:07:08 GMT";
  CHECK(evaluate_preconditions(h, v) == Precondition::kFailed);
  h.if_unmodified_since = lm;
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);
  h.if_match = "*";  // If-Match present: If-Unmodified-Since ignored
  h.if_unmodified_since = "Mon, 04 Mar 2024 06:07:08 GMT";
  CHECK(evaluate_preconditions(h, v) == Precondition::kNone);
}

RangePlan plan(const char* range, uint64_t size, const char* if_range = nullptr) {
  const Validators v = make_validators(size, 1709618828123);
  ConditionalHeaders h;
  h.range = range;
  if (if_range) h.if_range = if_range;
  return plan_range(h, v, size, 1709618828000 + 5000);
}

bool partial(const RangePlan& p, uint64_t first, uint64_t last) {
  return p.kind == RangePlan::kPartial && p.first == first && p.last == last;
}

void test_ranges() {
  CHECK(partial(plan("bytes=0-9", 100), 0, 9));
  CHECK(partial(plan("bytes=10-", 100), 10, 99));
  CHECK(partial(plan("bytes=-5", 100), 95, 99));
  CHECK(partial(plan("bytes=-100", 100), 0, 99));
  CHECK(partial(plan("bytes=-500", 100), 0, 99));
  CHECK(partial(plan("bytes=90-500", 100), 90, 99));
  CHECK(partial(plan("bytes=007-8", 100), 7, 8));
  CHECK(plan("bytes=100-", 100).kind == RangePlan::kUnsatisfiable);
  CHECK(plan("bytes=-0", 100).kind == RangePlan::kUnsatisfiable);
  CHECK(plan("bytes=9-2", 100).kind == RangePlan::kWhole);
  CHECK(plan("bytes=0-1,3-4", 100).kind == RangePlan::kDefer);
  CHECK(plan("bytes= 0-1", 100).kind == RangePlan::kDefer);
  CHECK(plan("Bytes=0-1", 100).kind == RangePlan::kDefer);
  CHECK(plan("items=0-1", 100).kind == RangePlan::kDefer);
  CHECK(plan("bytes=-", 100).kind == RangePlan::kDefer);
  CHECK(plan("bytes=0-1", 0).kind == RangePlan::kDefer);
  CHECK(plan("bytes=1234567890123456-", 100).kind == RangePlan::kDefer);
  // If-Range: the Last-Modified date allows the range, anything else sends it all.
  CHECK(partial(plan("bytes=0-9", 100, "Tue, 05 Mar 2024 06:07:08 GMT"), 0, 9));
  CHECK(plan("bytes=0-9", 100, "Mon, 04 Mar 2024 06:07:08 GMT").kind == RangePlan::kWhole);
  CHECK(plan("bytes=0-9", 100, "W/\"64-18e0d39135b\"").kind == RangePlan::kWhole);
  CHECK(plan("bytes=0-9", 100, "\"64-18e0d39135b\"").kind == RangePlan::kWhole);
  CHECK(plan("bytes=0-9", 100, "last tuesday").kind == RangePlan::kDefer);
}

void test_head_builder() {
  const Validators v = make_validators(1024, 1709618828123);
  HeadSpec s;
  s.validators = &v;
  s.cache_control = "public, max-age=0";
  s.content_type = "text/plain; charset=utf-8";
  s.size = 1024;
  s.date_line = "Date: Mon, 23 Nov 2026 21:00:00 GMT\r\n";
  const std::string common = "ETag: W/\"400-18e0d39135b\"\r\nLast-Modified: Tue, 05 Mar 2024 06:07:08 GMT\r\n"
                             "Cache-Control: public, max-age=0\r\n";
  const std::string date = "date: Mon, 23 Nov 2026 21:00:00 GMT\r\n";
  CHECK(build_head(s) == "HTTP/1.1 200 OK\r\n" + common +
                             "Content-Type: text/plain; charset=utf-8\r\nAccept-Ranges: bytes\r\n" + date +
                             "content-length: 1024\r\n\r\n");
  s.ranges = false;
  s.close = true;
  CHECK(build_head(s) == "HTTP/1.1 200 OK\r\n" + common +
                             "Content-Type: text/plain; charset=utf-8\r\nAccept-Ranges: none\r\n" + date +
                             "content-length: 1024\r\nconnection: close\r\n\r\n");
  s.ranges = true;
  s.close = false;
  s.http10 = true;
  s.status = 206;
  s.first = 10;
  s.last = 19;
  CHECK(build_head(s) == "HTTP/1.1 206 Partial Content\r\n" + common +
                             "Content-Type: text/plain; charset=utf-8\r\nAccept-Ranges: bytes\r\n"
                             "Content-Range: bytes 10-19/1024\r\n" + date +
                             "content-length: 10\r\nconnection: keep-alive\r\n\r\n");
  s.http10 = false;
  s.status = 416;
  CHECK(build_head(s) == "HTTP/1.1 416 Range Not Satisfiable\r\n" + common +
                             "Accept-Ranges: bytes\r\nContent-Range: bytes */1024\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n" + date +
                             "content-length: 22\r\n\r\nRange Not Satisfiable\n");
  s.status = 304;
  s.vary = true;
  s.coding = "br";
  CHECK(build_head(s) == "HTTP/1.1 304 Not Modified\r\nVary: Accept-Encoding\r\n" + common + date + "\r\n");
  s.status = 412;
  s.head_request = true;
  CHECK(build_head(s) == "HTTP/1.1 412 Precondition Failed\r\nVary: Accept-Encoding\r\n" + common +
                             "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n" + date +
                             "content-length: 19\r\n\r\n");
  s.status = 200;
  s.head_request = false;
  CHECK(build_head(s).find("Vary: Accept-Encoding\r\nContent-Encoding: br\r\nETag:") != std::string::npos);
}

// Expected values are what compress.ts negotiateEncoding(accept, ['br', 'gzip', 'identity']) returns.
std::string negotiated(const char* accept) {
  const std::vector<std::string_view> offered = {"br", "gzip", "identity"};
  const Negotiated n = negotiate_encoding(accept, offered);
  if (n.kind == Negotiated::kDefer) return "<js>";
  if (n.kind == Negotiated::kNone) return "<none>";
  return std::string(n.coding);
}

void test_accept_encoding() {
  CHECK(negotiated("") == "identity");
  CHECK(negotiated("gzip") == "gzip");
  CHECK(negotiated("gzip, br") == "br");
  CHECK(negotiated("br;q=0.5, gzip") == "gzip");
  CHECK(negotiated("gzip;q=0, br;q=0") == "identity");  // identity at min(q || 1) = 1
  CHECK(negotiated("*") == "br");
  CHECK(negotiated("*;q=0") == "<none>");
  CHECK(negotiated("identity;q=0, *;q=0") == "<none>");
  CHECK(negotiated("GZIP") == "gzip");
  CHECK(negotiated("gzip;q=0.5, identity;q=0.9") == "identity");
  CHECK(negotiated("gzip;q=1.000") == "gzip");
  CHECK(negotiated("deflate") == "identity");
  CHECK(negotiated("x-gzip") == "identity");
  CHECK(negotiated("gzip;q=0.001, br;q=0.002") == "br");
  CHECK(negotiated("gzip ; q=0.5") == "<js>");
  CHECK(negotiated("gzip;Q=0.5") == "<js>");
  CHECK(negotiated("gzip,,br") == "<js>");
  CHECK(negotiated("gzip,") == "<js>");
  CHECK(negotiated("gzip;q=2") == "<js>");
  CHECK(negotiated("gzip;q=0.0001") == "<js>");
  CHECK(negotiated("gzip;level=1") == "<js>");
}

void write_file(const std::string& p, const char* data) {
  FILE* f = std::fopen(p.c_str(), "w");
  if (!f) return;
  std::fputs(data, f);
  std::fclose(f);
}

void test_file_cache() {
  char tmpl[] = "/tmp/brigade-static-test-XXXXXX";
  char* dir = mkdtemp(tmpl);
  CHECK(dir != nullptr);
  if (!dir) return;
  const std::string root = std::string(dir) + "/root";
  const std::string out = std::string(dir) + "/out";
  mkdir(root.c_str(), 0755);
  mkdir(out.c_str(), 0755);
  mkdir((root + "/sub").c_str(), 0755);
  write_file(root + "/a.txt", "hello");
  write_file(out + "/secret", "outside");
  CHECK(symlink((out + "/secret").c_str(), (root + "/escape").c_str()) == 0);
  CHECK(symlink((root + "/a.txt").c_str(), (root + "/link").c_str()) == 0);

  FileCache cache(2, 1000);
  FileLookup a = cache.lookup("a", root, "a.txt", true, 0);
  CHECK(a.file != nullptr && a.st.st_size == 5);
  CHECK(!cache.lookup("e", root, "escape", true, 0).file);  // leaves the root
  CHECK(!cache.lookup("s", root, "sub", true, 0).file);     // a directory
  CHECK(!cache.lookup("m", root, "missing", true, 0).file);
  CHECK(cache.lookup("l", root, "link", true, 0).file != nullptr);
  CHECK(!cache.lookup("l2", root, "link", false, 0).file);  // no links by policy
  CHECK(cache.size() == 2);                                // bounded

  // Within the interval the binding is cached, but size comes from a fresh fstat.
  FileCache c2(8, 1000);
  FileLookup first = c2.lookup("a", root, "a.txt", true, 100);
  const uint64_t resolved = c2.resolutions();
  write_file(root + "/a.txt", "hello, longer");
  FileLookup again = c2.lookup("a", root, "a.txt", true, 500);
  CHECK(c2.resolutions() == resolved);
  CHECK(again.file == first.file && again.st.st_size == 13);
  // Replaced by another file: seen once the entry is revalidated.
  unlink((root + "/a.txt").c_str());
  write_file(root + "/a.txt", "new");
  CHECK(c2.lookup("a", root, "a.txt", true, 900).file == first.file);
  FileLookup later = c2.lookup("a", root, "a.txt", true, 1200);
  CHECK(c2.resolutions() == resolved + 1);
  CHECK(later.file != first.file && later.st.st_size == 3);
  // A descriptor stays usable while a holder (a FILE bucket) keeps it after eviction.
  FileCache tiny(1, 1000);
  FileLookup held = tiny.lookup("a", root, "a.txt", true, 0);
  tiny.lookup("l", root, "link", true, 0);
  CHECK(tiny.size() == 1);
  char buf[8] = {0};
  CHECK(held.file && pread(held.file->fd(), buf, 3, 0) == 3 && std::string(buf) == "new");

  // Entries unused for a minute are dropped as later lookups pass by.
  FileCache idle(8, 1000);
  idle.lookup("a", root, "a.txt", true, 1000);
  idle.lookup("l", root, "link", true, 30000);
  CHECK(idle.size() == 2);
  idle.lookup("l", root, "link", true, 62000);
  CHECK(idle.size() == 1);

  unlink((root + "/escape").c_str());
  unlink((root + "/link").c_str());
  unlink((root + "/a.txt").c_str());
  unlink((out + "/secret").c_str());
  rmdir((root + "/sub").c_str());
  rmdir(root.c_str());
  rmdir(out.c_str());
  rmdir(dir);
}

}  // namespace

int main() {
  test_safe_path();
  test_http_date();
  test_preconditions();
  test_ranges();
  test_head_builder();
  test_accept_encoding();
  test_file_cache();
  std::printf("static_test: %d passed, %d failed\n", brigade::test::passed, brigade::test::failures);
  return brigade::test::failures == 0 ? 0 : 1;
}
