#include "compress/whole_body_deflater.h"

namespace brigade::compress {

namespace {
constexpr int kWindowBits = 15;  // zlib's and Node's default window
constexpr int kMemLevel = 8;
}  // namespace

WholeBodyDeflater::WholeBodyDeflater(DeflateFormat format, int level) : format_(format), level_(level) {}

WholeBodyDeflater::~WholeBodyDeflater() {
  if (ready_) deflateEnd(&zs_);
}

bool WholeBodyDeflater::ensure_stream() {
  if (ready_) return deflateReset(&zs_) == Z_OK;
  zs_ = z_stream{};
  const int bits = format_ == DeflateFormat::kGzip ? kWindowBits + 16 : kWindowBits;
  ready_ = deflateInit2(&zs_, level_, Z_DEFLATED, bits, kMemLevel, Z_DEFAULT_STRATEGY) == Z_OK;
  return ready_;
}

const std::vector<uint8_t>* WholeBodyDeflater::compress(const std::vector<ByteRange>& pieces) {
  if (!ensure_stream()) return nullptr;
  uLong total = 0;
  for (const ByteRange& p : pieces) total += static_cast<uLong>(p.size);
  // deflateBound covers the whole stream (header and trailer included), so a
  // single Z_FINISH pass always fits and never needs the loop to grow out_.
  out_.resize(deflateBound(&zs_, total));
  zs_.next_out = out_.data();
  zs_.avail_out = static_cast<uInt>(out_.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    const bool last = i + 1 == pieces.size();
    if (!last && pieces[i].size == 0) continue;  // deflate makes no progress on it: Z_BUF_ERROR
    zs_.next_in = const_cast<Bytef*>(pieces[i].data);
    zs_.avail_in = static_cast<uInt>(pieces[i].size);
    const int rc = deflate(&zs_, last ? Z_FINISH : Z_NO_FLUSH);
    if (last ? rc != Z_STREAM_END : rc != Z_OK) {
      deflateEnd(&zs_);
      ready_ = false;
      return nullptr;
    }
  }
  if (pieces.empty()) {
    zs_.next_in = nullptr;
    zs_.avail_in = 0;
    if (deflate(&zs_, Z_FINISH) != Z_STREAM_END) {
      deflateEnd(&zs_);
      ready_ = false;
      return nullptr;
    }
  }
  out_.resize(out_.size() - zs_.avail_out);
  return &out_;
}

}  // namespace brigade::compress
