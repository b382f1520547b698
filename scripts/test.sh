#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: fast tier, model tier, web and browser tests.
# Extra arguments go to pytest, e.g. bash scripts/test.sh -k chunking
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/python -m ruff check qa tests evals app.py
.venv/bin/python -m pytest -p no:cacheprovider "$@"
