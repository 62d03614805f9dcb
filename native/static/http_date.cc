#include "static/http_date.h"

#include <cstdio>

namespace brigade::statics {

namespace {

constexpr const char* kDays[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static constexpr int kLen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 1 && leap(y) ? 29 : kLen[m];
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string format_http_date(int64_t ms) {
  const int64_t secs = ms / 1000;
  const int64_t days = secs / 86400;
  const int64_t rem = secs % 86400;
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d GMT", kDays[(days + 4) % 7], d,
                              kMonths[m - 1], static_cast<long long>(y), static_cast<int>(rem / 3600),
                              static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes.
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
    return std::nullopt;
  bool day_ok = false;
  for (const char* w : kDays) day_ok = day_ok || s.substr(0, 3) == w;
  if (!day_ok) return std::nullopt;
  int month = -1;
  for (int i = 0; i < 12; ++i)
    if (s.substr(8, 3) == kMonths[i]) month = i;
  int day, year, hh, mm, ss;
  if (month < 0 || !digits(s, 5, 2, &day) || !digits(s, 12, 4, &year) || !digits(s, 17, 2, &hh) ||
      !digits(s, 20, 2, &mm) || !digits(s, 23, 2, &ss))
    return std::nullopt;
  if (year < 1970 || day < 1 || day > days_in_month(year, month) || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  const int64_t days = days_from_civil(year, month + 1, day);
  return ((days * 24 + hh) * 60 + mm) * 60 * 1000 + static_cast<int64_t>(ss) * 1000;
}

}  // namespace brigade::statics
