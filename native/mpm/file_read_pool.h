// FileReadPool: a few threads that read file ranges into the page cache for
// the event MPM's I/O threads (FilePrefetcher). A job is a duplicated fd and a
// range; the thread preads it into a scratch buffer (the data is dropped: the
// point is that the kernel now has it cached), closes the fd and reports the
// connection id to the loop that asked, through that loop's waker.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <functional>

#include "conn/file_prefetcher.h"

namespace brigade::mpm {

// One loop's side: jobs go to the pool, finished ones come back here and
// wake the loop. Owned by the EventMpm, one per I/O thread.
class FileReadSink final : public conn::FilePrefetcher {
 public:
  // wake: makes the loop run a turn (IoLoop::wake), from any thread.
  FileReadSink(class FileReadPool& pool, std::function<void()> wake) : pool_(pool), wake_(std::move(wake)) {}
  void prefetch(int fd, uint64_t off, uint64_t len, uint32_t conn_id) override;
  std::vector<uint32_t> take_ready() override;
  // Pool threads: a job for conn_id is done.
  void complete(uint32_t conn_id);

 private:
  FileReadPool& pool_;
  std::function<void()> wake_;
  std::mutex mu_;
  std::vector<uint32_t> done_;
};

class FileReadPool {
 public:
  explicit FileReadPool(unsigned threads) : nthreads_(threads) {}
  ~FileReadPool() { stop(); }
  FileReadPool(const FileReadPool&) = delete;
  FileReadPool& operator=(const FileReadPool&) = delete;

  void start();
  // Joins the threads; jobs still queued are dropped (their fds closed).
  void stop();
  void submit(int fd, uint64_t off, uint64_t len, FileReadSink* sink, uint32_t conn_id);

 private:
  struct Job {
    int fd;
    uint64_t off;
    uint64_t len;
    FileReadSink* sink;
    uint32_t conn_id;
  };
  void run();

  unsigned nthreads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace brigade::mpm
