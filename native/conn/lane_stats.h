// Per-lane figures for the status scoreboard: one row of doubles per lane
// (one row per native thread in the event, worker and leader MPMs; the looper
// has one lane, on the JS thread). Read with relaxed loads: a snapshot of
// gauges that may be a turn apart, which is all a status page needs.
// Field order is mirrored in src/status/lane-stats.ts.
#pragma once
#include <atomic>
#include <cstddef>

#include "conn/io_context.h"

namespace brigade::conn {

inline constexpr size_t kLaneStatsFields = 7;

inline void fill_lane_stats(const IoStats& s, double* row) {
  const std::atomic<uint64_t>* f[kLaneStatsFields] = {&s.connections_open, &s.requests_total, &s.bytes_written,
                                                      &s.reading,          &s.writing,        &s.keepalive,
                                                      &s.lingering};
  for (size_t k = 0; k < kLaneStatsFields; ++k) row[k] = static_cast<double>(f[k]->load(std::memory_order_relaxed));
}

}  // namespace brigade::conn
