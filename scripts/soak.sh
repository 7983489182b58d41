#!/usr/bin/env bash
# Soak test (not part of scripts/test.sh): builds the release daemon and has it restart a
# program that exits at once (`command=true`, startsecs=0, autorestart=true) SOAK_RESTARTS
# times (default 100 000, counted by the main log's `spawned: 'flap'` lines) while a client
# runs SOAK_RPC_CYCLES (default 10 000) startProcess/stopProcess cycles of another program
# over the unix socket (Python's xmlrpc.client with supervisor.xmlrpc.SupervisorTransport).
# It samples the daemon's open fds (/proc/PID/fd) and RSS (VmRSS) every 2 s.
#
# Flat means, comparing two quiet moments (no child running, no client connected, 1 s after
# the last stop): after a warm-up of SOAK_WARMUP_RESTARTS (2 000) restarts and
# SOAK_WARMUP_CYCLES (200) cycles, and after the whole run:
#   - open fds: exactly as many at the end as after the warm-up;
#   - RSS: at most SOAK_RSS_MARGIN_KIB (1 024 KiB) more at the end than after the warm-up,
#     that is less than 10 bytes per restart or request.
# It exits 0 only if both are flat and everything finished within SOAK_TIMEOUT seconds
# (default 1 800). Only local sockets are used. Needs the Python supervisor package:
# SUPERVISOR_PY_VENV (default target/pyvenv, which scripts/setup-test-deps.sh makes).
set -euo pipefail
cd "$(dirname "$0")/.."

restarts=${SOAK_RESTARTS:-100000}
cycles=${SOAK_RPC_CYCLES:-10000}
warmup_restarts=${SOAK_WARMUP_RESTARTS:-2000}
warmup_cycles=${SOAK_WARMUP_CYCLES:-200}
rss_margin_kib=${SOAK_RSS_MARGIN_KIB:-1024}
timeout=${SOAK_TIMEOUT:-1800}
venv=${SUPERVISOR_PY_VENV:-$PWD/target/pyvenv}
python=$venv/bin/python

if ! "$python" -c 'import supervisor.xmlrpc' 2>/dev/null; then
    echo "soak: no Python supervisor package in $venv: run scripts/setup-test-deps.sh" \
        "or set SUPERVISOR_PY_VENV" >&2
    exit 2
fi

cargo build --release --bin supervisord --quiet
daemon=$PWD/target/release/supervisord

dir=$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX")
sock=$dir/supervisor.sock
log=$dir/supervisord.log
cat >"$dir/supervisord.conf" <<EOF
[supervisord]
logfile=$log
; One file to count spawned lines in.
logfile_maxbytes=0
pidfile=$dir/supervisord.pid
childlogdir=$dir
silent=true

[unix_http_server]
file=$sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:flap]
command=true
startsecs=0
autorestart=true

[program:cycle]
command=sleep 1000
autostart=false
startsecs=0
EOF

# The client side: `rpc COMMAND [ARG]` with COMMAND one of
#   ready         wait until the daemon answers and is RUNNING;
#   start-flap    start the flapping program again;
#   stop-flap     stop it (retrying while it is between two runs, EXITED);
#   cycles N F    N startProcess/stopProcess cycles of `cycle`, writing the count done to F.
rpc_py='
import sys, time, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
sock, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
server = xmlrpc.client.ServerProxy(
    "http://localhost", transport=SupervisorTransport(None, None, "unix://" + sock))
rpc = server.supervisor
NOT_RUNNING = 70
deadline = time.monotonic() + 30
if command == "ready":
    while True:
        try:
            if rpc.getState()["statename"] == "RUNNING":
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit("the daemon did not answer within 30 s")
        time.sleep(0.05)
elif command == "start-flap":
    rpc.startProcess("flap", True)
elif command == "stop-flap":
    while True:
        try:
            rpc.stopProcess("flap", True)
            break
        except xmlrpc.client.Fault as fault:
            if fault.faultCode != NOT_RUNNING:
                raise
            if rpc.getProcessInfo("flap")["statename"] == "STOPPED":
                break
        if time.monotonic() > deadline:
            sys.exit("flap would not stop within 30 s")
