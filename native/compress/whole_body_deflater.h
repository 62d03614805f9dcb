// Compresses a complete small body in one call, reusing one zlib stream for
// every response (deflateReset). Creating a stream per response costs more
// than compressing a few KiB: deflateInit2 allocates ~256 KiB of window and
// hash tables, and those fresh pages fault in on every call. nginx keeps its
// gzip memory in the request pool for the same reason.
//
// zlib comes from the Node process: Node ships zlib.h with its headers and
// exports the zlib symbols, so the addon links against the same copy.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace brigade::compress {

enum class DeflateFormat { kGzip, kZlib };  // HTTP "gzip" (RFC 1952), "deflate" (RFC 1950)

struct ByteRange {
  const uint8_t* data;
  size_t size;
};

class WholeBodyDeflater {
 public:
  WholeBodyDeflater(DeflateFormat format, int level);
  ~WholeBodyDeflater();
  WholeBodyDeflater(const WholeBodyDeflater&) = delete;
  WholeBodyDeflater& operator=(const WholeBodyDeflater&) = delete;

  // The compressed form of the pieces, concatenated, as one complete stream.
  // nullptr when zlib failed (out of memory); the bytes stay valid until the
  // next call.
  const std::vector<uint8_t>* compress(const std::vector<ByteRange>& pieces);

 private:
  bool ensure_stream();

  DeflateFormat format_;
  int level_;
  z_stream zs_{};
  bool ready_ = false;
  std::vector<uint8_t> out_;
};

}  // namespace brigade::compress
