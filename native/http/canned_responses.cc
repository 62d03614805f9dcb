#include "http/canned_responses.h"

#include <cstdio>

namespace brigade::http {

const char kContinue100[] = "HTTP/1.1 100 Continue\r\n\r\n";

const std::string& DateCache::line() {
  time_t now = time(nullptr);
  if (now != last_ || line_.empty()) {
    last_ = now;
    struct tm tm;
    gmtime_r(&now, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    line_.assign(buf, n);
  }
  return line_;
}

const char* reason_phrase(uint16_t status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

std::string error_response(uint16_t status, const std::string& date_line) {
  const char* reason = reason_phrase(status);
  char head[160];
  std::string body = std::string(reason) + "\n";
  int n = snprintf(head, sizeof head, "HTTP/1.1 %u %s\r\n", static_cast<unsigned>(status), reason);
  std::string out(head, static_cast<size_t>(n));
  out += date_line;
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

}  // namespace brigade::http
