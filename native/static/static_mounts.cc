#include "static/static_mounts.h"

#include <time.h>

#include <algorithm>
#include <array>

#include "static/accept_encoding.h"
#include "static/conditional.h"
#include "static/file_cache.h"
#include "static/response_head.h"

namespace brigade::statics {

namespace {

constexpr std::string_view kDefaultType = "application/octet-stream";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != b[i]) return false;
  }
  return true;
}

bool under_prefix(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

int64_t wall_clock_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// fs.Stats#mtimeMs as Node computes it (in double).
double mtime_ms_double(const struct stat& st) {
#if defined(__APPLE__)
  return static_cast<double>(st.st_mtimespec.tv_sec) * 1e3 + static_cast<double>(st.st_mtimespec.tv_nsec) / 1e6;
#else
  return static_cast<double>(st.st_mtim.tv_sec) * 1e3 + static_cast<double>(st.st_mtim.tv_nsec) / 1e6;
#endif
}

// ... floored, as the handler uses it for ETag and Last-Modified.
bool mtime_ms_of(const struct stat& st, int64_t* out) {
  const double ms = mtime_ms_double(st);
  // Before 1970 or after 9999 toUTCString() spells dates differently: JS's.
  if (!(ms >= 0) || ms >= 253402300800000.0) return false;
  *out = static_cast<int64_t>(ms);
  return true;
}

class StaticLoop final : public LoopResponder {
 public:
  explicit StaticLoop(const StaticMounts& cfg) : cfg_(cfg), cache_(cfg.cache_entries(), cfg.valid_ms()) {}
  bool answer(const StaticRequest& req, StaticAnswer* out) override;
  void on_loop_idle() override {
    if (cfg_.release_when_idle()) cache_.clear();
  }

 private:
  // ETag and Last-Modified depend on (size, mtime) alone: remembered in a small
  // direct-mapped table instead of formatted on every request.
  const Validators& validators_for(uint64_t size, int64_t mtime_ms) {
    Memo& m = memo_[(size * 31 + static_cast<uint64_t>(mtime_ms)) % memo_.size()];
    if (!m.used || m.size != size || m.mtime_ms != mtime_ms) {
      m.used = true;
      m.size = size;
      m.mtime_ms = mtime_ms;
      m.v = make_validators(size, mtime_ms);
    }
    return m.v;
  }
  struct Memo {
    bool used = false;
    uint64_t size = 0;
    int64_t mtime_ms = 0;
    Validators v;
  };

  const StaticMounts& cfg_;
  FileCache cache_;
  std::array<Memo, 64> memo_;
  std::string key_, rel_, sibling_key_, sibling_rel_;
};

bool StaticLoop::answer(const StaticRequest& req, StaticAnswer* out) {
  if (!cfg_.enabled()) return false;
  const http::RequestHead& h = *req.head;
  if (h.method != http::Method::kGet && h.method != http::Method::kHead) return false;
  const std::string_view path(req.buf + h.path.off, h.path.len);
  if (path.empty() || path[0] != '/' || h.target.len == 0 || req.buf[h.target.off] != '/') return false;
  const Mount* m = cfg_.route(path);
  if (m == nullptr) return false;

  // The remainder below the mount, as the router hands it to the handler.
  std::string raw = "/";
  if (path.size() > m->prefix.size()) raw.append(path.substr(m->prefix.size() + 1));
  if (!map_safe_path(raw, m->dotfiles, &rel_)) return false;

  // The request headers the TypeScript path would consult; repeated ones (which
  // it would join with ", ") and non-ASCII values are left to it.
  ConditionalHeaders ch;
  std::optional<std::string_view> accept_encoding;
  for (uint32_t i = 0; i < h.header_count; ++i) {
    const std::string_view name(req.buf + h.headers[i].name.off, h.headers[i].name.len);
    std::optional<std::string_view>* slot = nullptr;
    const char first = static_cast<char>(name.empty() ? 0 : name[0] | 0x20);
    if (name.size() < 5 || (first != 'i' && first != 'r' && first != 'a')) continue;
    if (iequals(name, "if-match")) slot = &ch.if_match;
    else if (iequals(name, "if-none-match")) slot = &ch.if_none_match;
    else if (iequals(name, "if-modified-since")) slot = &ch.if_modified_since;
    else if (iequals(name, "if-unmodified-since")) slot = &ch.if_unmodified_since;
    else if (iequals(name, "if-range")) slot = &ch.if_range;
    else if (iequals(name, "range")) slot = &ch.range;
    else if (iequals(name, "accept-encoding")) slot = &accept_encoding;
    else {
      continue;
    }
    if (slot->has_value()) return false;
    const std::string_view value(req.buf + h.headers[i].value.off, h.headers[i].value.len);
    for (unsigned char c : value)
      if (c >= 0x80) return false;
    *slot = value;
  }
  key_.assign(m->prefix).push_back('\0');
  key_.append(rel_);
  FileLookup f = cache_.lookup(key_, m->root, rel_, m->follow_symlinks, req.now_ms);
  if (!f.file) return false;

  // Precompressed siblings (static-handler.ts variant()): looked up only when
  // the client sent Accept-Encoding; one at least as new as the file is a
  // candidate; the client's q-values choose among them and identity.
  bool vary = false;
  std::string_view coding;
  if (m->precompressed && accept_encoding) {
    static constexpr std::string_view kCodings[2] = {"br", "gzip"};
    static constexpr std::string_view kSuffixes[2] = {".br", ".gz"};
    const double base_mtime = mtime_ms_double(f.st);
    std::vector<std::string_view> offered;
    FileLookup siblings[2];
    for (int k = 0; k < 2; ++k) {
      sibling_key_.assign(key_).append(kSuffixes[k]);
      sibling_rel_.assign(rel_).append(kSuffixes[k]);
      FileLookup sib = cache_.lookup(sibling_key_, m->root, sibling_rel_, m->follow_symlinks, req.now_ms);
      if (!sib.file || !(mtime_ms_double(sib.st) >= base_mtime)) continue;
      siblings[offered.size()] = std::move(sib);
      offered.push_back(kCodings[k]);
    }
    if (!offered.empty()) {
      const size_t found = offered.size();
      offered.push_back("identity");
      const Negotiated n = negotiate_encoding(*accept_encoding, offered);
      if (n.kind == Negotiated::kDefer) return false;
      vary = true;
      for (size_t k = 0; k < found; ++k) {
        if (n.kind == Negotiated::kChosen && n.coding == offered[k]) {
          coding = offered[k];
          f = std::move(siblings[k]);
          break;
        }
      }
    }
  }
  int64_t mtime_ms;
  if (!mtime_ms_of(f.st, &mtime_ms)) return false;
  const uint64_t size = static_cast<uint64_t>(f.st.st_size);
  const Validators& v = validators_for(size, mtime_ms);

  HeadSpec spec;
  spec.head_request = h.method == http::Method::kHead;
  spec.validators = &v;
  spec.vary = vary;
  spec.coding = coding;
  spec.cache_control = m->cache_control;
  spec.ranges = m->ranges;
  spec.size = size;
  spec.close = req.last;
  spec.http10 = h.version_minor == 0;
  spec.date_line = *req.date_line;

  switch (evaluate_preconditions(ch, v)) {
    case Precondition::kDefer: return false;
    case Precondition::kFailed: spec.status = 412; break;
    case Precondition::kNotModified: spec.status = 304; break;
    case Precondition::kNone: break;
  }
  if (spec.status == 200) {
    spec.content_type = cfg_.content_type(rel_);
    if (m->ranges && !spec.head_request && ch.range) {
      const RangePlan plan = plan_range(ch, v, size, ch.if_range ? wall_clock_ms() : 0);
      switch (plan.kind) {
        case RangePlan::kDefer: return false;
        case RangePlan::kUnsatisfiable: spec.status = 416; break;
        case RangePlan::kPartial:
          spec.status = 206;
          spec.first = plan.first;
          spec.last = plan.last;
          break;
        case RangePlan::kWhole: break;
      }
    }
  }
  out->head = build_head(spec);
  out->close = req.last;
  if (!spec.head_request && (spec.status == 200 || spec.status == 206) && size > 0) {
    out->fd = f.file->fd();
    out->offset = spec.status == 206 ? spec.first : 0;
    out->length = spec.status == 206 ? spec.last - spec.first + 1 : size;
    out->file_ref = f.file;
  }
  return true;
}

}  // namespace

