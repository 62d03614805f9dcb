// ReadBuffer: the scratch buffer one I/O loop reads sockets into. Mapped on
// first use and never zero-filled, so pages that no read reaches cost no
// memory: a thread-per-connection MPM with 1024 threads holds 1024 of these,
// and a typical request touches one page of each. discard() hands touched
// pages back to the kernel (a thread going idle between connections).
#pragma once
#include <sys/mman.h>

#include <cstddef>

namespace brigade::conn {

class ReadBuffer {
 public:
  explicit ReadBuffer(size_t capacity) : capacity_(capacity) {}
  ~ReadBuffer() {
    if (data_) ::munmap(data_, capacity_);
  }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;

  // Only before the first data() call (the loop sizes it at construction).
  void set_capacity(size_t capacity) {
    if (!data_) capacity_ = capacity;
  }
  size_t size() const { return capacity_; }
  // nullptr only if the mapping failed (callers treat it as out of memory).
  char* data() {
    if (!data_) {
      void* p = ::mmap(nullptr, capacity_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED) data_ = static_cast<char*>(p);
    }
    return data_;
  }
  bool mapped() const { return data_ != nullptr; }
  // Returns the pages to the kernel; the mapping stays (reads refault zero pages).
  void discard() {
    if (!data_) return;
#if defined(MADV_DONTNEED) && defined(__linux__)
    ::madvise(data_, capacity_, MADV_DONTNEED);
#elif defined(MADV_FREE)
    ::madvise(data_, capacity_, MADV_FREE);
#endif
  }

 private:
  size_t capacity_;
  char* data_ = nullptr;
};

}  // namespace brigade::conn
