#include "static/conditional.h"

#include <cstdio>
#include <vector>

#include "static/http_date.h"

namespace brigade::statics {

namespace {

bool js_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && js_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && js_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && js_space(s.back())) s.remove_suffix(1);
  return s;
}

// conditional.ts tags(): the sticky /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/ loop.
// Returns false where tags() would fall back to comma splitting (then: defer).
bool parse_tags(std::string_view list, std::vector<std::string_view>* out) {
  size_t last = 0;
  while (last < list.size()) {
    size_t i = last;
    while (i < list.size() && js_space(list[i])) ++i;
    size_t start = i;
    if (i < list.size() && list[i] == '*') {
      ++i;
    } else {
      if (list.substr(i, 2) == "W/") i += 2;
      if (i >= list.size() || list[i] != '"') break;
      const size_t close = list.find('"', i + 1);
      if (close == std::string_view::npos) break;
      i = close + 1;
    }
    const std::string_view tag = list.substr(start, i - start);
    while (i < list.size() && js_space(list[i])) ++i;
    if (i < list.size()) {
      if (list[i] != ',') break;
      ++i;
    }
    out->push_back(tag);
    last = i;
  }
  return last >= trim_end(list).size();
}

// fresh's parseTokenList: splits on ',', skipping spaces (only 0x20) before a token.
bool fresh_etag_matches(std::string_view none_match, std::string_view etag) {
  size_t start = 0, end = 0;
  auto check = [&](std::string_view m) {
    if (m == etag) return true;
    if (m.size() + 2 == etag.size() && etag.substr(0, 2) == "W/" && etag.substr(2) == m) return true;
    if (etag.size() + 2 == m.size() && m.substr(0, 2) == "W/" && m.substr(2) == etag) return true;
    return false;
  };
  for (size_t i = 0; i < none_match.size(); ++i) {
    const char c = none_match[i];
    if (c == ' ') {
      if (start == end) start = end = i + 1;
    } else if (c == ',') {
      if (check(none_match.substr(start, end - start))) return true;
      start = end = i + 1;
    } else {
      end = i + 1;
    }
  }
  return check(none_match.substr(start, end - start));
}

// range-parser's parsePos input: /^\d+$/, kept within Number's safe integers.
bool parse_pos(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 15) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Validators make_validators(uint64_t size, int64_t mtime_ms) {
  Validators v;
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "W/\"%llx-%llx\"", static_cast<unsigned long long>(size),
                              static_cast<unsigned long long>(mtime_ms));
  v.etag.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
  v.last_modified = format_http_date(mtime_ms);
  v.last_modified_ms = mtime_ms / 1000 * 1000;
  return v;
}

Precondition evaluate_preconditions(const ConditionalHeaders& h, const Validators& v) {
  if (h.if_match) {
    std::vector<std::string_view> tags;
    if (!parse_tags(*h.if_match, &tags)) return Precondition::kDefer;
    // Strong comparison: the weak static ETag matches nothing but '*'.
    bool any = false;
    for (std::string_view t : tags) any = any || t == "*";
    if (!any) return Precondition::kFailed;
  } else if (h.if_unmodified_since) {
    const auto since = parse_http_date(*h.if_unmodified_since);
    if (!since) return Precondition::kDefer;
    if (v.last_modified_ms > *since) return Precondition::kFailed;
  }
  if (h.if_none_match) {
    const std::string_view inm = *h.if_none_match;
    if (trim(inm) == "*") return Precondition::kNotModified;
    if (inm.empty()) return Precondition::kNone;  // fresh(): no validator to compare
    return fresh_etag_matches(inm, v.etag) ? Precondition::kNotModified : Precondition::kNone;
  }
  if (h.if_modified_since) {
    if (h.if_modified_since->empty()) return Precondition::kNone;
    const auto since = parse_http_date(*h.if_modified_since);
    if (!since) return Precondition::kDefer;
    if (v.last_modified_ms <= *since) return Precondition::kNotModified;
  }
  return Precondition::kNone;
}

RangePlan plan_range(const ConditionalHeaders& h, const Validators& v, uint64_t size, int64_t now_ms) {
  RangePlan plan;
  if (!h.range) return plan;
  if (size == 0) return RangePlan{RangePlan::kDefer};
  if (h.if_range) {
    const std::string_view ir = trim(*h.if_range);
    // An entity tag must match strongly: the weak static ETag never does.
    if (ir.substr(0, 1) == "\"" || ir.substr(0, 2) == "W/") return plan;
    const auto date = parse_http_date(ir);
    if (!date) return RangePlan{RangePlan::kDefer};
    if (!(v.last_modified_ms == *date && now_ms - v.last_modified_ms >= 1000)) return plan;
  }
  // One plain "bytes=a-b" / "bytes=a-" / "bytes=-n"; lists, spaces and other
  // spellings are byterange.ts's to interpret.
  std::string_view r = *h.range;
  if (r.substr(0, 6) != "bytes=") return RangePlan{RangePlan::kDefer};
  r.remove_prefix(6);
  const size_t dash = r.find('-');
  if (dash == std::string_view::npos) return RangePlan{RangePlan::kDefer};
  const std::string_view a = r.substr(0, dash), b = r.substr(dash + 1);
  uint64_t first = 0, last = 0;
  const bool has_a = !a.empty(), has_b = !b.empty();
  if (!has_a && !has_b) return RangePlan{RangePlan::kDefer};
  if ((has_a && !parse_pos(a, &first)) || (has_b && !parse_pos(b, &last))) return RangePlan{RangePlan::kDefer};
  if (has_a && has_b && last < first) return plan;  // invalid ranges-specifier: ignored, whole 200
  if (!has_a) {
    if (last > size) {
      first = 0;  // a suffix longer than the file means all of it
    } else {
      if (last == 0) return RangePlan{RangePlan::kUnsatisfiable};
      first = size - last;
    }
    last = size - 1;
  } else if (!has_b || last > size - 1) {
    last = size - 1;
  }
  if (first > last) return RangePlan{RangePlan::kUnsatisfiable};
  return RangePlan{RangePlan::kPartial, first, last};
}

}  // namespace brigade::statics