StaticMounts::StaticMounts(std::vector<Mount> mounts, std::unordered_map<std::string, std::string> mime,
                           size_t cache_entries, uint32_t valid_ms, bool release_when_idle)
    : mounts_(std::move(mounts)),
      mime_(std::move(mime)),
      cache_entries_(cache_entries),
      valid_ms_(valid_ms),
      release_when_idle_(release_when_idle) {
  std::stable_sort(mounts_.begin(), mounts_.end(),
                   [](const Mount& a, const Mount& b) { return a.prefix.size() > b.prefix.size(); });
}

std::unique_ptr<LoopResponder> StaticMounts::make_loop() const { return std::make_unique<StaticLoop>(*this); }

const Mount* StaticMounts::route(std::string_view path) const {
  for (const Mount& m : mounts_) {
    if (!under_prefix(path, m.prefix)) continue;
    for (const std::string& e : m.exclude_exact)
      if (path == e) return nullptr;
    for (const std::string& e : m.exclude_prefix)
      if (path.substr(0, e.size()) == e) return nullptr;
    return &m;
  }
  return nullptr;
}

std::string_view StaticMounts::content_type(std::string_view rel) const {
  std::string ext;
  extension_of(rel, &ext);
  if (ext.empty()) return kDefaultType;
  auto it = mime_.find(ext);
  return it == mime_.end() ? kDefaultType : std::string_view(it->second);
}

}  // namespace brigade::statics
