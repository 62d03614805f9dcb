#!/usr/bin/env bash
# Build the Node addon with AddressSanitizer + UBSan (cmake-js, CMakeLists.txt)
# into build-asan/, then run a command against it.
#
#   bash scripts/asan-addon.sh [--no-build] [--] [command args...]
#
#   bash scripts/asan-addon.sh                       # build only; prints the env to use
#   bash scripts/asan-addon.sh node examples/hello.js
#   bash scripts/asan-addon.sh npm test              # the JS suite on the sanitized addon
#   bash scripts/asan-addon.sh --no-build node -e "..."   # reuse the last build
#
# The command runs with:
#   LD_PRELOAD=<libasan.so of the compiler that built the addon>  (node itself is
#       not instrumented; the ASan runtime must be loaded first)
#   ASAN_OPTIONS=detect_leaks=0 (node leaks on purpose at exit)
#   UBSAN_OPTIONS=halt_on_error=1 print_stacktrace=1
#   BRIGADE_ADDON_PATH=<absolute path of build-asan/.../brigade.node>, for the
#       JS loader to load instead of the node-gyp build.
# Caller-set ASAN_OPTIONS / UBSAN_OPTIONS are appended (later values win).
# The exit status is the command's (or 1 if the build fails).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/build-asan"
config=RelWithDebInfo
build=1
if [[ "${1:-}" == "--no-build" ]]; then build=0; shift; fi
if [[ "${1:-}" == "--" ]]; then shift; fi
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then sed -n '2,22p' "$0"; exit 0; fi

die() { echo "asan-addon: $*" >&2; exit 1; }

cmakejs="$root/node_modules/.bin/cmake-js"
[[ -x "$cmakejs" ]] || die "cmake-js not installed (npm install: it is a devDependency)"

if [[ $build == 1 ]]; then
  # Never run a stale addon if CMake leaves the target out this time.
  find "$out" -name brigade.node -type f -delete 2>/dev/null
  echo "asan-addon: building (cmake-js, $config, address;undefined) -> ${out#"$root"/}" >&2
  # package.json "binary.napi_versions" makes cmake-js take the Node-API headers
  # from node-api-headers: no download. -d pins the project dir.
  (cd "$root" && "$cmakejs" compile -d "$root" -O "$out" -B "$config" \
    --CDBRIGADE_ADDON=ON --CDBRIGADE_TESTS=OFF --CDBRIGADE_SANITIZE="address;undefined") \
    || die "build failed (see above)"
fi

addon="$(find "$out" -name brigade.node -type f 2>/dev/null | head -n 1)"
if [[ -z "$addon" ]]; then
  # CMakeLists.txt leaves the target out (with a warning) while sources are missing.
  die "no brigade.node under ${out#"$root"/}; CMake did not define the addon target (see the CMake warning above: missing sources?)"
fi

# The ASan runtime that matches the compiler which built the addon.
cxx="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$out/CMakeCache.txt" 2>/dev/null)"
[[ -n "$cxx" ]] || cxx=g++
if "$cxx" --version 2>/dev/null | grep -qi clang; then
  libasan="$("$cxx" -print-file-name="libclang_rt.asan-$(uname -m).so")"
else
  libasan="$("$cxx" -print-file-name=libasan.so)"
fi
[[ -f "$libasan" ]] || die "ASan runtime not found (got '$libasan' from $cxx)"

if [[ $# -eq 0 ]]; then
  echo "asan-addon: built $addon" >&2
  echo "run commands with:" >&2
  echo "  LD_PRELOAD=$libasan ASAN_OPTIONS=detect_leaks=0 BRIGADE_ADDON_PATH=$addon <command>" >&2
  exit 0
fi

echo "asan-addon: BRIGADE_ADDON_PATH=$addon LD_PRELOAD=$libasan" >&2
exec env \
  LD_PRELOAD="$libasan${LD_PRELOAD:+:$LD_PRELOAD}" \
  ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
  BRIGADE_ADDON_PATH="$addon" \
  "$@"
