// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"): formatting as JavaScript's
// Date.prototype.toUTCString() does, and a strict parser. Date.parse() accepts
// far more; a value the strict parser refuses makes the fast path defer to JS,
// so both paths always agree.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brigade::statics {

// ms since the epoch (>= 0, year <= 9999) -> IMF-fixdate of its second.
std::string format_http_date(int64_t ms);
// Exactly "Www, DD Mon YYYY HH:MM:SS GMT" with valid fields -> ms since the epoch.
std::optional<int64_t> parse_http_date(std::string_view s);

}  // namespace brigade::statics
