// timer_queue.cc for the fuzz build, with its monotonic_ms() renamed so that
// fuzz_connection.cc can define brigade::poll::monotonic_ms() as a fake clock
// the harness advances (timer expiries become inputs, not waits).
#define monotonic_ms brigade_fuzz_real_monotonic_ms
#include "poll/timer_queue.cc"
#undef monotonic_ms
