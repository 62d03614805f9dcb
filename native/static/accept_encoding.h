// Accept-Encoding negotiation for precompressed siblings, deciding as
// compress.ts's negotiateEncoding() does (the `negotiator` package with the
// offered codings as the preference order): highest q wins, ties go to the
// earlier offered coding; identity is acceptable at the lowest q listed unless
// named (or '*'). Only a plain list — `token` or `token;q=<qvalue>`,
// separated by commas and optional spaces — is read here; any other spelling
// yields kDefer, and JS negotiates.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace brigade::statics {

struct Negotiated {
  enum Kind : uint8_t { kChosen, kNone, kDefer } kind = kNone;
  std::string_view coding;  // kChosen: one of `offered` ("identity" included)
};

// offered: in the server's order of preference, "identity" last.
Negotiated negotiate_encoding(std::string_view accept, const std::vector<std::string_view>& offered);

}  // namespace brigade::statics
