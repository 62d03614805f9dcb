#include "mpm/file_read_pool.h"

#include <unistd.h>

#include <algorithm>
#include <memory>

namespace brigade::mpm {

void FileReadSink::prefetch(int fd, uint64_t off, uint64_t len, uint32_t conn_id) {
  pool_.submit(fd, off, len, this, conn_id);
}

void FileReadSink::complete(uint32_t conn_id) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    done_.push_back(conn_id);
  }
  wake_();
}

std::vector<uint32_t> FileReadSink::take_ready() {
  std::vector<uint32_t> out;
  std::lock_guard<std::mutex> lk(mu_);
  out.swap(done_);
  return out;
}

void FileReadPool::start() {
  for (unsigned i = 0; i < nthreads_; ++i) threads_.emplace_back([this] { run(); });
}

void FileReadPool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  for (const Job& j : jobs_) ::close(j.fd);
  jobs_.clear();
}

void FileReadPool::submit(int fd, uint64_t off, uint64_t len, FileReadSink* sink, uint32_t conn_id) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!stopping_) {
      jobs_.push_back(Job{fd, off, len, sink, conn_id});
      cv_.notify_one();
      return;
    }
  }
  ::close(fd);
}

void FileReadPool::run() {
  constexpr size_t kScratch = 256 * 1024;
  auto scratch = std::make_unique<char[]>(kScratch);
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = jobs_.front();
      jobs_.pop_front();
    }
    // Blocking reads: this is where the disk wait happens instead of the I/O thread.
    uint64_t off = job.off;
    uint64_t left = job.len;
    while (left > 0) {
      ssize_t n = ::pread(job.fd, scratch.get(), std::min<uint64_t>(left, kScratch), static_cast<off_t>(off));
      if (n <= 0) break;  // EOF or error: sendfile on the loop meets it and reports it
      off += static_cast<uint64_t>(n);
      left -= static_cast<uint64_t>(n);
    }
    ::close(job.fd);
    job.sink->complete(job.conn_id);
  }
}

}  // namespace brigade::mpm
