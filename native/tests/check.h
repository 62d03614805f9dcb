// Minimal assertion helpers for the native tests written against this header:
// count passes and failures, print the failed expression, never abort.
#pragma once
#include <cstdio>

namespace brigade::test {
inline int passed = 0;
inline int failures = 0;
}  // namespace brigade::test

#define CHECK(c)                                                                 \
  do {                                                                           \
    if (c) {                                                                     \
      ++brigade::test::passed;                                                   \
    } else {                                                                     \
      ++brigade::test::failures;                                                 \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); \
    }                                                                            \
  } while (0)
