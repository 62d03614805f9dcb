// FileCache: one I/O loop's open-file cache (like nginx's open_file_cache).
// Maps a mount-relative path to an open descriptor of the file it resolves to
// — after realpath, confinement to the root and the symlink policy, exactly
// the checks of the TypeScript handler — or to "not servable here" (missing,
// a directory, outside the root, an error), so misses are cheap too. Entries
// are re-resolved once they are older than `valid_ms`; the cache holds at most
// `capacity` entries, evicts the least recently used, and drops entries unused
// for a minute as later lookups pass by. Descriptors are shared
// with the FILE buckets that send from them, so eviction never closes a file
// under a sendfile in flight: the last holder closes it.
//
// Used by one thread only (each loop has its own), so there are no locks.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace brigade::statics {

// An open descriptor, closed when the last holder lets go.
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct FileLookup {
  std::shared_ptr<const OpenFile> file;  // null: not servable natively
  struct stat st {};                     // fresh fstat of the descriptor
};

class FileCache {
 public:
  FileCache(size_t capacity, uint32_t valid_ms) : capacity_(capacity < 1 ? 1 : capacity), valid_ms_(valid_ms) {}

  // key: unique per (mount, relative path). root: the mount's absolute root as
  // the TypeScript side resolved it; rel: the mapped relative path.
  FileLookup lookup(const std::string& key, const std::string& root, const std::string& rel, bool follow_symlinks,
                    uint64_t now_ms);

  size_t size() const { return map_.size(); }
  // Drops every entry (descriptors close once no bucket holds them).
  void clear() {
    map_.clear();
    order_.clear();
  }
  uint64_t resolutions() const { return resolutions_; }  // misses and revalidations (tests)

 private:
  struct Entry {
    std::shared_ptr<const OpenFile> file;
    uint64_t checked_ms = 0;  // last resolved
    uint64_t used_ms = 0;     // last looked up
    std::list<std::string>::iterator lru;
  };
  static std::shared_ptr<const OpenFile> resolve(const std::string& root, const std::string& rel, bool follow_symlinks);

  static constexpr uint64_t kInactiveMs = 60000;
  size_t capacity_;
  uint32_t valid_ms_;
  uint64_t resolutions_ = 0;
  std::list<std::string> order_;  // most recently used first
  std::unordered_map<std::string, Entry> map_;
};

}  // namespace brigade::statics
