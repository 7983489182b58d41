//! Event listeners with real children (issue #4): listeners written with the real Python
//! `supervisor.childutils` and in plain shell receive Supervisor's exact envelopes; FAIL and a
//! listener dying while BUSY get the event again; a slow listener overflows its buffer; the
//! "exit supervisord on FATAL" recipe works; capture mode and PROCESS_LOG events; a listener
//! calling back over XML-RPC after sitting idle.

mod common;

use std::path::Path;
use std::process::Command;

use common::{spawned_pids, wait_for, Daemon, DEADLINE};

/// The Python of `$SUPERVISOR_PY_VENV` (CI: target/pyvenv), else /tmp/pyvenv; it must have
/// Supervisor 4.3 (for `supervisor.childutils`).
fn python() -> String {
    let mut candidates = Vec::new();
    if let Ok(venv) = std::env::var("SUPERVISOR_PY_VENV") {
        candidates.push(format!("{venv}/bin/python"));
    }
    candidates.push("/tmp/pyvenv/bin/python".to_string());
    candidates
        .into_iter()
        .find(|p| {
            Command::new(p)
                .args(["-c", "import supervisor.childutils"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect(
            "no Python with Supervisor 4.3: run scripts/setup-test-deps.sh (it creates \
             target/pyvenv) and set SUPERVISOR_PY_VENV, or make /tmp/pyvenv",
        )
}

/// A childutils listener. It records every header line and payload it reads in `argv[1]`
/// (each followed by `\n--\n`), then acts by `argv[2]`:
/// `ok` answers OK; `fail-first` answers FAIL to the first event; `die-first` exits while
/// BUSY with its first event (once per test); `fatal-exit` sends SIGTERM to supervisord on
/// PROCESS_STATE_FATAL; `slow` waits for the file `go` before answering its first event;
/// `rpc` calls back over XML-RPC on its first and third event.
const PY_LISTENER: &str = r#"
import os, signal, sys, time
from supervisor import childutils

here = os.path.dirname(os.path.abspath(__file__))
out = open(sys.argv[1], 'a')
mode = sys.argv[2]

class Tee:
    """Records exactly what childutils reads from stdin."""
    def __init__(self, f):
        self.f = f
    def readline(self):
        line = self.f.readline()
        out.write(line)
        return line
    def read(self, n):
        data = self.f.read(n)
        out.write(data + '\n--\n')
        out.flush()
        return data

n = 0
rpc = None
while True:
    headers, payload = childutils.listener.wait(Tee(sys.stdin), sys.stdout)
    n += 1
    if mode == 'fail-first' and n == 1:
        childutils.listener.fail(sys.stdout)
        continue
    if mode == 'die-first' and n == 1:
        marker = os.path.join(here, 'died')
        if not os.path.exists(marker):
            open(marker, 'w').close()
            sys.exit(3)
    if mode == 'fatal-exit' and headers['eventname'] == 'PROCESS_STATE_FATAL':
        os.kill(os.getppid(), signal.SIGTERM)
    if mode == 'slow' and n == 1:
        while not os.path.exists(os.path.join(here, 'go')):
            time.sleep(0.01)
    if mode == 'rpc' and n in (1, 3):
        if rpc is None:
            rpc = childutils.getRPCInterface(os.environ)
        info = rpc.supervisor.getProcessInfo('listener')
        with open(os.path.join(here, 'rpc.%d' % n), 'w') as f:
            f.write('%s %s\n' % (info['name'], info['statename']))
    childutils.listener.ok(sys.stdout)
"#;

/// A listener in plain POSIX shell: `read` the header, `dd` exactly `len` bytes, answer OK.
const SH_LISTENER: &str = r#"
out="$1"
printf 'READY\n'
while IFS= read -r header; do
    len=${header##*len:}
    payload=$(dd bs=1 count="$len" 2>/dev/null)
    printf '%s\n%s\n--\n' "$header" "$payload" >> "$out"
    printf 'RESULT 2\nOKREADY\n'
done
"#;

/// Writes `text` to `name` in the daemon's dir.
fn write_script(d: &Daemon, name: &str, text: &str) {
    std::fs::write(d.path(name), text).expect("write script");
}

/// Prepares a daemon with the childutils listener as `[eventlistener:listener]` in `mode`,
/// subscribed to `events`, plus `more` sections; starts it.
fn with_py_listener(mode: &str, events: &str, extra: &str, more: &str) -> Daemon {
    let python = python();
    let d = Daemon::prepare(&format!(
        "[eventlistener:listener]\ncommand={python} %(here)s/listener.py %(here)s/events {mode}\n\
         events={events}\nstartsecs=0\nstderr_logfile=%(here)s/listener.err\n{extra}\n\n{more}"
    ));
    write_script(&d, "listener.py", PY_LISTENER);
    d.launch(&[])
}

/// The (header, payload) pairs a listener recorded so far.
fn recorded(d: &Daemon) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(d.path("events")).unwrap_or_default();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some((block, after)) = rest.split_once("\n--\n") {
        let (header, payload) = block.split_once('\n').expect("header line");
        out.push((header.to_string(), payload.to_string()));
        rest = after;
    }
    out
}

/// Waits until the listener recorded at least `n` events.
fn wait_events(d: &Daemon, n: usize) -> Vec<(String, String)> {
    wait_for(
        &format!("{n} events recorded by the listener"),
        DEADLINE,
        || {
            let events = recorded(d);
            (events.len() >= n).then_some(events)
        },
        || format!("{:?}\n{}", recorded(d), d.log()),
    )
}

/// Supervisor's header line for a payload.
fn header(serial: u64, pool: &str, poolserial: u64, name: &str, payload: &str) -> String {
    format!(
        "ver:3.0 server:supervisor serial:{serial} pool:{pool} poolserial:{poolserial} \
         eventname:{name} len:{}",
        payload.chars().count()
    )
}

fn field(header: &str, key: &str) -> u64 {
    header
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}:")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {header:?}"))
}

#[test]
fn childutils_listener_gets_supervisor_envelopes_for_process_states() {
    let d = with_py_listener(
        "ok",
        "PROCESS_STATE",
        "",
        "[program:quick]\ncommand=sh -c 'exit 0'\nstartsecs=0\nautorestart=false\n",
    );
    let events = wait_events(&d, 5);
    let log = d.log();
    let lpid = spawned_pids(&log, "listener")[0];
    let qpid = spawned_pids(&log, "quick")[0];
    let expected = [
        (
            "PROCESS_STATE_STARTING",
            "processname:listener groupname:listener from_state:STOPPED tries:0".to_string(),
        ),
        (
            "PROCESS_STATE_RUNNING",
            format!("processname:listener groupname:listener from_state:STARTING pid:{lpid}"),
        ),
        (
            "PROCESS_STATE_STARTING",
            "processname:quick groupname:quick from_state:STOPPED tries:0".to_string(),
        ),
        (
            "PROCESS_STATE_RUNNING",
            format!("processname:quick groupname:quick from_state:STARTING pid:{qpid}"),
        ),
        (
            "PROCESS_STATE_EXITED",
            format!("processname:quick groupname:quick from_state:RUNNING expected:1 pid:{qpid}"),
        ),
    ];
    let expected: Vec<_> = expected
        .iter()
        .enumerate()
        .map(|(i, (name, payload))| {
            (
                header(i as u64, "listener", i as u64, name, payload),
                payload.clone(),
            )
        })
        .collect();
    assert_eq!(events, expected, "\n{log}");
    assert!(log.contains("event 4 sent to listener listener"), "{log}");
    assert!(log.contains("listener: event was processed"), "{log}");
}

#[test]
fn shell_listener_gets_group_supervisor_and_tick_events() {
    let d = Daemon::prepare(
        "[eventlistener:shell]\ncommand=sh %(here)s/listener.sh %(here)s/events\n\
         events=PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,TICK_5\nstartsecs=0\n\n\
         [program:other]\ncommand=sleep 1000\nautostart=false\n",
    );
    write_script(&d, "listener.sh", SH_LISTENER);
    let d = d.launch(&[]);
    let events = wait_events(&d, 4);
    let added = |g: &str| format!("groupname:{g}\n");
    // `$(...)` in the shell strips the payload's trailing newline.
    // Groups are added in start order, the pool (priority -1) first, and it hears of itself.
    let expected = [
        (
            header(0, "shell", 0, "PROCESS_GROUP_ADDED", &added("shell")),
            "groupname:shell".to_string(),
        ),
        (
            header(1, "shell", 1, "PROCESS_GROUP_ADDED", &added("other")),
            "groupname:other".to_string(),
        ),
        (
            header(2, "shell", 2, "SUPERVISOR_STATE_CHANGE_RUNNING", ""),
            String::new(),
        ),
    ];
    assert_eq!(events[..3], expected, "\n{}", d.log());
    let (tick_header, tick_payload) = &events[3];
    let when: u64 = tick_payload
        .strip_prefix("when:")
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("tick payload {tick_payload:?}"));
    assert_eq!(when % 5, 0, "{tick_payload}");
    assert_eq!(*tick_header, header(3, "shell", 3, "TICK_5", tick_payload));
}

