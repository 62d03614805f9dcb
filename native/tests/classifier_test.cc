// brigade-test-sources: native/http/request_parser.cc native/http/request_classifier.cc
// RequestClassifier: method, path prefix, host, header rules on real parsed
// heads; first match wins; default class; what is left to TypeScript.
#include <cstdio>
#include <string>
#include <vector>

#include "http/request_classifier.h"
#include "http/request_parser.h"
#include "tests/check.h"

using brigade::http::ClassRule;
using brigade::http::Method;
using brigade::http::ParseResult;
using brigade::http::RequestClassifier;
using brigade::http::RequestParser;
using brigade::test::failures;
using brigade::test::passed;

namespace {

constexpr uint8_t kJs = RequestClassifier::kClassifyInJs;

// Parses one head and classifies it (255 also for a parse failure, checked separately).
uint8_t classify(const RequestClassifier& c, const std::string& head) {
  RequestParser p;
  if (p.parse(head.data(), head.size()) != ParseResult::kComplete) {
    std::fprintf(stderr, "head did not parse: %s\n", head.c_str());
    ++failures;
    return 254;
  }
  return c.classify(p.head(), head.data());
}

std::string req(const char* method, const char* target, const char* host, const char* extra = "") {
  return std::string(method) + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n";
}

ClassRule methods(std::initializer_list<Method> ms) {
  ClassRule r;
  for (Method m : ms) r.method_mask |= static_cast<uint16_t>(1u << static_cast<unsigned>(m));
  return r;
}
ClassRule prefix(const char* p) {
  ClassRule r;
  r.has_path_prefix = true;
  r.path_prefix = p;
  return r;
}
ClassRule host(const char* h) {
  ClassRule r;
  r.has_host = true;
  r.host = h;
  return r;
}
ClassRule header(const char* name, const char* value, bool js_only = false) {
  ClassRule r;
  r.has_header = true;
  r.header_name = name;
  r.header_value = value;
  r.js_only = js_only;
  return r;
}

void disabled_by_default() {
  RequestClassifier c;
  CHECK(!c.enabled());
  CHECK(classify(c, req("GET", "/", "a")) == kJs);
}

void each_rule_kind() {
  RequestClassifier c;
  std::vector<ClassRule> rules{methods({Method::kPost, Method::kPut}), prefix("/api/"), host("tenant.example"),
                               header("x-beta", "1")};
  ClassRule both = prefix("/both/");
  both.method_mask = methods({Method::kGet}).method_mask;
  rules.push_back(both);
  c.set(rules, 5);
  CHECK(c.enabled());
  CHECK(classify(c, req("POST", "/api/x", "a", "Content-Length: 0\r\n")) == 0);  // first match wins
  CHECK(classify(c, req("PUT", "/", "a", "Content-Length: 0\r\n")) == 0);
  CHECK(classify(c, req("GET", "/api/x?q=1", "a")) == 1);
  CHECK(classify(c, req("GET", "/apix", "a")) == 5);
  CHECK(classify(c, req("GET", "http://a/api/abs", "a")) == 1);  // absolute-form: its path part
  CHECK(classify(c, req("GET", "/", "TENANT.example:8080")) == 2);  // case, port
  CHECK(classify(c, req("GET", "/", "tenant.example.org")) == 5);
  CHECK(classify(c, req("GET", "/", "a", "X-Beta: 1\r\n")) == 3);
  CHECK(classify(c, req("GET", "/", "a", "x-beta: 2\r\n")) == 5);
  CHECK(classify(c, req("GET", "/", "a", "X-Beta: 1\r\nx-beta: 1\r\n")) == kJs);  // repeated: joined in JS
  CHECK(classify(c, req("GET", "/both/x", "a")) == 4);
  CHECK(classify(c, req("HEAD", "/both/x", "a")) == 5);  // every rule must hold
}

void ipv6_host() {
  RequestClassifier c;
  c.set({host("[::1]")}, 1);
  CHECK(classify(c, req("GET", "/", "[::1]:8080")) == 0);
  CHECK(classify(c, req("GET", "/", "[::1]")) == 0);
  CHECK(classify(c, req("GET", "/", "[::2]")) == 1);
}

void left_to_js() {
  RequestClassifier c;
  // A header regex: absent header decides natively (no match), a present one in JS.
  c.set({header("user-agent", "", true), prefix("/x/")}, 2);
  CHECK(classify(c, req("GET", "/x/1", "a")) == 1);
  CHECK(classify(c, req("GET", "/x/1", "a", "User-Agent: bot\r\n")) == kJs);
  // An unknown method name in a rule: requests with other methods still decide natively.
  ClassRule purge;
  purge.method_other = true;
  purge.js_only = true;
  c.set({purge}, 1);
  CHECK(classify(c, req("PURGE", "/", "a")) == kJs);
  CHECK(classify(c, req("GET", "/", "a")) == 1);
}

void only_default_class() {
  RequestClassifier c;
  c.set({}, 0);
  CHECK(c.enabled());
  CHECK(classify(c, req("DELETE", "/anything", "a")) == 0);
}

}  // namespace

int main() {
  disabled_by_default();
  each_rule_kind();
  ipv6_host();
  left_to_js();
  only_default_class();
  std::printf("classifier_test: %d passed, %d failed\n", passed, failures);
  return failures == 0 ? 0 : 1;
}
