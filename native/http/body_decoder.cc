// Request body decoder: Content-Length pass-through and strict chunked
// transfer coding (RFC 9112 §7.1), in place.
//
// Input handling: decode() always consumes every byte it is given (except
// when the span array fills up, or once the body is complete: bytes after
// the body belong to the next request and are left unconsumed). A partially
// received chunk-size line, extension, CRLF or trailer is consumed too; its
// parse state lives in the decoder (state_, remaining_, size_digits_,
// line_bytes_, trailer_bytes_), so the caller never has to keep or re-send
// framing bytes. Data is reported as spans into the buffer of that call.
#include <cstring>

#include "http/request_parser.h"

namespace brigade::http {

namespace {

enum : uint8_t {
  kLength = 0,   // Content-Length mode (remaining_ bytes left); the default state
  kSize,         // chunk-size hex digits
  kWsThenSemi,   // BWS seen after size or ext value: only ';' may follow
  kExtPre,       // after ';': BWS, then ext name
  kExtName,
  kExtPostName,  // BWS after ext name: '=' or ';'
  kExtPreVal,    // after '=': BWS, then token or quoted-string
  kExtValTok,
  kExtValQ,      // inside quoted-string
  kExtValQEsc,   // after '\' in quoted-string
  kExtPostQ,     // after closing quote
  kSizeLf,       // CR of the chunk-size line seen
  kData,
  kDataCr,
  kDataLf,
  kTrStart,      // start of a trailer field line or of the final CRLF
  kTrName,
  kTrValue,
  kTrLf,
  kFinalLf,
  kDone,
  kError,
};

constexpr uint32_t kMaxChunkLine = 4096;  // chunk-size line incl. extensions and CR
constexpr uint8_t kMaxSizeDigits = 16;     // significant hex digits (64 bits)

constexpr bool is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

constexpr int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Field-value byte other than CR: HTAB, SP, VCHAR, obs-text.
constexpr bool is_value(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }
constexpr bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }
// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
constexpr bool is_qdtext(uint8_t c) { return is_value(c) && c != '"' && c != '\\'; }

}  // namespace

void BodyDecoder::start_length(uint64_t content_length) {
  chunked_ = false;
  remaining_ = content_length;
  max_body_ = content_length;
  received_ = 0;
  trailer_bytes_ = 0;
  error_status_ = 0;
  state_ = content_length == 0 ? kDone : kLength;
  size_digits_ = 0;
  line_bytes_ = 0;
}

void BodyDecoder::start_chunked(uint64_t max_body, uint32_t max_trailer_bytes) {
  chunked_ = true;
  remaining_ = 0;
  max_body_ = max_body;
  received_ = 0;
  max_trailer_ = max_trailer_bytes;
  trailer_bytes_ = 0;
  error_status_ = 0;
  state_ = kSize;
  size_digits_ = 0;
  line_bytes_ = 0;
}

BodyResult BodyDecoder::fail(uint16_t status) {
  state_ = kError;
  error_status_ = status;
  return BodyResult::kError;
}

