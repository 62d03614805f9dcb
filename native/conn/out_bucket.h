// OutBucket: one entry of a connection's output queue, the native twin of a
// bucket descriptor that crossed the bridge (or a response the native side made
// itself). Releasing it is what frees memory / closes files / ends a request.
#pragma once
#include <cstdint>
#include <memory>

#include "buckets/bucket.h"
#include "buckets/slab_allocator.h"

namespace brigade::conn {

struct OutBucket {
  buckets::BucketKind kind = buckets::BucketKind::kEos;
  bool own_fd = false;        // FILE: close fd on release
  bool close_after = false;   // EOR: close the connection once it is reached
  const uint8_t* data = nullptr;  // memory buckets: next unsent byte
  uint64_t len = 0;               // memory/file: bytes left to send
  buckets::Slab* slab = nullptr;  // HEAP from JS: reference to drop on release
  std::shared_ptr<const std::string> owned;  // native-made bytes (error pages, 100 Continue)
  int fd = -1;                    // FILE
  std::shared_ptr<const void> file_ref;  // FILE not owned: keeps a shared descriptor open
  uint64_t file_off = 0;          // FILE: next offset to send
  uint32_t pool_id = 0;           // EOR: JS pool to notify (0 = none)
  uint32_t seq = 0;               // request this bucket belongs to

  bool is_memory() const {
    return kind == buckets::BucketKind::kHeap || kind == buckets::BucketKind::kImmortal;
  }
};

}  // namespace brigade::conn
