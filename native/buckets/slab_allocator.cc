// SlabAllocator implementation. See slab_allocator.h for the ownership rules.
//
// Layout of the state:
//  * table_[id] (std::atomic<Slab*>, fixed size max_slabs+1): the only thing
//    other threads read (by_id). Written by the owner with release stores.
//  * entries_[id]: owner-only bookkeeping, the Slab header (kept for the whole
//    life of the allocator once created, so a stale pointer never dangles into
//    freed header memory) and the RAII handle of the slab's data.
//  * free_[c]: per-class intrusive free lists through Slab::next_free, owner only.
//  * remote_head_: the lock-free remote-free stack, written by any thread.
//
// Counters are split by writer so no cache line is written by both sides in
// the hot path: the owner's counters use plain relaxed load+store (single
// writer, no locked RMW); the remote side uses one relaxed fetch_add per
// free_remote() (several writers). In-use figures are derived in stats().
#include "buckets/slab_allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <vector>

namespace brigade::buckets {

namespace {

// Classes from this one up are mapped with mmap: munmap returns the pages to
// the OS immediately, whatever malloc's trim thresholds currently are.
constexpr uint32_t kFirstMappedClass = 3;  // 256 KiB
constexpr size_t kAlign = 64;

// Owns one slab's data block; frees it with the matching call.
class SlabMemory {
 public:
  SlabMemory() = default;
  SlabMemory(const SlabMemory&) = delete;
  SlabMemory& operator=(const SlabMemory&) = delete;
  SlabMemory(SlabMemory&& o) noexcept : p_(o.p_), size_(o.size_), mapped_(o.mapped_) { o.p_ = nullptr; }
  SlabMemory& operator=(SlabMemory&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      size_ = o.size_;
      mapped_ = o.mapped_;
      o.p_ = nullptr;
    }
    return *this;
  }
  ~SlabMemory() { reset(); }

  // Returns false (and owns nothing) if the OS refuses.
  bool acquire(uint32_t size, bool mapped) {
    reset();
    if (mapped) {
      void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return false;
      p_ = static_cast<uint8_t*>(p);  // page aligned, hence 64-byte aligned
    } else {
      p_ = static_cast<uint8_t*>(std::aligned_alloc(kAlign, size));  // size is a multiple of 64
      if (p_ == nullptr) return false;
    }
    size_ = size;
    mapped_ = mapped;
    return true;
  }
  void reset() {
    if (p_ == nullptr) return;
    if (mapped_) {
      munmap(p_, size_);
    } else {
      std::free(p_);
    }
    p_ = nullptr;
  }
  uint8_t* get() const { return p_; }

 private:
  uint8_t* p_ = nullptr;
  uint32_t size_ = 0;
  bool mapped_ = false;
};

struct Entry {
  std::unique_ptr<Slab> hdr;  // created on first use of the id, never destroyed before the allocator
  SlabMemory mem;             // empty while the id is unused / released
};

// Single-writer counter: relaxed load+store is enough and avoids a locked RMW.
inline void bump(std::atomic<uint64_t>& c, uint64_t d = 1) {
  c.store(c.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
}
inline void drop(std::atomic<uint64_t>& c, uint64_t d) {
  c.store(c.load(std::memory_order_relaxed) - d, std::memory_order_relaxed);
}

}  // namespace

struct SlabAllocator::Impl {
  Impl(SlabAllocator* self, uint32_t max_slabs, uint64_t max_free_bytes)
      : self(self),
        max_slabs(max_slabs),
        max_free_bytes(max_free_bytes),
        // Value-initialised: every entry starts as nullptr.
        table(std::make_unique<std::atomic<Slab*>[]>(size_t{max_slabs} + 1)) {
    // Reserve once so the hot path never reallocates (and never moves entries).
    entries.reserve(size_t{max_slabs} + 1);
    entries.emplace_back();  // id 0 is "none"
    free_ids.reserve(max_slabs);
  }

  SlabAllocator* const self;
  const uint32_t max_slabs;
  const uint64_t max_free_bytes;

  // --- shared with other threads --------------------------------------------
  std::unique_ptr<std::atomic<Slab*>[]> table;

  // Remote side: written by any freeing thread. Own cache line.
  alignas(64) std::atomic<Slab*> remote_head{nullptr};
  std::atomic<uint64_t> remote_frees[kNumClasses] = {};

