#!/usr/bin/env bash
# Set up the environment (first run only) and execute the four notebooks top to bottom:
# at default settings where the course data is present, otherwise in quick mode on the synthetic
# stand-in. Executed copies go to build/ (the committed notebooks are untouched) unless --in-place.
#   bash scripts/run_notebooks.sh [--quick] [--only 01,02] [--in-place]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
exec .venv/bin/python scripts/run_notebooks.py "$@"
