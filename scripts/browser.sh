#!/usr/bin/env bash
# Make sure Debian's chromium exists for tests/test_browser.py and scripts/screenshots.py, which drive it through the
# `playwright` package (the test extra; scripts/setup.sh installs it) with executable_path: no browser download, so
# never `playwright install`. As root with apt-get it installs chromium; otherwise it prints the command and fails.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then   # the fixed path the test uses (scripts/screenshots.py), never PATH
  echo "browser.sh: /usr/bin/chromium is installed"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "browser.sh: installing Debian's chromium with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  echo "browser.sh: installed /usr/bin/chromium"
else
  cat >&2 <<'MSG'
browser.sh: Debian's chromium is not installed. Install it with:
  sudo apt-get install -y chromium        # Debian
or point KUBETEACH_CHROMIUM at a Chromium binary. The browser test is skipped until one exists.
MSG
  exit 1
fi
