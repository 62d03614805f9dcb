#!/usr/bin/env bash
# Builds the addon with node-gyp (binding.gyp) when it is missing or older than
# its sources. Uses the headers of the running Node when they are installed
# locally (Debian/NodeSource put them in <prefix>/include/node), so nothing is
# downloaded.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
addon=build/Release/brigade.node
if [[ -f "$addon" && "${1:-}" != "--force" ]]; then
  newer=$(find native binding.gyp sources.gypi -newer "$addon" -type f \( -name '*.cc' -o -name '*.h' -o -name '*.gyp*' \) | head -1)
  [[ -z "$newer" ]] && exit 0
fi
prefix="$(dirname "$(dirname "$(node -p process.execPath)")")"
args=()
if [[ -f "$prefix/include/node/node_api.h" ]]; then args+=(--nodedir="$prefix"); fi
echo "building native addon (node-gyp)..."
npx --no-install node-gyp rebuild "${args[@]}" -j 2 >build-native.log 2>&1 || { tail -40 build-native.log; exit 1; }
echo "native addon built: $addon"
