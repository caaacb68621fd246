#!/usr/bin/env bash
# Build the documentation: warnings are errors, every example runs.
#   pip install -e ".[docs]" && bash docs/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg OPENBLAS_NUM_THREADS=1
exec sphinx-build -W --keep-going -b html docs docs/_build/html "$@"
