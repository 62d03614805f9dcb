#include "static/file_cache.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

namespace brigade::statics {

OpenFile::~OpenFile() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

struct FreeDeleter {
  void operator()(char* p) const { ::free(p); }
};
using CPath = std::unique_ptr<char, FreeDeleter>;

}  // namespace

std::shared_ptr<const OpenFile> FileCache::resolve(const std::string& root, const std::string& rel,
                                                   bool follow_symlinks) {
  CPath base(::realpath(root.c_str(), nullptr));
  if (!base) return nullptr;
  const std::string full = (root.size() > 1 && root.back() != '/' ? root + "/" : root) + rel;
  CPath real(::realpath(full.c_str(), nullptr));
  if (!real) return nullptr;
  const std::string b(base.get()), r(real.get());
  const std::string prefix = b.back() == '/' ? b : b + "/";
  // Confined to the root (the root itself is a directory: JS's business).
  if (r.size() <= prefix.size() || r.compare(0, prefix.size(), prefix) != 0) return nullptr;
  // No link anywhere below the root: the resolved path must be the lexical one.
  if (!follow_symlinks && r != prefix + rel) return nullptr;
  // As the TypeScript handler opens: O_NONBLOCK so a FIFO cannot block the
  // loop, O_NOFOLLOW because a final symlink now means one was swapped in.
  const int fd = ::open(r.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return nullptr;
  auto file = std::make_shared<const OpenFile>(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  return file;
}

FileLookup FileCache::lookup(const std::string& key, const std::string& root, const std::string& rel,
                             bool follow_symlinks, uint64_t now_ms) {
  FileLookup out;
  // Entries unused for a long time are dropped from the cold end (like nginx's
  // open_file_cache inactive=), so a deleted file is not held open for ever.
  for (int k = 0; k < 2 && !order_.empty(); ++k) {
    auto cold = map_.find(order_.back());
    if (cold == map_.end() || now_ms - cold->second.used_ms < kInactiveMs || cold->first == key) break;
    map_.erase(cold);
    order_.pop_back();
  }
  auto it = map_.find(key);
  if (it != map_.end() && now_ms - it->second.checked_ms < valid_ms_) {
    order_.splice(order_.begin(), order_, it->second.lru);
  } else {
    ++resolutions_;
    auto file = resolve(root, rel, follow_symlinks);
    if (it == map_.end()) {
      if (map_.size() >= capacity_) {
        // Evict the least recently used; its descriptor closes once no bucket holds it.
        map_.erase(order_.back());
        order_.pop_back();
      }
      order_.push_front(key);
      it = map_.emplace(key, Entry{}).first;
      it->second.lru = order_.begin();
    } else {
      order_.splice(order_.begin(), order_, it->second.lru);
    }
    it->second.file = std::move(file);
    it->second.checked_ms = now_ms;
  }
  it->second.used_ms = now_ms;
  const auto& file = it->second.file;
  if (!file) return out;
  // Size and times as of now (a file rewritten in place is seen at once); the
  // path-to-inode binding is what the interval caches.
  if (::fstat(file->fd(), &out.st) != 0 || !S_ISREG(out.st.st_mode)) return out;
  out.file = file;
  return out;
}

}  // namespace brigade::statics
