// Maps the URL path below a static mount onto a file path relative to the
// mount's root — the native twin of src/static/safe-path.ts, restricted to the
// requests whose answer is "look this file up". Everything else (a malformed
// escape, NUL, backslash, non-ASCII, '..' above the root, a dotfile that the
// policy refuses, a trailing slash or the root itself) returns false, and the
// request goes to the TypeScript handler, which gives its own 400/403/404/301.
#pragma once
#include <string>
#include <string_view>

namespace brigade::statics {

enum class Dotfiles : uint8_t { kIgnore = 0, kAllow = 1, kDeny = 2 };

// raw: '/' + the still percent-encoded remainder below the mount. Decodes once.
// On success *rel is the normalised relative path ("a/b.txt", no leading '/').
bool map_safe_path(std::string_view raw, Dotfiles dotfiles, std::string* rel);

// Node's path.extname() of a relative path, lower-cased, without the dot
// ("" when none; "" also for a name ending in '.', whose extension no MIME
// entry has).
std::string_view extension_of(std::string_view rel, std::string* lowered);

}  // namespace brigade::statics