  // Owner side: written only by the owner, read by stats(). Own cache line.
  alignas(64) std::atomic<uint64_t> allocs[kNumClasses] = {};
  std::atomic<uint64_t> local_frees[kNumClasses] = {};
  std::atomic<uint64_t> slabs_total{0};
  std::atomic<uint64_t> bytes_reserved{0};

  // --- owner only -------------------------------------------------------------
  alignas(64) std::vector<Entry> entries;  // index = id; size = 1 + highest id ever used
  std::vector<uint32_t> free_ids;          // ids whose slab went back to the OS
  Slab* free_list[kNumClasses] = {};
  uint32_t free_count[kNumClasses] = {};
  uint64_t free_bytes = 0;  // bytes sitting in free_list[]

  // Owner: take a slab back into the free lists, or give it to the OS if
  // keeping it would exceed max_free_bytes.
  void put_back(Slab* s) {
    if (free_bytes + s->capacity > max_free_bytes) {
      release(s);
      return;
    }
    s->next_free.store(free_list[s->size_class], std::memory_order_relaxed);
    free_list[s->size_class] = s;
    free_count[s->size_class]++;
    free_bytes += s->capacity;
  }

  // Owner: return a slab's memory to the OS; its id becomes reusable. The
  // header stays (entries[id].hdr) and is reinitialised when the id is reused.
  void release(Slab* s) {
    table[s->id].store(nullptr, std::memory_order_release);
    drop(slabs_total, 1);
    drop(bytes_reserved, s->capacity);
    entries[s->id].mem.reset();
    s->data = nullptr;
    s->capacity = 0;
    s->next_free.store(nullptr, std::memory_order_relaxed);
    free_ids.push_back(s->id);
  }

  Slab* pop_free(uint32_t c) {
    Slab* s = free_list[c];
    if (s == nullptr) return nullptr;
    free_list[c] = s->next_free.load(std::memory_order_relaxed);
    free_count[c]--;
    free_bytes -= s->capacity;
    return s;
  }

  // Owner: give one free slab of another class back to the OS so that its id
  // (and memory) can be reused. Largest class first: frees the most memory.
  bool evict_one(uint32_t except) {
    for (int c = kNumClasses - 1; c >= 0; c--) {
      if (static_cast<uint32_t>(c) == except) continue;
      if (Slab* s = pop_free(c)) {
        release(s);
        return true;
      }
    }
    return false;
  }

  bool take_id(uint32_t* id) {
    if (!free_ids.empty()) {
      *id = free_ids.back();
      free_ids.pop_back();
      return true;
    }
    if (entries.size() <= max_slabs) {
      *id = static_cast<uint32_t>(entries.size());
      entries.emplace_back();  // within reserved capacity: no reallocation
      return true;
    }
    return false;
  }

  // Owner: make a brand-new slab of class c, or nullptr.
  Slab* create(uint32_t c) {
    uint32_t id;
    if (!take_id(&id) && !(evict_one(c) && take_id(&id))) return nullptr;
    Entry& e = entries[id];
    const uint32_t cap = kClassBytes[c];
    const bool mapped = c >= kFirstMappedClass;
    if (!e.mem.acquire(cap, mapped)) {
      // Out of memory: drop everything cached and try once more.
      while (evict_one(kNumClasses)) {
      }
      if (!e.mem.acquire(cap, mapped)) {
        free_ids.push_back(id);
        return nullptr;
      }
    }
    // Headers are small and made once per id; with -fno-exceptions an
    // allocation failure here aborts, like any other operator new.
    if (!e.hdr) e.hdr = std::make_unique<Slab>();
    Slab* s = e.hdr.get();
    s->id = id;
    s->size_class = static_cast<uint8_t>(c);
    s->capacity = cap;
    s->data = e.mem.get();
    s->owner = self;
    s->next_free.store(nullptr, std::memory_order_relaxed);
    bump(slabs_total);
    bump(bytes_reserved, cap);
    // Publish: a thread that later receives this id sees initialised fields.
    table[id].store(s, std::memory_order_release);
    return s;
  }

