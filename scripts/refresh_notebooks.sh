#!/usr/bin/env bash
# Re-execute lessons and store their outputs as nbval's reference: `bash scripts/refresh_notebooks.sh [NB.ipynb ...]`
# (default: every notebook). nbstripout drops widget state but keeps outputs and execution counts, which
# strict nbval needs; normalize_notebook.py makes the file byte-stable (merged streams, fixed widget ids).
# Run it after changing a lesson or anything that changes what a lesson prints.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin
if [ "$#" -eq 0 ]; then set -- notebooks/*.ipynb; fi
for nb in "$@"; do
    echo "refresh $nb"
    (cd "$(dirname "$nb")" && "../$PY/jupyter-execute" --inplace --kernel_name=python3 "$(basename "$nb")")
    "$PY/python" scripts/normalize_notebook.py "$nb"
    "$PY/nbstripout" --keep-output --keep-count "$nb"
done
