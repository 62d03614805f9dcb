// Preconditions (RFC 9110 §13.2.2) and single byte ranges for the native static
// fast path, decided exactly as src/filters/conditional.ts (with the `fresh`
// package) and src/filters/byterange.ts decide them for a static file. Inputs
// the TypeScript code would read differently (lenient dates, range lists,
// entity-tag lists it parses by its fallback) yield kDefer: the request then
// goes to JS.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brigade::statics {

// A static file's validators: ETag W/"<size hex>-<mtime ms hex>" and Last-Modified.
struct Validators {
  std::string etag;
  std::string last_modified;
  int64_t last_modified_ms = 0;  // Last-Modified as Date.parse() reads it back (whole seconds)
};

Validators make_validators(uint64_t size, int64_t mtime_ms);

// The request headers that matter; absent ones are nullopt.
struct ConditionalHeaders {
  std::optional<std::string_view> if_match, if_unmodified_since, if_none_match, if_modified_since;
  std::optional<std::string_view> if_range, range;
};

enum class Precondition : uint8_t { kNone, kNotModified, kFailed, kDefer };

// For GET/HEAD on a 200 file response.
Precondition evaluate_preconditions(const ConditionalHeaders& h, const Validators& v);

struct RangePlan {
  enum Kind : uint8_t { kWhole, kPartial, kUnsatisfiable, kDefer } kind = kWhole;
  uint64_t first = 0, last = 0;  // inclusive, kPartial only
};

// For a GET with a Range header on a mount with ranges on. now_ms: wall clock
// (If-Range dates must be a second old to be strong validators).
RangePlan plan_range(const ConditionalHeaders& h, const Validators& v, uint64_t size, int64_t now_ms);

}  // namespace brigade::statics
