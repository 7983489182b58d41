#!/usr/bin/env bash
# Installs what the tests drive as a client: Python supervisor 4.3 (supervisorctl,
# xmlrpc.client, childutils) in a venv under target/. Idempotent and quiet when done already.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/pyvenv
if [ ! -x "$venv/bin/supervisorctl" ]; then
    mkdir -p target
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'supervisor==4.3.0'
fi
