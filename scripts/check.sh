#!/usr/bin/env bash
# The quick developer loop: format, lint, types and the tests on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
ruff format .
ruff check --fix .
mypy
python -m pytest -q "$@"
