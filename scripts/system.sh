#!/usr/bin/env bash
# The system packages the tests drive: etcd-server and etcd-client (tests on a real etcd) and Debian's chromium
# (the real-browser test, through the `playwright` package with executable_path: never a browser download).
# As root with apt-get they are installed; otherwise the command is printed, and the tests that need them skip,
# saying why.
set -euo pipefail

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system.sh: etcd, etcdctl and chromium are installed"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system.sh: installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "system.sh: the tests that need ${missing[*]} will skip; install with: sudo apt-get install -y ${missing[*]}" >&2
fi
