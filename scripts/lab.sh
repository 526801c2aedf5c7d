#!/usr/bin/env bash
# Open the lessons in JupyterLab: setup (which also turns off the lab's news prompt and update check for this venv,
# tests/test_lab_settings.py), then `jupyter lab notebooks/` with any extra arguments passed through.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
extra=()
[ "$(id -u)" != 0 ] || extra+=(--allow-root)   # Jupyter refuses to run as root without it
exec .venv/bin/jupyter lab notebooks/ ${extra[@]+"${extra[@]}"} "$@"
