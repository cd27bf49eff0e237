#!/usr/bin/env bash
# Set up the environment (first run only), lint, then run the test suite: bash scripts/run_tests.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
echo "lint: ruff check (rules in pyproject.toml)"
.venv/bin/ruff check .
exec .venv/bin/python -m pytest tests "$@"
