#include "http/request_classifier.h"

#include <cstring>
#include <utility>

namespace brigade::http {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool equals_lower(const char* s, uint32_t n, const std::string& lowered) {
  if (n != lowered.size()) return false;
  for (uint32_t i = 0; i < n; ++i)
    if (lower(s[i]) != lowered[i]) return false;
  return true;
}

// Host header value without its port (IPv6 literals keep their brackets).
Span host_without_port(const RequestHead& h, const char* buf) {
  Span s = h.host;
  const char* v = buf + s.off;
  if (s.len > 0 && v[0] == '[') {
    for (uint32_t i = 0; i < s.len; ++i)
      if (v[i] == ']') return Span{s.off, i + 1};
    return s;
  }
  for (uint32_t i = s.len; i > 0; --i)
    if (v[i - 1] == ':') return Span{s.off, i - 1};
  return s;
}

}  // namespace

void RequestClassifier::set(std::vector<ClassRule> rules, uint8_t default_index) {
  if (rules.size() > kMaxClasses) rules.resize(kMaxClasses);
  rules_ = std::move(rules);
  default_index_ = default_index;
  enabled_ = default_index != kClassifyInJs;
}

RequestClassifier::Match RequestClassifier::matches(const ClassRule& r, const RequestHead& h, const char* buf) const {
  if (r.method_mask != 0 || r.method_other) {
    const bool ok = h.method == Method::kOther ? r.method_other : (r.method_mask & (1u << static_cast<unsigned>(h.method))) != 0;
    if (!ok) return Match::kNo;
  }
  if (r.has_path_prefix) {
    // Absolute-form with an empty path means "/" (as the TypeScript side reads it).
    const char* p = buf + h.path.off;
    uint32_t n = h.path.len;
    if (n == 0) {
      p = "/";
      n = 1;
    }
    if (n < r.path_prefix.size() || std::memcmp(p, r.path_prefix.data(), r.path_prefix.size()) != 0) return Match::kNo;
  }
  if (r.has_host) {
    if (!h.has_host) return Match::kNo;
    const Span s = host_without_port(h, buf);
    if (!equals_lower(buf + s.off, s.len, r.host)) return Match::kNo;
  }
  if (r.has_header) {
    const HeaderField* found = nullptr;
    for (uint32_t i = 0; i < h.header_count; ++i) {
      const HeaderField& f = h.headers[i];
      if (!equals_lower(buf + f.name.off, f.name.len, r.header_name)) continue;
      // Repeated fields: TypeScript compares their values joined with ", ".
      if (found) return Match::kAskJs;
      found = &f;
    }
    if (!found) return Match::kNo;  // neither a value nor a pattern matches an absent field
    if (!r.js_only && (found->value.len != r.header_value.size() ||
                       std::memcmp(buf + found->value.off, r.header_value.data(), r.header_value.size()) != 0))
      return Match::kNo;
  }
  // Everything native code can check holds; a rule it cannot check decides in JS.
  return r.js_only ? Match::kAskJs : Match::kYes;
}

uint8_t RequestClassifier::classify(const RequestHead& h, const char* buf) const {
  if (!enabled_) return kClassifyInJs;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Match m = matches(rules_[i], h, buf);
    if (m == Match::kNo) continue;
    return m == Match::kYes ? static_cast<uint8_t>(i) : kClassifyInJs;
  }
  return default_index_;
}

}  // namespace brigade::http
