#!/usr/bin/env bash
# Makes sure a Chromium for the status page browser test exists
# (test/status-browser.test.ts, driven by playwright-core). Uses
# $BRIGADE_CHROMIUM or chromium/chromium-browser on PATH; otherwise installs
# Debian's chromium with apt-get (as root). Prints the browser's path.
set -euo pipefail
find_browser() {
  if [[ -n "${BRIGADE_CHROMIUM:-}" && -x "${BRIGADE_CHROMIUM}" ]]; then echo "$BRIGADE_CHROMIUM"; return 0; fi
  for b in chromium chromium-browser; do
    if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
  done
  return 1
}
if find_browser; then exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium found; install it (Debian: apt-get install -y chromium) or set BRIGADE_CHROMIUM" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
find_browser
