#!/usr/bin/env bash
# Installs the peers the benchmark compares us with (bench/peers/), each where it cannot
# disturb the test set-up: PM2 (npm) under target/bench-node, circus (PyPI) in its own venv
# target/bench-venv, Horust (crates.io) under target/bench-tools, runit and s6 from Debian.
# The test suite needs none of them; a peer that fails to install is only reported, and the
# benchmark skips it with a note. Idempotent and quiet when done already.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p target

pm2_version=7.0.4
circus_version=0.19.0
horust_version=0.1.14

note() { echo "bench-setup-peers: $*" >&2; }

if [ "$(cat target/bench-node/.installed 2>/dev/null)" != "pm2@$pm2_version" ]; then
    mkdir -p target/bench-node
    # --prefix keeps it out of the repo's package.json and node_modules (playwright-core).
    if npm install --prefix target/bench-node --no-save --no-audit --no-fund \
        --loglevel=error "pm2@$pm2_version" >/dev/null; then
        echo "pm2@$pm2_version" >target/bench-node/.installed
    else
        note "PM2 not installed"
    fi
fi

if [ "$(cat target/bench-venv/.installed 2>/dev/null)" != "circus==$circus_version" ]; then
    if { [ -x target/bench-venv/bin/python ] || python3 -m venv target/bench-venv; } &&
        target/bench-venv/bin/pip install --quiet --disable-pip-version-check \
            "circus==$circus_version"; then
        echo "circus==$circus_version" >target/bench-venv/.installed
    else
        note "circus not installed"
    fi
fi

if ! command -v runsvdir >/dev/null 2>&1 || ! command -v s6-svscan >/dev/null 2>&1; then
    apt-cache show runit s6 >/dev/null 2>&1 || apt-get update -qq
    # runit-run would make runit PID 1's init; the bare package only brings the tools.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        runit s6 >/dev/null || note "runit/s6 not installed"
fi

if [ ! -x target/bench-tools/bin/horust ]; then
    # With its default features: 0.1.14 does not compile without http-healthcheck.
    cargo install --quiet --locked --root target/bench-tools horust --version "$horust_version" ||
        note "Horust did not build"
fi
exit 0
