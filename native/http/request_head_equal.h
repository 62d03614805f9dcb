// Field-by-field equality of two parsed request heads (spans compared by
// offset and length). Used where the same bytes are parsed twice and the
// results must agree: the split-point parser tests and the parser fuzzer.
#pragma once
#include <cstdint>

#include "http/request_parser.h"

namespace brigade::http {

inline bool same_span(Span a, Span b) { return a.off == b.off && a.len == b.len; }

inline bool same_head(const RequestHead& x, const RequestHead& y) {
  if (x.method != y.method || !same_span(x.method_span, y.method_span) || !same_span(x.target, y.target) ||
      !same_span(x.path, y.path) || !same_span(x.query, y.query) || x.version_minor != y.version_minor ||
      x.header_count != y.header_count || !same_span(x.host, y.host) || x.has_host != y.has_host ||
      x.chunked != y.chunked || x.has_content_length != y.has_content_length ||
      x.content_length != y.content_length || x.keep_alive != y.keep_alive ||
      x.expect_continue != y.expect_continue || x.upgrade != y.upgrade || x.head_len != y.head_len)
    return false;
  for (uint32_t i = 0; i < x.header_count; ++i)
    if (!same_span(x.headers[i].name, y.headers[i].name) || !same_span(x.headers[i].value, y.headers[i].value))
      return false;
  return true;
}

}  // namespace brigade::http
