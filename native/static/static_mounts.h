// The native static fast path's configuration and its per-loop responder.
// StaticMounts holds the mounts TypeScript found eligible (no TS filter can
// apply to their files) with the routes that would shadow parts of them, and
// the MIME table from src/static/mime.ts. It is built before the server
// starts and never changes afterwards, except for `enabled`, which TypeScript
// clears if routes change while the server runs.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "static/safe_path.h"
#include "static/static_hook.h"

namespace brigade::statics {

struct Mount {
  std::string prefix;          // without a trailing '/'; "" for '/'
  std::string root;            // absolute (path.resolve of the mount's directory)
  Dotfiles dotfiles = Dotfiles::kIgnore;
  bool follow_symlinks = true;
  bool ranges = true;
  bool precompressed = false;  // requests with Accept-Encoding go to JS
  std::string cache_control;   // "public, max-age=<n>"
  // Paths some other route (or a filter) would claim first: served by JS.
  std::vector<std::string> exclude_exact;
  std::vector<std::string> exclude_prefix;
};

class StaticMounts final : public Responder {
 public:
  // release_when_idle: empty a loop's cache when its last connection closes
  // (thread-per-connection MPMs, whose many loops would otherwise each hold
  // descriptors while their thread waits for the next client).
  StaticMounts(std::vector<Mount> mounts, std::unordered_map<std::string, std::string> mime, size_t cache_entries,
               uint32_t valid_ms, bool release_when_idle = false);
  std::unique_ptr<LoopResponder> make_loop() const override;

  // The mount that owns `path` (longest prefix first), or null; also null when
  // one of that mount's exclusions matches.
  const Mount* route(std::string_view path) const;
  std::string_view content_type(std::string_view rel) const;
  const std::vector<Mount>& mounts() const { return mounts_; }
  size_t cache_entries() const { return cache_entries_; }
  uint32_t valid_ms() const { return valid_ms_; }
  bool release_when_idle() const { return release_when_idle_; }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  void disable() const { enabled_.store(false, std::memory_order_relaxed); }

 private:
  std::vector<Mount> mounts_;
  std::unordered_map<std::string, std::string> mime_;  // lower-case extension -> Content-Type
  size_t cache_entries_;
  uint32_t valid_ms_;
  bool release_when_idle_;
  mutable std::atomic<bool> enabled_{true};
};

}  // namespace brigade::statics