#[test]
fn fail_gets_the_same_event_again() {
    let d = with_py_listener("fail-first", "PROCESS_GROUP", "", "");
    let events = wait_events(&d, 2);
    let payload = "groupname:listener\n";
    let env = (
        header(0, "listener", 0, "PROCESS_GROUP_ADDED", payload),
        payload.to_string(),
    );
    assert_eq!(events, vec![env.clone(), env]);
    let log = d.wait_log("listener: event was processed");
    assert!(log.contains("listener: event was rejected"), "{log}");
    assert!(
        log.contains("rebuffering event 0 for pool listener (buf size=0, max=10)"),
        "{log}"
    );
}

#[test]
fn listener_dying_while_busy_gets_the_event_after_restart() {
    let d = with_py_listener("die-first", "PROCESS_GROUP", "", "");
    let events = wait_events(&d, 2);
    let payload = "groupname:listener\n";
    let env = (
        header(0, "listener", 0, "PROCESS_GROUP_ADDED", payload),
        payload.to_string(),
    );
    assert_eq!(events, vec![env.clone(), env]);
    let log = d.wait_log("listener: event was processed");
    assert_eq!(spawned_pids(&log, "listener").len(), 2, "{log}");
}

/// Programs that exit once the test creates `start`, which it does when the listener is READY.
const GATED: &str = "command=sh -c 'while [ ! -e start ]; do sleep 0.01; done'\n\
                     directory=%(here)s\nstartsecs=0\nautorestart=false\n";

