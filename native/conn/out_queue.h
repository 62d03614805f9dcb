// OutQueue: a connection's output queue. A vector with a moving head: push at
// the back, pop at the front, storage reused once the queue empties, so a
// keep-alive connection allocates nothing per response (std::deque allocates
// and frees a block every few buckets). The storage itself is lent: an idle
// connection hands it back to its loop's pool (take_storage) and borrows one
// again for its next response (adopt_storage).
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

#include "conn/out_bucket.h"

namespace brigade::conn {

class OutQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  OutBucket& front() { return items_[head_]; }
  void push_back(OutBucket&& b) {
    if (head_ > 0 && head_ == items_.size()) clear();
    items_.push_back(std::move(b));
  }
  void pop_front() {
    items_[head_] = OutBucket{};  // drop references early
    if (++head_ == items_.size()) clear();
  }
  void clear() {
    items_.clear();
    head_ = 0;
    // An idle connection should not hold a large buffer.
    if (items_.capacity() > 64) std::vector<OutBucket>().swap(items_);
  }
  bool has_storage() const { return items_.capacity() != 0; }
  // Empty queue only: installs borrowed storage / gives the storage away.
  void adopt_storage(std::vector<OutBucket>&& v) {
    v.clear();
    items_ = std::move(v);
    head_ = 0;
  }
  std::vector<OutBucket> take_storage() {
    clear();
    return std::exchange(items_, {});
  }
  std::vector<OutBucket>::iterator begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  std::vector<OutBucket>::iterator end() { return items_.end(); }
  std::vector<OutBucket>::const_iterator begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  std::vector<OutBucket>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<OutBucket> items_;
  size_t head_ = 0;
};

}  // namespace brigade::conn
