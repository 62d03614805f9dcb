// SparePool: a bounded per-loop free list of objects connections need only
// while they are busy (a request parser, output-queue storage). An idle
// keep-alive connection holds none of them; a busy one takes one on demand
// and gives it back when it goes idle, so the memory follows the number of
// busy connections, not open ones. Single-threaded: each IoLoop has its own.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace brigade::conn {

template <typename T>
class SparePool {
 public:
  explicit SparePool(size_t max_spare = 64) : max_spare_(max_spare) {}
  // A spare object if there is one, else `fresh()`.
  template <typename Make>
  T take(Make&& fresh) {
    if (spare_.empty()) return fresh();
    T t = std::move(spare_.back());
    spare_.pop_back();
    return t;
  }
  // Keeps t for reuse, or lets it go when the pool is full.
  void give(T&& t) {
    if (spare_.size() < max_spare_) spare_.push_back(std::move(t));
  }
  size_t spare() const { return spare_.size(); }

 private:
  size_t max_spare_;
  std::vector<T> spare_;
};

}  // namespace brigade::conn
