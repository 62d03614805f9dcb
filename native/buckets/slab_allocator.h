// SlabAllocator: size-classed slabs of native memory, owned by the thread that
// produces responses (the JS thread), freed by whichever thread wrote them to a
// socket (an I/O thread).
//
// Ownership rules:
//  * allocate() and every other non-static member except free_remote() and
//    stats() are called only by the owner thread.
//  * free_remote() may be called by any thread at any time: it pushes the slab
//    on a lock-free intrusive stack (CAS push). The owner takes the whole stack
//    with one atomic exchange (ABA-free: nobody else pops) inside allocate().
//  * Slab ids are stable: id -> Slab* lookup (by_id) is lock-free and safe from
//    any thread for an id that thread legitimately holds (table is fixed-size,
//    entries are published with release stores before the id is handed out).
//
// Plain C++, no Node headers.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace brigade::buckets {

class SlabAllocator;

struct Slab {
  uint32_t id = 0;             // index in the owner's table (>= 1; 0 is "none")
  uint8_t size_class = 0;
  uint32_t capacity = 0;       // bytes of data
  uint8_t* data = nullptr;     // capacity bytes, 64-byte aligned
  SlabAllocator* owner = nullptr;
  std::atomic<Slab*> next_free{nullptr};  // link in the remote-free stack / local free list
  // Reference count used by the consuming (writer) side while the slab is out;
  // see docs/architecture.md "Slab lifecycle". Not touched by the allocator
  // except reset to 0 on allocate().
  uint32_t refs = 0;
};

struct SlabStats {
  uint64_t slabs_total = 0;     // slabs ever created and not released to the OS
  uint64_t slabs_in_use = 0;    // handed out by allocate(), not yet freed
  uint64_t bytes_in_use = 0;    // sum of capacity of slabs in use
  uint64_t bytes_reserved = 0;  // sum of capacity of all slabs held (in use + free)
  uint64_t remote_frees = 0;    // free_remote() calls so far
  uint64_t local_frees = 0;     // free_local() calls so far
  uint64_t allocations = 0;     // allocate() calls that succeeded
};

class SlabAllocator {
 public:
  // Size classes: 4 KiB, 16 KiB, 64 KiB, 256 KiB, 1 MiB, 4 MiB.
  static constexpr uint32_t kNumClasses = 6;
  static constexpr uint32_t kClassBytes[kNumClasses] = {4096, 16384, 65536, 262144, 1048576, 4194304};

  // max_slabs bounds the id table (ids 1..max_slabs); max_free_bytes caps the
  // memory kept in free lists (beyond it, freed slabs are released to the OS).
  explicit SlabAllocator(uint32_t max_slabs = 16384, uint64_t max_free_bytes = 64u << 20);
  ~SlabAllocator();  // releases every slab; callers guarantee none is in use by then
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;

  // Owner thread. Returns a slab whose capacity >= min_bytes (smallest class
  // that fits), or nullptr if min_bytes > the largest class or the id table /
  // memory is exhausted. Drains the remote-free stack first when it must.
  Slab* allocate(size_t min_bytes);
  // Owner thread: return a slab it holds.
  void free_local(Slab* s);
  // Any thread: return a slab (lock-free push on the owner's remote stack).
  void free_remote(Slab* s);
  // Owner thread: take back everything on the remote stack now (one exchange).
  void reclaim_remote();
  // Any thread. Returns nullptr for an unknown id.
  Slab* by_id(uint32_t id) const;
  // Any thread; values are read with relaxed atomics (a consistent-enough snapshot).
  SlabStats stats() const;
  // Smallest class index whose bytes >= n, or -1.
  static int class_for(size_t n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brigade::buckets
