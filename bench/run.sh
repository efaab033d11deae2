#!/usr/bin/env bash
# `make bench`: fsmnb side by side with its peers, in a venv of its own (.venv-bench).
#
# The peers (LangGraph, transitions, python-statemachine, Burr, pydantic-graph) are
# installed here only, never into the project's .venv. A peer that fails to install is
# reported as missing by bench/compare.py; it never fails the run.
#
# Writes bench/results.md (the tables) and bench/profile.txt (cProfile of fsmnb's hot
# paths). Extra arguments go to compare.py (e.g. `bash bench/run.sh --quick`).
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-python3}
VENV=.venv-bench
BIN=$VENV/bin
# Pinned so that numbers from different days compare; bump them together with the README.
PEERS=(
  "langgraph==1.2.22"
  "transitions==0.9.3"
  "python-statemachine==3.2.2"
  "burr==0.42.0"
  "pydantic-graph==2.68.0"
)

if [[ ! -x $BIN/python ]]; then
  echo "bench: creating $VENV" >&2
  $PY -m venv $VENV || exit 1
  $BIN/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
fi

# fsmnb itself, editable from this checkout: without it there is nothing to compare.
if ! $BIN/python -m pip install -q -e . >"$VENV/pip-fsmnb.log" 2>&1; then
  cat "$VENV/pip-fsmnb.log" >&2
  echo "bench: could not install fsmnb into $VENV" >&2
  exit 1
fi

# The peers, one pip call each so that one failure does not take the others down.
stamp=$VENV/.peers
if [[ ! -f $stamp || bench/run.sh -nt $stamp ]]; then
  for peer in "${PEERS[@]}"; do
    name=${peer%%=*}
    echo "bench: installing $peer" >&2
    if ! $BIN/python -m pip install -q "$peer" >"$VENV/pip-$name.log" 2>&1; then
      echo "bench: could not install $peer (see $VENV/pip-$name.log); it is reported as missing" >&2
    fi
  done
  touch "$stamp"
fi

$BIN/python bench/compare.py --output bench/results.md "$@" || exit 1
$BIN/python bench/profile_fsmnb.py --top 15 --output bench/profile.txt >/dev/null || exit 1
echo "bench: wrote bench/results.md and bench/profile.txt" >&2
