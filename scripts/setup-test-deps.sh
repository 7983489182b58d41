#!/usr/bin/env bash
# Installs what the tests drive: in a venv under target/, Python supervisor 4.3 (the stock
# supervisorctl, xmlrpc.client and childutils as clients, and the source of Supervisor's own
# end-to-end suite, which pytest and pexpect run), superlance and
# supervisord-dependent-startup (third-party event listeners); from Debian,
# prometheus-node-exporter (a third-party RPC client), nginx, fcgiwrap, cgi-fcgi and curl
# ([fcgi-program:x] behind a real web server), openssl (a test certificate) and, for the web
# UI's browser tests, chromium plus playwright-core (npm). Idempotent and quiet when done
# already: the venv is reinstalled whenever the pinned list differs from the one its
# .installed stamp records.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/pyvenv
python_packages='supervisor==4.3.0 pytest==9.2.0 pexpect==4.9.0 superlance==2.0.0 supervisord-dependent-startup==1.4.0 prometheus-client==0.26.0'
if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$python_packages" ]; then
    mkdir -p target
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    # shellcheck disable=SC2086 # one word per package
    "$venv/bin/pip" install --quiet --disable-pip-version-check $python_packages
    echo "$python_packages" >"$venv/.installed"
fi

# Debian's packages, by name (never a downloaded binary).
apt_install() {
    if ! apt-cache show "$1" >/dev/null 2>&1; then
        apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
# tests/deb_package.rs: dpkg-deb builds and unpacks the package, deb-systemd-helper runs in
# its postinst, systemd-analyze verifies its unit.
if ! command -v dpkg-deb >/dev/null 2>&1 || [ ! -x /usr/bin/deb-systemd-helper ]; then
    apt_install dpkg init-system-helpers
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
    apt_install systemd
fi
# tests/third_party_clients.rs: node_exporter's supervisord collector.
if [ ! -x /usr/bin/prometheus-node-exporter ]; then
    apt_install prometheus-node-exporter
fi
# tests/readiness.rs: a self-signed certificate for the https health check.
if ! command -v openssl >/dev/null 2>&1; then
    apt_install openssl
fi
# tests/fcgi_program.rs: nginx in front, fcgiwrap as the FastCGI program, libfcgi-bin's
# cgi-fcgi straight at the socket, curl through nginx.
if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/sbin/fcgiwrap ] || ! command -v cgi-fcgi >/dev/null 2>&1 \
    || ! command -v curl >/dev/null 2>&1; then
    apt_install nginx fcgiwrap libfcgi-bin curl
fi
# The web UI's browser tests (tests/web_ui.rs): Debian's Chromium, Node.js, and
# playwright-core from package-lock.json to drive it.
if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi
if ! command -v node >/dev/null 2>&1; then
    apt_install nodejs npm
fi
if [ ! -d node_modules/playwright-core ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
