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

#define CHECK_EQ(a, b)                                                                \
  do {                                                                                \
    auto va_ = (a);                                                                   \
    auto vb_ = (b);                                                                   \
    if (va_ == vb_) {                                                                 \
      ++brigade::test::passed;                                                        \
    } else {                                                                          \
      ++brigade::test::failures;                                                      \
      std::fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed (%lld vs %lld)\n", __FILE__, \
                   __LINE__, #a, #b, (long long)va_, (long long)vb_);                 \
    }                                                                                 \
  } while (0)
