#!/usr/bin/env bash
# ensure-tool.sh BINARY DEBIAN-PACKAGE WHY
# The tests use two things from outside PyPI: Debian's Chromium (driven by Playwright; never a
# downloaded browser) and npm (to install axe-core from package-lock.json). Install the Debian
# package when the binary is missing and we can (root with apt-get); otherwise say what to do.
set -euo pipefail
binary=$1 package=$2 why=$3
if [ -x "$binary" ] || command -v "$binary" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's $package ($why)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  exit 0
fi
echo "$why needs $binary: run 'sudo apt-get install -y $package'." >&2
exit 1
