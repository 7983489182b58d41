#!/usr/bin/env bash
# Installs what the tests drive as a client: Python supervisor 4.3 (supervisorctl,
# xmlrpc.client, childutils) in a venv under target/, and for the web UI's browser tests
# Debian's chromium plus playwright-core (npm). Idempotent and quiet when done already.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/pyvenv
if [ ! -x "$venv/bin/supervisorctl" ]; then
    mkdir -p target
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'supervisor==4.3.0'
fi

# The web UI's browser tests (tests/web_ui.rs): Debian's Chromium (never a downloaded browser
# build), Node.js, and playwright-core from package-lock.json to drive it.
apt_install() {
    if ! apt-cache show "$1" >/dev/null 2>&1; then
        apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi
if ! command -v node >/dev/null 2>&1; then
    apt_install nodejs npm
fi
if [ ! -d node_modules/playwright-core ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
