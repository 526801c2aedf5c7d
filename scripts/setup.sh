#!/usr/bin/env bash
# Create or reuse .venv, install kubeteach editable with its dev tools, and make sure graphviz's `dot` exists.
# Idempotent and fast on repeat: pip runs only when pyproject.toml or the interpreter changed (stamp in .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.kubeteach-install.stamp

# 1. graphviz `dot`: the Python `graphviz` package only wraps it.
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: graphviz's dot is missing; installing it with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    cat >&2 <<'MSG'
setup: graphviz's `dot` is not on PATH. Install it with one of:
  sudo apt-get install graphviz                              # Debian/Ubuntu
  brew install graphviz                                      # macOS
  conda install -c conda-forge graphviz python-graphviz      # conda
then run this again.
MSG
    exit 1
  fi
fi

# 2. The virtual environment.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
  echo "setup: creating $VENV with $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
  if ! "$PYTHON" -m venv --clear "$VENV"; then
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then   # Debian's python3 needs it for ensurepip
      echo "setup: '$PYTHON -m venv' failed; installing python3-venv with apt-get"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv --clear "$VENV"
    else
      echo "setup: '$PYTHON -m venv' failed; on Debian/Ubuntu: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi

# 3. Editable install with the dev extra, skipped while nothing it depends on changed.
key=$("$VENV/bin/python" -c 'import hashlib, sys
print(hashlib.sha256(open("pyproject.toml", "rb").read() + sys.version.encode()).hexdigest())')
if [ "$(cat "$STAMP" 2>/dev/null || true)" = "$key" ] \
   && "$VENV/bin/python" -c 'import importlib.metadata as m; m.distribution("kubeteach")' >/dev/null 2>&1; then
  echo "setup: $VENV is up to date"
else
  echo "setup: installing kubeteach (editable) and its dev tools into $VENV"
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
  echo "$key" >"$STAMP"
fi

# 4. The project's JupyterLab asks no "Would you like to receive official Jupyter news?" and checks for no updates
# (the machine may have no network): overrides.json in the venv's app settings, read by this venv's `jupyter lab`
# only (a user's own setting in ~/.jupyter/lab/user-settings still wins).
LAB_SETTINGS=$VENV/share/jupyter/lab/settings
OVERRIDES='{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}'
if [ "$(cat "$LAB_SETTINGS/overrides.json" 2>/dev/null || true)" != "$OVERRIDES" ]; then
  mkdir -p "$LAB_SETTINGS"
  echo "$OVERRIDES" >"$LAB_SETTINGS/overrides.json"
  echo "setup: JupyterLab's news prompt and update check are off ($LAB_SETTINGS/overrides.json)"
fi
