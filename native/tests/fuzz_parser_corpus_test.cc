// brigade-test-sources: native/fuzz/fuzz_parser.cc native/http/request_parser.cc native/http/body_decoder.cc
// Replays the committed corpus of the fuzz_parser target (seeds, regression
// inputs, minimised corpus) with the regular compiler: see native/fuzz/README.md.
#define BRIGADE_FUZZ_TARGET "fuzz_parser"
#include "../fuzz/replay_main.h"