elif command == "cycles":
    count, progress = int(args[0]), args[1]
    for done in range(1, count + 1):
        rpc.startProcess("cycle", True)
        rpc.stopProcess("cycle", True)
        if done % 100 == 0 or done == count:
            with open(progress, "w") as f:
                f.write(str(done))
'
rpc() { "$python" -c "$rpc_py" "$sock" "$@"; }

"$daemon" -n -c "$dir/supervisord.conf" >"$dir/daemon.out" 2>&1 &
pid=$!
cycles_pid=
finish() {
    status=$?
    [ -n "$cycles_pid" ] && kill "$cycles_pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    if [ "$status" = 0 ]; then
        rm -rf "$dir"
    else
        echo "soak: FAILED; the config, main log and samples (samples.tsv) are in $dir" >&2
    fi
}
trap finish EXIT

started=$(date +%s)
fail() {
    echo "soak: $*" >&2
    exit 1
}
spawned() { grep -c "spawned: 'flap' with pid" "$log" || true; }
fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
# Not `kill -0`: a dead child of ours stays a zombie until waited for.
alive() { ! grep -qs '^State:[[:space:]]*[ZX]' "/proc/$pid/status" && [ -e "/proc/$pid" ]; }
check_time() {
    alive || fail "the daemon died: $(tail -n 5 "$dir/daemon.out")"
    [ $(($(date +%s) - started)) -le "$timeout" ] || fail "not done within ${timeout} s"
}
# The two quiet moments compared: nothing running, no client connected.
quiesce() {
    rpc stop-flap
    sleep 1
}

rpc ready
while [ "$(spawned)" -lt "$warmup_restarts" ]; do
    check_time
    sleep 0.2
done
rpc cycles "$warmup_cycles" "$dir/warmup.progress"
quiesce
fds_before=$(fds)
rss_before=$(rss_kib)
restarts_before=$(spawned)
echo "soak: after the warm-up ($restarts_before restarts, $warmup_cycles cycles): $fds_before fds, $rss_before KiB RSS"

rpc start-flap
(
    status=0
    rpc cycles "$cycles" "$dir/cycles.progress" || status=$?
    echo "$status" >"$dir/cycles.status"
) &
cycles_pid=$!
echo -e "seconds\trestarts\tcycles\tfds\trss_kib" >"$dir/samples.tsv"
fds_max=$fds_before
rss_max=$rss_before
while :; do
    check_time
    sleep 2
    done_restarts=$(($(spawned) - restarts_before))
    done_cycles=$(cat "$dir/cycles.progress" 2>/dev/null || echo 0)
    fds_now=$(fds)
    rss_now=$(rss_kib)
    [ "$fds_now" -gt "$fds_max" ] && fds_max=$fds_now
    [ "$rss_now" -gt "$rss_max" ] && rss_max=$rss_now
    elapsed=$(($(date +%s) - started))
    echo -e "$elapsed\t$done_restarts\t$done_cycles\t$fds_now\t$rss_now" >>"$dir/samples.tsv"
    if [ $((elapsed % 30)) -lt 2 ]; then
        echo "soak: ${elapsed} s: $done_restarts restarts, $done_cycles cycles, $fds_now fds, $rss_now KiB RSS"
    fi
    if [ -n "$cycles_pid" ] && [ -e "$dir/cycles.status" ]; then
        [ "$(cat "$dir/cycles.status")" = 0 ] || fail "the RPC cycles failed"
        wait "$cycles_pid"
        cycles_pid=
    fi
    [ -z "$cycles_pid" ] && [ "$done_restarts" -ge "$restarts" ] && break
done
quiesce
fds_after=$(fds)
rss_after=$(rss_kib)
total=$(($(spawned) - restarts_before))
elapsed=$(($(date +%s) - started))

echo "soak: $total restarts and $cycles RPC cycles after the warm-up, ${elapsed} s in all"
echo "soak: fds $fds_before -> $fds_after (at most $fds_max while running)"
echo "soak: RSS $rss_before -> $rss_after KiB (at most $rss_max KiB while running)"
[ "$fds_after" -eq "$fds_before" ] || fail "open fds are not flat: $fds_before -> $fds_after"
[ "$rss_after" -le $((rss_before + rss_margin_kib)) ] ||
    fail "RSS is not flat: $rss_before -> $rss_after KiB (margin $rss_margin_kib KiB)"
echo "soak: flat"
