#!/usr/bin/env bash
# The system packages the tests drive, at Debian's fixed paths (the tests never look them up on PATH):
# /usr/bin/etcd and /usr/bin/etcdctl from etcd-server and etcd-client (tests on a real etcd), /usr/bin/chromium from
# Debian's chromium (the real-browser test, through the `playwright` package with executable_path: never a browser
# download). As root with apt-get they are installed; otherwise the apt commands are printed, and only the tests that
# need them skip, saying why.
set -euo pipefail

missing=()
[ -x /usr/bin/etcd ] || missing+=(etcd-server)
[ -x /usr/bin/etcdctl ] || missing+=(etcd-client)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system.sh: /usr/bin/etcd, /usr/bin/etcdctl and /usr/bin/chromium are installed"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system.sh: installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "system.sh: ${missing[*]} missing, and this is not root with apt-get; install with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  [[ " ${missing[*]} " != *" etcd-"* ]] \
    || echo "system.sh: until then the real-etcd tests (tests/test_etcd_backends.py, tests/test_resilience.py) skip" >&2
  [[ " ${missing[*]} " != *" chromium "* ]] \
    || echo "system.sh: until then the browser test (tests/test_browser.py) skips" >&2
fi
