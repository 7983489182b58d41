#!/usr/bin/env bash
# Benchmarks our supervisord against Python supervisord 4.3 (from PyPI) and the peers
# (PM2, circus, runit, s6, Horust: scripts/bench-setup-peers.sh) on this machine, in one
# interleaved run, and prints the README's performance tables. Arguments go to the
# benchmark: --repeats N (default 3), --quick, --only TEXT, --ours.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-deps.sh
scripts/bench-setup-peers.sh
export SUPERVISOR_PY_VENV="$PWD/target/pyvenv"
cargo build --release --bins --examples --quiet
exec target/release/examples/bench "$@"
