#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
# Install it when it is missing and we can; otherwise say exactly what to do.
set -euo pipefail
CHROMIUM=${ATLAS_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium at $CHROMIUM: run 'sudo apt-get install -y chromium'" >&2
echo "(or set ATLAS_CHROMIUM to another Chromium binary)." >&2
exit 1
