#!/usr/bin/env bash
# Build and run the native tests (native/tests/*_test.cc) with CMake/CTest.
#
#   bash scripts/native-tests.sh [plain|tsan|asan]
#
#   plain  build-native/       normal RelWithDebInfo build
#   tsan   build-native-tsan/  -fsanitize=thread
#   asan   build-native-asan/  -fsanitize=address,undefined
#
# Only the test targets are built (never the addon). A test that declares
# `// brigade-test-sources: ...` is built from those sources alone, so it runs
# even while other parts of the core do not compile yet; CMakeLists.txt lists
# the tests it defined (and the ones it skipped) in <build>/brigade-tests.txt.
# Env: BRIGADE_STRESS_ITERS scales stress tests; BRIGADE_TEST_VERBOSE=1 shows
# every test's output; extra ctest arguments go in CTEST_ARGS.
set -uo pipefail

mode="${1:-plain}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$mode" in
  plain) build="$root/build-native"; sanitize="" ;;
  tsan) build="$root/build-native-tsan"; sanitize="thread" ;;
  asan) build="$root/build-native-asan"; sanitize="address;undefined" ;;
  -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "usage: $0 [plain|tsan|asan]" >&2; exit 2 ;;
esac

die() { echo "native-tests ($mode): FAILED: $*" >&2; exit 1; }

# Ninja when available, but never switch generators on an existing build dir.
gen=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi

echo "== configure ($mode) -> ${build#"$root"/}"
cmake -S "$root" -B "$build" "${gen[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBRIGADE_SANITIZE="$sanitize" \
  -DBRIGADE_TESTS=ON \
  -DBRIGADE_ADDON=OFF >"$build.configure.log" 2>&1 \
  || { cat "$build.configure.log" >&2; die "cmake configure"; }
# Show CMake's warnings (missing sources, skipped tests) without the noise.
grep -A3 "CMake Warning" "$build.configure.log" | grep -v "^--$" | grep -v "^$" || true

manifest="$build/brigade-tests.txt"
[[ -f "$manifest" ]] || die "no $manifest (is BRIGADE_TESTS handled by CMakeLists.txt?)"
tests=()
skipped=()
while read -r kind name rest; do
  case "$kind" in
    test) tests+=("$name") ;;
    skip) skipped+=("$name ($rest)") ;;
  esac
done <"$manifest"
[[ ${#tests[@]} -gt 0 ]] || die "no runnable tests (skipped: ${skipped[*]:-none})"

jobs="$(nproc 2>/dev/null || echo 2)"
built=()
build_failed=()
for t in "${tests[@]}"; do
  echo "== build $t"
  if cmake --build "$build" --target "$t" -j "$jobs"; then
    built+=("$t")
  else
    build_failed+=("$t")
  fi
done

ctest_rc=0
if [[ ${#built[@]} -gt 0 ]]; then
  # Sanitizer reports are failures, and stop at the first one.
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
  export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1 ${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 ${UBSAN_OPTIONS:-}"
  regex="^($(IFS='|'; echo "${built[*]}"))\$"
  verbose=(--output-on-failure)
  [[ "${BRIGADE_TEST_VERBOSE:-0}" == 1 ]] && verbose=(-V)
  echo "== run ($mode): ${built[*]}"
  # shellcheck disable=SC2086
  (cd "$build" && ctest "${verbose[@]}" --timeout 600 -R "$regex" ${CTEST_ARGS:-}) || ctest_rc=$?
fi

echo
echo "== native tests ($mode) summary"
log="$build/Testing/Temporary/LastTest.log"
if [[ -f "$log" ]]; then
  # Each test prints "<name>: N passed, M failed ..." as its last line.
  grep -E "^[A-Za-z0-9_]+_test: [0-9]+ passed" "$log" | sed 's/^/   /' || true
fi
echo "   built:        ${#built[@]} (${built[*]:-})"
[[ ${#build_failed[@]} -gt 0 ]] && echo "   BUILD FAILED: ${build_failed[*]}"
failed_log="$build/Testing/Temporary/LastTestsFailed.log"
if [[ $ctest_rc -ne 0 && -f "$failed_log" ]]; then
  echo "   TEST FAILED:  $(cut -d: -f2 "$failed_log" | tr '\n' ' ')"
fi
[[ ${#skipped[@]} -gt 0 ]] && printf '   skipped:      %s\n' "${skipped[@]}"
if [[ ${#build_failed[@]} -gt 0 || $ctest_rc -ne 0 ]]; then
  echo "   result:       FAILED"
  exit 1
fi
echo "   result:       OK"