  // Owner: take the whole remote stack with one exchange and file its slabs.
  //
  // Why this is ABA-free: the classic ABA failure needs a popper that reads
  // head (A), then reads A->next, and later CASes head from A to that stale
  // next. Here nobody pops single nodes: pushers only CAS head from the value
  // they last saw to their own node (whose link they wrote themselves, and a
  // node is pushed by exactly one thread at a time, since only its holder
  // frees it), and the owner detaches the entire chain with exchange(nullptr),
  // which reads no node contents before the swap. If head goes A -> (taken,
  // reused, freed again) -> A between a pusher's load and its CAS, the CAS
  // succeeds with s->next = A, which is still exactly the current top: the
  // list is valid. So no tag/generation counter is needed.
  //
  // Memory order: every push is a release CAS, and the exchange is an
  // acquire RMW. RMWs extend release sequences, so reading the last pushed
  // head synchronises with every push since the previous exchange; all the
  // freeing threads' writes to those slabs (and their next_free links)
  // happen-before the owner walks and reuses them.
  void reclaim() {
    if (remote_head.load(std::memory_order_relaxed) == nullptr) return;  // avoid the RMW when empty
    Slab* s = remote_head.exchange(nullptr, std::memory_order_acquire);
    while (s != nullptr) {
      Slab* next = s->next_free.load(std::memory_order_relaxed);
      put_back(s);
      s = next;
    }
  }
};

SlabAllocator::SlabAllocator(uint32_t max_slabs, uint64_t max_free_bytes)
    : impl_(std::make_unique<Impl>(this, max_slabs, max_free_bytes)) {}

// Entries own the memory and headers; dropping impl_ releases everything.
SlabAllocator::~SlabAllocator() = default;

int SlabAllocator::class_for(size_t n) {
  for (uint32_t c = 0; c < kNumClasses; c++) {
    if (n <= kClassBytes[c]) return static_cast<int>(c);
  }
  return -1;
}

Slab* SlabAllocator::allocate(size_t min_bytes) {
  const int ci = class_for(min_bytes);
  if (ci < 0) return nullptr;
  const uint32_t c = static_cast<uint32_t>(ci);
  Impl& m = *impl_;
  Slab* s = m.pop_free(c);
  if (s == nullptr) {
    m.reclaim();
    s = m.pop_free(c);
    if (s == nullptr) s = m.create(c);
    if (s == nullptr) return nullptr;
  }
  s->next_free.store(nullptr, std::memory_order_relaxed);
  s->refs = 0;
  bump(m.allocs[c]);
  return s;
}

void SlabAllocator::free_local(Slab* s) {
  if (s == nullptr) return;
  Impl& m = *impl_;
  bump(m.local_frees[s->size_class]);
  m.put_back(s);
}

void SlabAllocator::free_remote(Slab* s) {
  if (s == nullptr) return;
  Impl& m = *impl_;
  // Count before the push: once pushed, the owner may reuse s (and change
  // size_class) at any moment.
  m.remote_frees[s->size_class].fetch_add(1, std::memory_order_relaxed);
  Slab* head = m.remote_head.load(std::memory_order_relaxed);
  do {
    s->next_free.store(head, std::memory_order_relaxed);
    // release: publishes this thread's writes to *s (and the link) to the
    // owner's acquire exchange. On failure head is reloaded; retry.
  } while (!m.remote_head.compare_exchange_weak(head, s, std::memory_order_release,
                                                std::memory_order_relaxed));
}

void SlabAllocator::reclaim_remote() { impl_->reclaim(); }

Slab* SlabAllocator::by_id(uint32_t id) const {
  if (id == 0 || id > impl_->max_slabs) return nullptr;
  return impl_->table[id].load(std::memory_order_acquire);
}

SlabStats SlabAllocator::stats() const {
  const Impl& m = *impl_;
  SlabStats st;
  for (uint32_t c = 0; c < kNumClasses; c++) {
    // Read the frees before the allocations: each free of a slab follows its
    // allocation, so this order rarely shows a transiently negative count;
    // clamp in case relaxed reads still do.
    const uint64_t rf = m.remote_frees[c].load(std::memory_order_relaxed);
    const uint64_t lf = m.local_frees[c].load(std::memory_order_relaxed);
    const uint64_t al = m.allocs[c].load(std::memory_order_relaxed);
    const uint64_t freed = rf + lf;
    const uint64_t in_use = al > freed ? al - freed : 0;
    st.slabs_in_use += in_use;
    st.bytes_in_use += in_use * kClassBytes[c];
    st.remote_frees += rf;
    st.local_frees += lf;
    st.allocations += al;
  }
  st.slabs_total = m.slabs_total.load(std::memory_order_relaxed);
  st.bytes_reserved = m.bytes_reserved.load(std::memory_order_relaxed);
  return st;
}

}  // namespace brigade::buckets
