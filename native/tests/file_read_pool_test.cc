// brigade-test-sources: native/mpm/file_read_pool.cc native/conn/file_residency.cc
//
// FileReadPool / FileReadSink (event MPM: file data not in the page cache is
// read off the I/O thread): every job completes exactly once and reaches the
// sink that submitted it, from several submitting threads (run under TSan:
// scripts/native-tests.sh tsan); the range is cached afterwards; stop() with
// jobs queued closes their descriptors; file_range_resident() sees eviction.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "conn/file_prefetcher.h"
#include "mpm/file_read_pool.h"
#include "tests/check.h"

using brigade::mpm::FileReadPool;
using brigade::mpm::FileReadSink;
using brigade::test::failures;
using brigade::test::passed;

namespace {

constexpr size_t kFileBytes = 1 << 20;

std::string make_file() {
  char path[] = "/tmp/brigade-frp-XXXXXX";
  int fd = ::mkstemp(path);
  CHECK(fd >= 0);
  std::vector<char> data(kFileBytes);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  CHECK(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  ::fsync(fd);
  ::close(fd);
  return path;
}

void evict(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
#if defined(POSIX_FADV_DONTNEED)
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
#endif
  ::close(fd);
}

int open_count() {
  int n = 0;
  for (int fd = 0; fd < 4096; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) ++n;
  return n;
}

void residency_probe(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  char buf[4096];
  CHECK(::pread(fd, buf, sizeof buf, 0) == static_cast<ssize_t>(sizeof buf));
  CHECK(brigade::conn::file_range_resident(fd, 0, 1));  // just read: cached
  ::close(fd);
}

// Two sinks (two loops), three submitting threads each: every id comes back
// once, to its own sink, and each wake-up is counted.
void completes_once_per_job(const std::string& path, unsigned jobs_per_thread) {
  FileReadPool pool(2);
  pool.start();
  std::atomic<int> wakes[2] = {0, 0};
  FileReadSink a(pool, [&] { wakes[0].fetch_add(1); });
  FileReadSink b(pool, [&] { wakes[1].fetch_add(1); });
  FileReadSink* sinks[2] = {&a, &b};
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < 6; ++t) {
    ts.emplace_back([&, t] {
      for (unsigned i = 0; i < jobs_per_thread; ++i) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        const uint64_t off = (i * 4096u) % kFileBytes;
        sinks[t % 2]->prefetch(fd, off, 64 * 1024, t * 100000 + i);
      }
    });
  }
  for (auto& t : ts) t.join();
  std::set<uint32_t> got[2];
  const unsigned want = 3 * jobs_per_thread;
  for (int spin = 0; spin < 20000 && (got[0].size() < want || got[1].size() < want); ++spin) {
    for (int s = 0; s < 2; ++s)
      for (uint32_t id : sinks[s]->take_ready()) {
        CHECK(got[s].insert(id).second);           // exactly once
        CHECK(static_cast<int>((id / 100000) % 2) == s);  // to the sink that asked
      }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  CHECK(got[0].size() == want);
  CHECK(got[1].size() == want);
  CHECK(wakes[0].load() == static_cast<int>(want));
  CHECK(wakes[1].load() == static_cast<int>(want));
  pool.stop();
}

void stop_closes_queued(const std::string& path) {
  const int before = open_count();
  {
    FileReadPool pool(1);  // never started: every job stays queued
    FileReadSink s(pool, [] {});
    for (int i = 0; i < 50; ++i) s.prefetch(::open(path.c_str(), O_RDONLY | O_CLOEXEC), 0, 4096, i);
    CHECK(open_count() == before + 50);
    pool.stop();
    CHECK(s.take_ready().empty());
  }
  CHECK(open_count() == before);
}

void evicted_range_is_cached_after_a_job(const std::string& path) {
  evict(path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const bool cold = !brigade::conn::file_range_resident(fd, 512 * 1024, 256 * 1024);
  FileReadPool pool(1);
  pool.start();
  FileReadSink s(pool, [] {});
  s.prefetch(::dup(fd), 512 * 1024, 256 * 1024, 7);
  std::vector<uint32_t> ready;
  for (int spin = 0; spin < 20000 && ready.empty(); ++spin) {
    ready = s.take_ready();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  CHECK(ready.size() == 1 && ready[0] == 7);
  CHECK(brigade::conn::file_range_resident(fd, 512 * 1024, 256 * 1024));
  if (!cold) std::printf("file_read_pool_test: note: eviction not observable here (tmpfs?)\n");
  ::close(fd);
  pool.stop();
}

}  // namespace

int main() {
  const std::string path = make_file();
  residency_probe(path);
  const char* env = std::getenv("BRIGADE_STRESS_ITERS");
  unsigned jobs = env ? static_cast<unsigned>(std::atoi(env)) / 100 : 500;
  if (jobs < 10) jobs = 10;
  completes_once_per_job(path, jobs);
  stop_closes_queued(path);
  evicted_range_is_cached_after_a_job(path);
  ::unlink(path.c_str());
  std::printf("file_read_pool_test: %d passed, %d failed\n", passed, failures);
  return failures == 0 ? 0 : 1;
}
