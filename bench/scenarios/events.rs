//! A child's life seen from outside: how soon a program that exits at once is running again,
//! and how soon a state change reaches an event listener.

use std::process::Command;
use std::time::{Duration, Instant};

use supervisord::rpc::xmlrpc::Value;

use super::{ms, quantile, Figure, Scale};
use crate::daemons::{Daemon, Kind};
use crate::workloads;

/// A program that exits at once (startsecs=0, autorestart=true), timed two ways: the gap
/// between `exited:` and the next `spawned:` in the main log (millisecond stamps, both
/// daemons), and the gap between consecutive runs' own nanosecond stamps, beside its floor,
/// a shell loop running the same program back to back.
pub fn respawn(kind: Kind, scale: Scale) -> Vec<Figure> {
    let dir = tempfile::Builder::new()
        .prefix("svd-bench")
        .tempdir()
        .expect("tempdir");
    let (stamp, stamps) = workloads::stamp_script(dir.path());
    let runs = scale.respawns();
    let mut d = Daemon::start(
        kind,
        &format!(
            "[program:blink]\ncommand={}\nautorestart=true\nstartsecs=0\nstartretries=100000\n",
            stamp.display()
        ),
    );
    d.wait_log("exited: blink", runs, Duration::from_secs(120));
    let log = std::fs::read_to_string(d.path("main.log")).unwrap_or_default();
    d.stop();
    let run_to_run = workloads::median_gap_ms(&stamps);
    std::fs::remove_file(&stamps).expect("stamps");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "i=0; while [ $i -lt {runs} ]; do {}; i=$((i+1)); done",
            stamp.display()
        ))
        .status()
        .expect("sh");
    assert!(status.success());
    vec![
        Figure::new(
            "exit to respawn (main-log stamps, ms resolution)",
            "ms",
            main_log_gap_ms(&log),
        ),
        Figure::new(
            "exit to respawn: one run's start to the next's, median",
            "ms",
            run_to_run,
        ),
        Figure::new(
            "exit to respawn: the same program re-run by a shell loop (baseline)",
            "ms",
            workloads::median_gap_ms(&stamps),
        ),
    ]
}

/// The median gap between each `exited: blink` line and the next `spawned: 'blink'` one.
fn main_log_gap_ms(log: &str) -> f64 {
    let stamp = |line: &str| -> Option<f64> {
        let t =
            chrono::NaiveDateTime::parse_from_str(line.get(..23)?, "%Y-%m-%d %H:%M:%S,%3f").ok()?;
        Some(t.and_utc().timestamp_millis() as f64)
    };
    let mut gaps = Vec::new();
    let mut exited_at = None;
    for line in log.lines() {
        if line.contains("exited: blink") {
            exited_at = stamp(line);
        } else if line.contains("spawned: 'blink'") {
            if let (Some(e), Some(s)) = (exited_at.take(), stamp(line)) {
                gaps.push(s - e);
            }
        }
    }
    quantile(&gaps, 0.5)
}
/// An event listener (stdlib Python, the same under both daemons) that writes one byte to a
/// FIFO when it receives PROCESS_STATE_RUNNING for `target`.
const PROBE: &str = r#"import sys
out = open(sys.argv[1], 'wb', buffering=0)
while True:
    sys.stdout.write('READY\n'); sys.stdout.flush()
    header = dict(f.split(':', 1) for f in sys.stdin.readline().split())
    payload = sys.stdin.read(int(header['len']))
    if payload.startswith('processname:target '):
        out.write(b'x')
    sys.stdout.write('RESULT 2\nOK'); sys.stdout.flush()
"#;

/// startProcess (no wait) to the PROCESS_STATE_RUNNING event arriving at a listener's stdin.
pub fn event_latency(kind: Kind, _: Scale) -> Vec<Figure> {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    std::fs::write(dir.path().join("probe.py"), PROBE).expect("write probe");
    // Read-write, so opening never waits for the listener.
    let mut events = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .expect("open fifo");
    let mut d = Daemon::start(
        kind,
        &format!(
            "[eventlistener:probe]\ncommand=python3 {}/probe.py {}\nevents=PROCESS_STATE_RUNNING\n\
             startsecs=0\nbuffer_size=100\n\n\
             [program:target]\ncommand=sleep 100000\nautostart=false\nstartsecs=0\n\
             stopsignal=KILL\n",
            dir.path().display(),
            fifo.display()
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.count_log("success: probe") == 0 {
        assert!(
            Instant::now() < deadline,
            "the probe listener did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut samples = Vec::new();
    for _ in 0..31 {
        // Until the event is at the listener, whether or not the reply is back yet: how soon
        // the reply returns is a different figure (and depends on which core the new child's
        // exec shares with the HTTP thread).
        let start = Instant::now();
        d.client
            .begin(
                "supervisor.startProcess",
                &["target".into(), Value::Bool(false)],
            )
            .expect("start");
        let mut byte = [0u8; 1];
        events.read_exact(&mut byte).expect("event");
        samples.push(ms(start.elapsed()));
        d.client.finish().expect("start");
        d.client
            .call(
                "supervisor.stopProcess",
                &["target".into(), Value::Bool(true)],
            )
            .expect("stop");
    }
    d.stop();
    vec![Figure::new(
        "startProcess to PROCESS_STATE_RUNNING at a listener, median",
        "ms",
        quantile(&samples, 0.5),
    )]
}
