// Bucket kinds shared by the native writer and the TypeScript side (the numeric
// values cross the bridge; keep src/brigade/kinds.ts in sync).
#pragma once
#include <cstdint>

namespace brigade::buckets {

enum class BucketKind : uint8_t {
  kHeap = 1,      // bytes in a slab: (slab id, offset, length)
  kFile = 2,      // (fd, offset, length) — written with sendfile, never read by the writer
  kImmortal = 3,  // static bytes known to both sides (canned heads), by id
  kFlush = 4,     // write everything before it now
  kEos = 5,       // end of this response's body
  kEor = 6,       // end of request: the request pool is destroyed when the writer reaches it
};

}  // namespace brigade::buckets
