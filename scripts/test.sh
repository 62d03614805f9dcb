#!/usr/bin/env bash
# npm test: builds what is needed (addon, TypeScript), runs the native unit
# tests (CTest) and the uvu suite — all files on the default MPM, the socket
# tests again on every other MPM — and ends with one line "N passed, N failed".
#
# Under CI (CI set, as .ci/run's machines do) or with BRIGADE_ASAN_SUITE=1 it
# then runs the sanitizer suite too (scripts/test-asan.sh: the native tests and
# the whole uvu suite against an ASan+UBSan build of the addon), and the last
# line counts both. BRIGADE_ASAN_SUITE=0 leaves it out.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/build-native.sh || { echo "0 passed, 1 failed"; exit 1; }
npx --no-install tsc -p tsconfig.json || { echo "0 passed, 1 failed"; exit 1; }
# Chromium for test/status-browser.test.ts (that test fails with a clear message without it).
bash scripts/install-chromium.sh >/dev/null || true

native_passed=0
native_failed=0
if [[ "${BRIGADE_SKIP_NATIVE_TESTS:-}" != "1" ]]; then
  nlog=$(mktemp)
  bash scripts/native-tests.sh "${BRIGADE_NATIVE_MODE:-plain}" 2>&1 | tee "$nlog"
  # CTest: "100% tests passed, 0 tests failed out of 4"
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$nlog" | tail -1)
  if [[ -n "$line" ]]; then
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    native_failed=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
    native_passed=$((total - native_failed))
  else
    native_failed=1
  fi
  rm -f "$nlog"
fi

total_passed=0
total_failed=0
total_skipped=0
rc=0
# run_uvu <label> <pattern> [VAR=value...]: one uvu run, added to the totals.
# BRIGADE_UVU_ENV: extra environment for uvu only (sanitizer preloads).
run_uvu() {
  local label=$1 pattern=$2
  shift 2
  local log r clean total passed skipped
  log=$(mktemp)
  echo "== uvu: $label"
  timeout "${BRIGADE_TEST_TIMEOUT:-2400}" env "$@" ${BRIGADE_UVU_ENV:-} npx --no-install uvu -r tsx test "$pattern" --no-color 2>&1 | tee "$log"
  r=${PIPESTATUS[0]}
  clean=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  total=$(awk '/^  Total:/{print $2}' <<<"$clean" | tail -1)
  passed=$(awk '/^  Passed:/{print $2}' <<<"$clean" | tail -1)
  skipped=$(awk '/^  Skipped:/{print $2}' <<<"$clean" | tail -1)
  rm -f "$log"
  if [[ -z "$total" ]]; then
    total=1
    passed=0
    [[ $r -eq 0 ]] && r=1
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + total - passed))  # uvu's Total leaves skipped tests out
  total_skipped=$((total_skipped + ${skipped:-0}))
  if [[ $r -ne 0 ]]; then rc=$r; fi
}

run_uvu "all tests (mpm looper)" "${BRIGADE_TEST_PATTERN:-\.test\.ts$}"
if [[ -z "${BRIGADE_TEST_PATTERN:-}" ]]; then
  # Pure unit tests, packaging, CLI and the differential test do not depend on
  # the MPM; the conformance run uses the CLI's default MPM, and bench --quick
  # starts brigade in every MPM itself; the browser test checks the page only;
  # looper workers are always loopers; the deflater, type and API-doc checks use no socket.
  per_mpm='^(?!.*(router|safe-path|cli-args|brigade|pack|cli|differential|conformance-nginx|bench-quick|status-browser|workers|whole-body-deflater|types-consumer|api-docs)\.test\.ts$).*\.test\.ts$'
  for mpm in ${BRIGADE_TEST_MPMS:-event worker leader}; do
    run_uvu "socket tests (mpm $mpm)" "$per_mpm" BRIGADE_MPM="$mpm" BRIGADE_THREADS=64
  done
fi

asan_passed=0
asan_failed=0
asan_wanted="${BRIGADE_ASAN_SUITE:-}"
if [[ -z "$asan_wanted" ]]; then
  if [[ -n "${CI:-}" && "${CI}" != "false" ]]; then asan_wanted=1; else asan_wanted=0; fi
fi
if [[ "$asan_wanted" == "1" ]]; then
  echo "== sanitizer suite (ASan + UBSan): scripts/test-asan.sh"
  alog=$(mktemp)
  # Nested: it runs this script again against the sanitized addon; its own
  # summary line is labelled so the last line here stays the only bare one.
  BRIGADE_ASAN_SUITE=0 BRIGADE_SUMMARY_LABEL="asan suite: " bash scripts/test-asan.sh 2>&1 | tee "$alog"
  ar=${PIPESTATUS[0]}
  line=$(grep -E '^(asan suite: )?[0-9]+ passed, -?[0-9]+ failed' "$alog" | tail -1)
  rm -f "$alog"
  if [[ -n "$line" ]]; then
    asan_passed=$(sed -E 's/^[^0-9]*([0-9]+) passed.*/\1/' <<<"$line")
    asan_failed=$(sed -E 's/.* (-?[0-9]+) failed.*/\1/' <<<"$line")
    if [[ "$line" =~ ([0-9]+)\ skipped ]]; then total_skipped=$((total_skipped + BASH_REMATCH[1])); fi
  else
    asan_failed=1
  fi
  [[ $asan_failed -lt 0 || ( $ar -ne 0 && $asan_failed -eq 0 ) ]] && asan_failed=1
  if [[ $ar -ne 0 && $rc -eq 0 ]]; then rc=$ar; fi
fi

failed=$((total_failed + native_failed + asan_failed))
passed=$((total_passed + native_passed + asan_passed))
if [[ $failed -gt 0 && $rc -eq 0 ]]; then rc=1; fi
echo "${BRIGADE_SUMMARY_LABEL:-}${passed} passed, ${failed} failed, ${total_skipped} skipped"
exit "$rc"