BodyResult BodyDecoder::decode(const char* buf, size_t len, BodySpan* spans, uint32_t max_spans,
                               uint32_t* nspans, size_t* consumed) {
  *nspans = 0;
  *consumed = 0;
  if (state_ == kDone) return BodyResult::kDone;
  if (state_ == kError) return BodyResult::kError;
  if (len > 0xFFFFFFFFu) len = 0xFFFFFFFFu;  // spans are 32-bit; the rest comes next call
  const uint8_t* b = reinterpret_cast<const uint8_t*>(buf);
  size_t p = 0;
  uint32_t ns = 0;
  BodyResult r = BodyResult::kNeedMore;

  if (state_ == kLength) {
    size_t take = remaining_ < len ? static_cast<size_t>(remaining_) : len;
    if (take > 0 && max_spans > 0) {
      spans[ns++] = {0, static_cast<uint32_t>(take)};
      p = take;
      remaining_ -= take;
      received_ += take;
    }
    if (remaining_ == 0) {
      state_ = kDone;
      r = BodyResult::kDone;
    }
    *nspans = ns;
    *consumed = p;
    return r;
  }

  while (p < len) {
    if (state_ == kData) {
      if (ns == max_spans) break;  // caller must drain spans and call again
      size_t take = len - p;
      if (take > remaining_) take = static_cast<size_t>(remaining_);
      spans[ns++] = {static_cast<uint32_t>(p), static_cast<uint32_t>(take)};
      p += take;
      remaining_ -= take;
      received_ += take;
      if (remaining_ == 0) state_ = kDataCr;
      continue;
    }
    const uint8_t c = b[p];
    if (state_ <= kExtPostQ && ++line_bytes_ > kMaxChunkLine) {
      r = fail(400);
      break;
    }
    uint16_t err = 0;  // set with `break` out of the switch
    switch (state_) {
      case kSize: {
        int h = hex_value(c);
        if (h >= 0) {
          if (remaining_ != 0 || h != 0) {  // leading zeros do not count
            if (++size_digits_ > kMaxSizeDigits) { err = 400; break; }
          }
          remaining_ = (remaining_ << 4) | static_cast<uint64_t>(h);
          break;
        }
        if (line_bytes_ == 1) { err = 400; break; }  // no digits at all
        // Size known: refuse before any of its data arrives.
        if (remaining_ > max_body_ - received_) { err = 413; break; }
        if (c == '\r') state_ = kSizeLf;
        else if (c == ';') state_ = kExtPre;
        else if (is_ows(c)) state_ = kWsThenSemi;
        else { err = 400; break; }
        break;
      }
      case kWsThenSemi:
        if (c == ';') state_ = kExtPre;
        else if (!is_ows(c)) { err = 400; break; }
        break;
      case kExtPre:
        if (is_tchar(c)) state_ = kExtName;
        else if (!is_ows(c)) { err = 400; break; }
        break;
      case kExtName:
        if (is_tchar(c)) break;
        if (c == '\r') state_ = kSizeLf;
        else if (c == ';') state_ = kExtPre;
        else if (c == '=') state_ = kExtPreVal;
        else if (is_ows(c)) state_ = kExtPostName;
        else { err = 400; break; }
        break;
      case kExtPostName:
        if (c == '=') state_ = kExtPreVal;
        else if (c == ';') state_ = kExtPre;
        else if (!is_ows(c)) { err = 400; break; }
        break;
      case kExtPreVal:
        if (c == '"') state_ = kExtValQ;
        else if (is_tchar(c)) state_ = kExtValTok;
        else if (!is_ows(c)) { err = 400; break; }
        break;
      case kExtValTok:
        if (is_tchar(c)) break;
        if (c == '\r') state_ = kSizeLf;
        else if (c == ';') state_ = kExtPre;
        else if (is_ows(c)) state_ = kWsThenSemi;
        else { err = 400; break; }
        break;
      case kExtValQ:
        if (c == '"') state_ = kExtPostQ;
        else if (c == '\\') state_ = kExtValQEsc;
        else if (!is_qdtext(c)) { err = 400; break; }  // CR, LF, CTL inside quotes
        break;
      case kExtValQEsc:
        if (!is_value(c)) { err = 400; break; }
        state_ = kExtValQ;
        break;
      case kExtPostQ:
        if (c == '\r') state_ = kSizeLf;
        else if (c == ';') state_ = kExtPre;
        else if (is_ows(c)) state_ = kWsThenSemi;
        else { err = 400; break; }
        break;
      case kSizeLf:
        if (c != '\n') { err = 400; break; }
        line_bytes_ = 0;
        size_digits_ = 0;
        state_ = remaining_ == 0 ? kTrStart : kData;  // size 0 is the last chunk
        break;
      case kDataCr:
        if (c != '\r') { err = 400; break; }
        state_ = kDataLf;
        break;
      case kDataLf:
        if (c != '\n') { err = 400; break; }
        state_ = kSize;
        break;
      case kTrStart:
        if (c == '\r') {
          state_ = kFinalLf;
          break;
        }
        if (!is_tchar(c)) { err = 400; break; }  // includes obs-fold (SP/HTAB) and bare LF
        state_ = kTrName;
        if (++trailer_bytes_ > max_trailer_) { err = 431; break; }
        break;
      case kTrName:
        if (++trailer_bytes_ > max_trailer_) { err = 431; break; }
        if (c == ':') state_ = kTrValue;
        else if (!is_tchar(c)) { err = 400; break; }
        break;
      case kTrValue:
        if (++trailer_bytes_ > max_trailer_) { err = 431; break; }
        if (c == '\r') state_ = kTrLf;
        else if (!is_value(c)) { err = 400; break; }
        break;
      case kTrLf:
        if (++trailer_bytes_ > max_trailer_) { err = 431; break; }
        if (c != '\n') { err = 400; break; }
        state_ = kTrStart;
        break;
      case kFinalLf:
        if (c != '\n') { err = 400; break; }
        state_ = kDone;
        break;
      default:
        err = 400;
        break;
    }
    if (err) {
      r = fail(err);
      break;
    }
    ++p;
    if (state_ == kDone) {
      r = BodyResult::kDone;
      break;
    }
  }
  *nspans = ns;
  *consumed = p;
  return r;
}

}  // namespace brigade::http
