#!/usr/bin/env bash
# Benchmarks our supervisord against Python supervisord 4.3 (from PyPI) on this machine, in
# one interleaved run, and prints the README's performance table. Arguments go to the
# benchmark: --repeats N (default 3), --quick.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-deps.sh
export SUPERVISOR_PY_VENV="$PWD/target/pyvenv"
cargo build --release --bins --examples --quiet
exec target/release/examples/bench "$@"
