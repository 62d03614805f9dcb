#!/usr/bin/env bash
# libFuzzer targets of native/fuzz (see native/fuzz/README.md).
#
#   bash scripts/fuzz.sh build                     configure + build build-fuzz/ (clang, ASan+UBSan)
#   bash scripts/fuzz.sh run [target...] [-flag...] fuzz each target in turn (all by default);
#                                                  -flags go to libFuzzer, e.g. -max_total_time=300
#   bash scripts/fuzz.sh check [target...]         run every corpus file once (regression check)
#   bash scripts/fuzz.sh merge [target...]         minimise the working corpus into native/fuzz/corpus/
#   bash scripts/fuzz.sh repro <target> <file...>  run single inputs (e.g. a crash file)
#
#   npm run fuzz:build          = build
#   npm run fuzz -- -max_total_time=N   = run, N seconds per target
#
# Corpora: native/fuzz/corpus/<target>/ is the committed seed + minimised
# corpus, read by every run; what a run discovers goes to build-fuzz/corpus/<target>/
# (not committed; `merge` keeps only inputs that add coverage). Crashes, leaks
# and timeouts are written to build-fuzz/crashes/<target>-crash-<sha1> etc.
# Default libFuzzer flags: -max_len=8192 -timeout=10 -rss_limit_mb=4096
# -print_final_stats=1, and run adds -dict=native/fuzz/http.dict (later flags win).
# Env: CXX (default clang++), FUZZ_JOBS (parallel build jobs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
all_targets=(fuzz_parser fuzz_connection fuzz_static)

die() { echo "fuzz: $*" >&2; exit 1; }

do_build() {
  local cxx="${CXX:-clang++}"
  command -v "$cxx" >/dev/null 2>&1 ||
    die "$cxx not found (Debian: apt-get install -y clang libclang-rt-14-dev)"
  local gen=()
  if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  echo "== configure -> build-fuzz ($cxx)"
  cmake -S "$root" -B "$build" "${gen[@]}" \
    -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_BUILD_TYPE= \
    -DBRIGADE_SANITIZE= \
    -DBRIGADE_TESTS=OFF \
    -DBRIGADE_ADDON=OFF \
    -DBRIGADE_FUZZ=ON >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; die "cmake configure failed"; }
  echo "== build ${all_targets[*]}"
  cmake --build "$build" --target "${all_targets[@]}" -j "${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
}

# Splits "$@" into targets (names) and libFuzzer flags (-x...).
targets=()
flags=()
split_args() {
  for a in "$@"; do
    if [[ "$a" == -* ]]; then
      flags+=("$a")
    else
      [[ " ${all_targets[*]} " == *" $a "* ]] || die "unknown target '$a' (have: ${all_targets[*]})"
      targets+=("$a")
    fi
  done
  [[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
}

need_binaries() {
  local missing=0
  for t in "${targets[@]}"; do [[ -x "$build/$t" ]] || missing=1; done
  # Always rebuild incrementally: sources may have changed since the last run.
  do_build >/dev/null || die "build failed (run: bash scripts/fuzz.sh build)"
  [[ $missing -eq 0 ]] || for t in "${targets[@]}"; do [[ -x "$build/$t" ]] || die "no $build/$t"; done
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
base_flags=(-max_len=8192 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1)

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  build)
    do_build
    ;;
  run)
    split_args "$@"
    need_binaries
    mkdir -p "$build/crashes"
    rc=0
    for t in "${targets[@]}"; do
      mkdir -p "$build/corpus/$t" "$root/native/fuzz/corpus/$t"
      echo "== fuzz $t ${flags[*]:-}"
      "$build/$t" "${base_flags[@]}" -dict="$root/native/fuzz/http.dict" -artifact_prefix="$build/crashes/$t-" "${flags[@]}" \
        "$build/corpus/$t" "$root/native/fuzz/corpus/$t" || { rc=$?; echo "== $t FAILED (rc=$rc); artifacts in build-fuzz/crashes/"; }
    done
    exit $rc
    ;;
  check)
    split_args "$@"
    need_binaries
    rc=0
    for t in "${targets[@]}"; do
      files=("$root/native/fuzz/corpus/$t"/*)
      echo "== check $t: ${#files[@]} corpus files"
      "$build/$t" "${flags[@]}" -runs=0 "$root/native/fuzz/corpus/$t" 2>&1 | tail -3 || rc=1
    done
    exit $rc
    ;;
  merge)
    split_args "$@"
    need_binaries
    for t in "${targets[@]}"; do
      mkdir -p "$build/corpus/$t" "$root/native/fuzz/corpus/$t"
      echo "== merge $t -> native/fuzz/corpus/$t"
      "$build/$t" -merge=1 "${base_flags[@]}" "${flags[@]}" "$root/native/fuzz/corpus/$t" "$build/corpus/$t" 2>&1 | tail -2
    done
    ;;
  repro)
    [[ $# -ge 2 ]] || die "usage: fuzz.sh repro <target> <file...>"
    t="$1"
    shift
    targets=("$t")
    need_binaries
    "$build/$t" "$@"
    ;;
  *)
    sed -n '2,22p' "$0"
    [[ -z "$cmd" || "$cmd" == -h || "$cmd" == --help ]] || exit 2
    ;;
esac