fn open_gate(d: &Daemon) {
    d.wait_log("listener: ACKNOWLEDGED -> READY");
    std::fs::write(d.path("start"), "").unwrap();
}

#[test]
fn slow_listener_overflows_its_buffer_dropping_the_oldest() {
    // 5 exits; the listener holds the first until `go` exists, so the other 4 fight over 2
    // places and the 2 oldest of them are discarded.
    let d = with_py_listener(
        "slow",
        "PROCESS_STATE_EXITED",
        "buffer_size=2",
        &format!("[program:p]\nnumprocs=5\nprocess_name=p%(process_num)d\n{GATED}"),
    );
    open_gate(&d);
    let overflow = "pool listener event buffer overflowed, discarding event ";
    let log = d.wait_log_count(overflow, 2);
    std::fs::write(d.path("go"), "").unwrap();
    let events = wait_events(&d, 3);
    let serials: Vec<u64> = events.iter().map(|(h, _)| field(h, "serial")).collect();
    assert_eq!(serials, [0, 3, 4], "{events:?}\n{log}");
    let poolserials: Vec<u64> = events.iter().map(|(h, _)| field(h, "poolserial")).collect();
    assert_eq!(poolserials, [0, 3, 4]);
    assert!(log.contains(&format!("ERRO {overflow}1\n")), "{log}");
    assert!(log.contains(&format!("ERRO {overflow}2\n")), "{log}");
    for (h, payload) in &events {
        assert_eq!(
            *h,
            header(
                field(h, "serial"),
                "listener",
                field(h, "poolserial"),
                "PROCESS_STATE_EXITED",
                payload
            )
        );
        assert!(
            payload.contains(" from_state:RUNNING expected:1 pid:"),
            "{payload}"
        );
    }
}

#[test]
fn listener_can_shut_supervisord_down_when_a_program_goes_fatal() {
    let mut d = with_py_listener(
        "fatal-exit",
        "PROCESS_STATE_FATAL",
        "",
        "[program:broken]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=0\n",
    );
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    let log = d.log();
    assert!(log.contains("gave up: broken entered FATAL state"), "{log}");
    assert!(
        log.contains("received SIGTERM indicating exit request"),
        "{log}"
    );
    let events = recorded(&d);
    assert_eq!(
        events[0],
        (
            header(
                0,
                "listener",
                0,
                "PROCESS_STATE_FATAL",
                "processname:broken groupname:broken from_state:BACKOFF"
            ),
            "processname:broken groupname:broken from_state:BACKOFF".to_string()
        )
    );
}

