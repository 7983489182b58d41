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
# tests/bench_smoke.rs runs the benchmark's binary, which `cargo test` compiles but does not
# put at target/debug/examples/bench.
cargo build --examples
# Every test binary runs even when one fails; the last line sums them all up.
status=0
rm -f target/tmp/supervisor-suite.log
cargo test --all-targets --no-fail-fast -- --test-threads=4 2>&1 | tee target/test-output.log || status=$?
# The portable spawn path (src/spawn/portable.rs), which other targets take, tested here too
# from the child's side (an fcgi socket as fd 0 included); in a target dir of its own, as the
# cfg changes every crate's build.
RUSTFLAGS="--cfg supervisord_portable_spawn" CARGO_TARGET_DIR=target/portable \
    cargo test --no-fail-fast --test child_side --test process_states --test daemon \
    --test child_logs --test fcgi_program --test rlimits --test environment_file \
    -- --test-threads=4 2>&1 | tee -a target/test-output.log || status=$?
# Supervisor's own end-to-end suite (tests/supervisor_suite.rs) as pytest summed it up.
echo "Supervisor's end-to-end suite: $(tail -n 1 target/tmp/supervisor-suite.log 2>/dev/null || echo 'did not run')"
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' target/test-output.log
exit "$status"
