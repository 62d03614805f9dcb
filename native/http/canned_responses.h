// Responses the native side writes by itself, without JS: parse errors, timeouts,
// 100 Continue. Each has a Date header from the I/O thread's DateCache.
#pragma once
#include <cstdint>
#include <ctime>
#include <string>

namespace brigade::http {

// "Date: <IMF-fixdate>\r\n", formatted at most once per second per thread.
class DateCache {
 public:
  const std::string& line();  // refreshes when the second changed
 private:
  time_t last_ = 0;
  std::string line_;
};

const char* reason_phrase(uint16_t status);

// A complete error response that closes the connection: status line, Date,
// Content-Type, Content-Length, Connection: close and a one-line body.
std::string error_response(uint16_t status, const std::string& date_line);

extern const char kContinue100[];      // "HTTP/1.1 100 Continue\r\n\r\n"
constexpr uint32_t kContinue100Len = 25;

}  // namespace brigade::http
