#!/usr/bin/env bash
# npm run test:asan: the native unit tests and the whole uvu suite against an
# AddressSanitizer + UndefinedBehaviorSanitizer build of the addon (cmake-js,
# same source list as binding.gyp). Ends with "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/asan-addon.sh >/dev/null || { echo "${BRIGADE_SUMMARY_LABEL:-}0 passed, 1 failed"; exit 1; }
addon=$(ls build-asan/*/brigade.node | head -1)
libasan=$(gcc -print-file-name=libasan.so)
# test.sh runs (and counts) the native tests in their ASan+UBSan build.
export BRIGADE_NATIVE_MODE=asan
export BRIGADE_ASAN_SUITE=0  # test.sh under CI would start this suite again
# Whole suite on the default MPM, socket tests again on the event MPM (its cross-thread bridge).
export BRIGADE_TEST_MPMS="${BRIGADE_TEST_MPMS:-event}"
export BRIGADE_UVU_ENV="LD_PRELOAD=$libasan ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 BRIGADE_ADDON_PATH=$root/$addon"
exec bash scripts/test.sh
