// brigade-test-sources: native/fuzz/fuzz_static.cc native/static/safe_path.cc native/static/http_date.cc native/static/conditional.cc native/static/accept_encoding.cc native/static/response_head.cc
// Replays the committed corpus of the fuzz_static target with the regular
// compiler: see native/fuzz/README.md.
#define BRIGADE_FUZZ_TARGET "fuzz_static"
#include "../fuzz/replay_main.h"
