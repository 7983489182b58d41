#!/usr/bin/env bash
# Runs every check and test of the project, installing what the tests need first.
# This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-test-deps.sh
export SUPERVISOR_PY_VENV="$PWD/target/pyvenv"
export SUPERVISOR_PYTHON="$SUPERVISOR_PY_VENV/bin/python"

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets --no-fail-fast -- --test-threads=4