#[test]
fn capture_mode_and_log_events() {
    let d = with_py_listener(
        "ok",
        "PROCESS_COMMUNICATION,PROCESS_LOG",
        "",
        "[program:talker]\ncommand=sh -c 'printf \"before<!--XSUPERVISOR:BEGIN-->hello \
         there<!--XSUPERVISOR:END-->after\\n\"; sleep 1000'\nstartsecs=0\n\
         stdout_capture_maxbytes=1KB\nstdout_events_enabled=true\n\
         stdout_logfile=%(here)s/talker.log\n",
    );
    let events = wait_events(&d, 4);
    let pid = spawned_pids(&d.log(), "talker")[0];
    // As in Supervisor, captured text also makes a PROCESS_LOG event (dispatchers.py `_log`
    // runs for it with the capture buffer in place of the log file).
    let payloads = [
        (
            "PROCESS_LOG_STDOUT",
            format!("processname:talker groupname:talker pid:{pid} channel:stdout\nbefore"),
        ),
        (
            "PROCESS_LOG_STDOUT",
            format!("processname:talker groupname:talker pid:{pid} channel:stdout\nhello there"),
        ),
        (
            "PROCESS_COMMUNICATION_STDOUT",
            format!("processname:talker groupname:talker pid:{pid}\nhello there"),
        ),
        (
            "PROCESS_LOG_STDOUT",
            format!("processname:talker groupname:talker pid:{pid} channel:stdout\nafter\n"),
        ),
    ];
    let expected: Vec<_> = payloads
        .iter()
        .enumerate()
        .map(|(i, (name, p))| (header(i as u64, "listener", i as u64, name, p), p.clone()))
        .collect();
    assert_eq!(events, expected);
    // The captured text stays out of the log file.
    assert_eq!(common::read(&d.path("talker.log")), "beforeafter\n");
    d.wait_log("'talker' stdout emitted a comm event");
}

#[test]
fn events_reach_a_ready_listener_within_milliseconds() {
    let d = with_py_listener(
        "ok",
        "PROCESS_STATE_EXITED",
        "",
        &format!("[program:quick]\n{GATED}"),
    );
    open_gate(&d);
    let events = wait_events(&d, 1);
    assert!(events[0].1.starts_with("processname:quick"));
    let log = d.wait_log("event 0 sent to listener listener");
    let at = |needle: &str| log_time_ms(log.lines().find(|l| l.contains(needle)).unwrap());
    let (exited, sent) = (at("exited: quick"), at("event 0 sent to listener listener"));
    assert!(
        sent - exited < 100,
        "exit at {exited} ms, sent at {sent} ms\n{log}"
    );
}

/// A main-log line's time (`2024-01-02 03:04:05,678 ...`) in milliseconds since midnight.
fn log_time_ms(line: &str) -> i64 {
    let num = |r: std::ops::Range<usize>| -> i64 { line[r].parse().expect("log timestamp") };
    ((num(11..13) * 60 + num(14..16)) * 60 + num(17..19)) * 1000 + num(20..23)
}

#[test]
fn listener_calls_back_over_xmlrpc_after_idling() {
    // Two TICK_5 events apart: the second call reuses the connection after > 5 s idle, which
    // a short HTTP keep-alive would have closed under childutils' feet.
    let d = with_py_listener(
        "rpc",
        "TICK_5,REMOTE_COMMUNICATION",
        "",
        "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n\
         [rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
    );
    let first = d.wait_file("rpc.1");
    assert_eq!(first, "listener RUNNING\n");
    // REMOTE_COMMUNICATION through the real client, between the ticks.
    let sock = d.path("supervisor.sock");
    let out = Command::new(python())
        .args([
            "-c",
            "import sys; from supervisor import childutils; \
             r = childutils.getRPCInterface({'SUPERVISOR_SERVER_URL': 'unix://' + sys.argv[1]}); \
             print(r.supervisor.sendRemoteCommEvent('greeting', 'hello'))",
            sock.to_str().unwrap(),
        ])
        .output()
        .expect("run python");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "True\n", "{out:?}");
    let third = wait_for(
        "the third event's RPC",
        std::time::Duration::from_secs(30),
        || std::fs::read_to_string(d.path("rpc.3")).ok(),
        || d.log(),
    );
    assert_eq!(third, "listener RUNNING\n");
    let events = recorded(&d);
    let remote = events
        .iter()
        .find(|(h, _)| h.contains("eventname:REMOTE_COMMUNICATION"))
        .expect("remote event");
    assert_eq!(remote.1, "type:greeting\nhello");
    assert!(Path::new(&d.path("rpc.3")).exists());
}
