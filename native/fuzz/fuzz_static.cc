// libFuzzer target: the pure parts of the native static fast path on
// arbitrary input — URL-path mapping, HTTP dates, preconditions, single
// ranges, Accept-Encoding negotiation and the head builder. Input format and
// invariants: native/fuzz/README.md (fuzz_static).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "static/accept_encoding.h"
#include "static/conditional.h"
#include "static/http_date.h"
#include "static/response_head.h"
#include "static/safe_path.h"

using namespace brigade::statics;

namespace {

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_static: invariant violated: %s\n", what);
  std::abort();
}

void check_mapping(std::string_view raw, Dotfiles policy) {
  std::string rel;
  if (!map_safe_path(raw, policy, &rel)) return;
  require(!rel.empty() && rel.front() != '/' && rel.back() != '/', "mapped path is relative and names a file");
  size_t start = 0;
  while (start <= rel.size()) {
    const size_t end = std::min(rel.find('/', start), rel.size());
    const std::string_view seg = std::string_view(rel).substr(start, end - start);
    require(!seg.empty() && seg != "." && seg != "..", "no empty, '.' or '..' segment");
    require(policy == Dotfiles::kAllow || seg.front() != '.', "dotfile segment only when allowed");
    start = end + 1;
  }
  for (char c : rel) require(c >= 0x20 && c <= 0x7e && c != '\\', "printable ASCII, no backslash");
  // Mapping is idempotent for names without '%' (which would be decoded again).
  if (rel.find('%') == std::string::npos && rel.find(' ') == std::string::npos) {
    std::string again;
    require(map_safe_path("/" + rel, policy, &again) && again == rel, "mapping a mapped path changes nothing");
  }
  std::string ext;
  for (char c : extension_of(rel, &ext)) require(c != '/' && c != '.' && !(c >= 'A' && c <= 'Z'), "extension");
}

void check_date(std::string_view s) {
  const auto ms = parse_http_date(s);
  if (!ms) return;
  // Everything but the (unchecked) weekday comes back the same.
  const std::string back = format_http_date(*ms);
  require(back.size() == s.size() && back.substr(3) == s.substr(3), "date round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  // Fields separated by '\n': path, range, if-range, if-match, if-none-match,
  // if-modified-since, if-unmodified-since, accept-encoding, file size.
  std::vector<std::string_view> f;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (f.size() < 8) {
    const size_t nl = rest.find('\n');
    f.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) {
      rest = {};
      break;
    }
    rest.remove_prefix(nl + 1);
  }
  f.resize(9);
  if (!rest.empty()) f[8] = rest;

  check_mapping(f[0], static_cast<Dotfiles>(flags % 3));
  for (int i = 2; i <= 6; ++i) check_date(f[i]);

  uint64_t file_size = 0;
  for (char c : f[8].substr(0, 12))
    if (c >= '0' && c <= '9') file_size = file_size * 10 + static_cast<uint64_t>(c - '0');
  const Validators v = make_validators(file_size, (flags & 0x80) ? 1709618828123 : 0);
  ConditionalHeaders h;


  if (!f[1].empty() || (flags & 0x08)) h.range = f[1];
  if (!f[2].empty()) h.if_range = f[2];
  if (!f[3].empty() || (flags & 0x10)) h.if_match = f[3];
  if (!f[4].empty() || (flags & 0x20)) h.if_none_match = f[4];
  if (!f[5].empty()) h.if_modified_since = f[5];
  if (!f[6].empty() || (flags & 0x40)) h.if_unmodified_since = f[6];

  const Precondition pre = evaluate_preconditions(h, v);
  const RangePlan plan = plan_range(h, v, file_size, 1709618828000 + 5000);
  if (plan.kind == RangePlan::kPartial) require(plan.first <= plan.last && plan.last < file_size, "range inside the file");
  if (file_size == 0 && h.range) require(plan.kind == RangePlan::kDefer, "no ranges of an empty file");
  if (!h.range) require(plan.kind == RangePlan::kWhole, "no Range, whole file");

  const std::vector<std::string_view> offered = {"br", "gzip", "identity"};
  const Negotiated n = negotiate_encoding(f[7], offered);
  if (n.kind == Negotiated::kChosen) {
    bool known = false;
    for (std::string_view o : offered) known = known || o == n.coding;
    require(known, "negotiated coding is one offered");
  }

  HeadSpec spec;
  spec.validators = &v;
  spec.cache_control = "public, max-age=0";
  spec.content_type = "text/plain";
  spec.size = file_size;
  spec.date_line = "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n";
  spec.status = pre == Precondition::kFailed ? 412
                : pre == Precondition::kNotModified ? 304
                : plan.kind == RangePlan::kPartial ? 206
                : plan.kind == RangePlan::kUnsatisfiable ? 416
                : 200;
  spec.first = plan.first;
  spec.last = plan.last;
  spec.head_request = flags & 0x04;
  spec.close = flags & 0x02;
  const std::string head = build_head(spec);
  const size_t end = head.find("\r\n\r\n");
  require(end != std::string::npos && head.rfind("HTTP/1.1 ", 0) == 0, "a complete head");
  require((spec.status == 304) == (head.find("content-length: ") == std::string::npos), "framing");
  if (spec.head_request) require(end + 4 == head.size(), "HEAD: no body bytes");
  return 0;
}
