// A main() for running a fuzz target without libFuzzer: every file of the
// target's committed corpus (native/fuzz/corpus/<target>/: the seeds, the
// regression inputs of fixed bugs and the minimised corpus) goes once through
// LLVMFuzzerTestOneInput. Used by native/tests/fuzz_*_corpus_test.cc, so the
// native test suite (and its ASan/TSan builds) replays them with the regular
// compiler. An invariant violation aborts, which fails the test.
//
// Include it from exactly one .cc after defining BRIGADE_FUZZ_TARGET.
#pragma once
#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main() {
  // __FILE__ is .../native/tests/<this test>.cc (CMake passes absolute paths).
  std::string here = __FILE__;
  std::string root = here.substr(0, here.rfind("/native/tests/"));
  std::string dir = root + "/native/fuzz/corpus/" BRIGADE_FUZZ_TARGET;
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') files.push_back(e->d_name);
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  int seeds = 0, regress = 0;
  for (const std::string& f : files) {
    std::ifstream in(dir + "/" + f, std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "%s\n", f.c_str());  // the last name printed is the one that failed
    LLVMFuzzerTestOneInput(data.data(), data.size());
    seeds += f.rfind("seed-", 0) == 0;
    regress += f.rfind("regress-", 0) == 0;
  }
  const bool ok = files.size() > 0;
  std::printf("%s corpus: %zu inputs (%d seeds, %d regressions) replayed\n", BRIGADE_FUZZ_TARGET, files.size(),
              seeds, regress);
  std::printf("%s_corpus_test: %d passed, %d failed\n", BRIGADE_FUZZ_TARGET, ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}
