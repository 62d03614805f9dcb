// brigade-test-sources: native/fuzz/fuzz_connection.cc native/fuzz/fake_clock_timer_queue.cc native/poll/epoll_poller.cc native/poll/waker.cc
// brigade-test-sources: native/http/request_parser.cc native/http/body_decoder.cc native/http/canned_responses.cc native/http/request_classifier.cc
// brigade-test-sources: native/buckets/slab_allocator.cc native/conn/connection.cc native/conn/writer.cc native/conn/file_residency.cc native/bridge/lane.cc native/mpm/io_loop.cc
// Replays the committed corpus of the fuzz_connection target (seeds, regression
// inputs of fixed bugs, minimised corpus) through a real IoLoop with the
// regular compiler: see native/fuzz/README.md.
#define BRIGADE_FUZZ_TARGET "fuzz_connection"
#include "../fuzz/replay_main.h"
