#include "static/response_head.h"

namespace brigade::statics {

namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kPreconditionBody = "Precondition Failed";  // static-handler.ts sendStatus()
constexpr std::string_view kRangeBody = "Range Not Satisfiable\n";      // byterange.ts

void line(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

const char* status_line(uint16_t status) {
  switch (status) {
    case 200: return "HTTP/1.1 200 OK\r\n";
    case 206: return "HTTP/1.1 206 Partial Content\r\n";
    case 304: return "HTTP/1.1 304 Not Modified\r\n";
    case 412: return "HTTP/1.1 412 Precondition Failed\r\n";
    default: return "HTTP/1.1 416 Range Not Satisfiable\r\n";
  }
}

}  // namespace

std::string build_head(const HeadSpec& s) {
  std::string out;
  out.reserve(320);
  out.append(status_line(s.status));
  if (s.vary) line(out, "Vary", "Accept-Encoding");
  // 304/412/416 drop Content-Encoding (the handler and byterange remove it).
  if (!s.coding.empty() && (s.status == 200 || s.status == 206)) line(out, "Content-Encoding", s.coding);
  line(out, "ETag", s.validators->etag);
  line(out, "Last-Modified", s.validators->last_modified);
  line(out, "Cache-Control", s.cache_control);
  uint64_t length = 0;
  std::string_view body;
  switch (s.status) {
    case 200:
      line(out, "Content-Type", s.content_type);
      line(out, "Accept-Ranges", s.ranges ? "bytes" : "none");
      length = s.size;
      break;
    case 206:
      line(out, "Content-Type", s.content_type);
      line(out, "Accept-Ranges", "bytes");
      out.append("Content-Range: bytes ")
          .append(std::to_string(s.first))
          .append("-")
          .append(std::to_string(s.last))
          .append("/")
          .append(std::to_string(s.size))
          .append("\r\n");
      length = s.last - s.first + 1;
      break;
    case 412:
      line(out, "Content-Type", kTextPlain);
      line(out, "X-Content-Type-Options", "nosniff");
      body = kPreconditionBody;
      length = body.size();
      break;
    case 416:
      line(out, "Accept-Ranges", "bytes");
      out.append("Content-Range: bytes */").append(std::to_string(s.size)).append("\r\n");
      line(out, "Content-Type", kTextPlain);
      body = kRangeBody;
      length = body.size();
      break;
    default:  // 304: no representation headers, no framing
      break;
  }
  out.append("date: ");
  out.append(s.date_line.size() > 6 ? s.date_line.substr(6) : std::string_view("\r\n"));
  if (s.status != 304) out.append("content-length: ").append(std::to_string(length)).append("\r\n");
  if (s.close) {
    out.append("connection: close\r\n");
  } else if (s.http10) {
    out.append("connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (!s.head_request) out.append(body);
  return out;
}

}  // namespace brigade::statics
