#include "static/safe_path.h"

#include <cstdint>
#include <vector>

namespace brigade::statics {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool map_safe_path(std::string_view raw, Dotfiles dotfiles, std::string* rel) {
  // Percent-decode once. Only printable ASCII survives: decodeURIComponent
  // would turn multi-byte escapes into UTF-8 names (and reject bad ones), which
  // the TypeScript path handles.
  std::string decoded;
  decoded.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c < 0x21 || c > 0x7e) return false;
    if (c != '%') {
      if (c == '\\') return false;
      decoded.push_back(static_cast<char>(c));
      continue;
    }
    if (i + 2 >= raw.size()) return false;  // malformed escape: 400 from JS
    const int hi = hex_value(raw[i + 1]);
    const int lo = hex_value(raw[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const int v = hi * 16 + lo;
    if (v < 0x20 || v > 0x7e || v == '\\') return false;  // NUL, controls, non-ASCII, backslash
    decoded.push_back(static_cast<char>(v));
    i += 2;
  }
  if (decoded.empty() || decoded[0] != '/') return false;

  // '/dir/', '/dir/.' and '/dir/x/..' name a directory: index and redirects are JS's.
  const size_t last_slash = decoded.rfind('/');
  const std::string_view last = std::string_view(decoded).substr(last_slash + 1);
  if (last.empty() || last == "." || last == "..") return false;

  std::vector<std::string_view> kept;
  std::string_view rest(decoded);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (kept.empty()) return false;  // above the root: 403 from JS
      kept.pop_back();
      continue;
    }
    if (seg[0] == '.' && dotfiles != Dotfiles::kAllow) return false;  // 403/404 from JS
    kept.push_back(seg);
  }
  if (kept.empty()) return false;
  rel->clear();
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i) rel->push_back('/');
    rel->append(kept[i]);
  }
  return true;
}

std::string_view extension_of(std::string_view rel, std::string* lowered) {
  const size_t slash = rel.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  const size_t dot = base.rfind('.');
  lowered->clear();
  // path.extname: no dot, or only a leading one (".profile"), means no extension.
  if (dot == std::string_view::npos || dot == 0) return *lowered;
  for (char c : base.substr(dot + 1)) lowered->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  return *lowered;
}

}  // namespace brigade::statics
