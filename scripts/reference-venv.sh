#!/usr/bin/env bash
# Builds .venv-reference: anonlink and clkhash, the reference implementations Palermo's linkage is
# tested and benchmarked against (tests/linkage/test_anonlink_interop.py, benchmarks/linkage_bench.py).
# They are stale (clkhash needs pkg_resources, gone from setuptools 81), so they live in a virtual
# environment of their own and are never a runtime dependency of Palermo.
#
#   scripts/reference-venv.sh [PYTHON]     # PYTHON defaults to python3.11, then python3
#
# Idempotent: does nothing when the environment already imports both packages.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-reference
PYTHON=${1:-$(command -v python3.11 || command -v python3)}
check='import anonlink, clkhash, anonlink.candidate_generation, anonlink.solving, clkhash.clk'

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "$check" 2>/dev/null; then
  touch "$VENV/.installed"
  exit 0
fi
echo "Building $VENV with $PYTHON (anonlink, clkhash)"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet 'setuptools<81' anonlink clkhash
"$VENV/bin/python" -c "$check"
touch "$VENV/.installed"
