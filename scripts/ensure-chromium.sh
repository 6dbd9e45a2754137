#!/usr/bin/env bash
# Chromium for the web page's browser test: one on PATH, else Debian's chromium package (as root, with apt).
# Where neither can be had, the reason goes to .chromium-unavailable and the browser test prints it as a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f .chromium-unavailable
for c in chromium chromium-browser; do
  if command -v "$c" >/dev/null 2>&1; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser test"
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 &&
    command -v chromium >/dev/null 2>&1; then
    exit 0
  fi
  echo "apt-get could not install chromium" >.chromium-unavailable
else
  echo "no chromium on PATH, and installing Debian's chromium needs root and apt-get" >.chromium-unavailable
fi
echo "the browser test will be skipped: $(cat .chromium-unavailable)"
exit 0
