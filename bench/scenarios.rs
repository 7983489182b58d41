//! The measured scenarios. Each starts a fresh daemon of the given kind, measures, and stops
//! it; both kinds run exactly the same config and calls.

use std::process::Command;
use std::time::{Duration, Instant};

use supervisord::rpc::xmlrpc::Value;

use crate::client::first_byte;
use crate::daemons::{Daemon, Kind};

/// One measured value.
pub struct Figure {
    pub name: &'static str,
    pub unit: &'static str,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Full,
    Quick,
}

impl Scale {
    fn programs(self) -> usize {
        match self {
            Scale::Full => 1000,
            Scale::Quick => 50,
        }
    }

    /// Whole 100-byte lines: 200 MiB is exactly 2 097 152 of them.
    fn flood_bytes(self) -> u64 {
        match self {
            Scale::Full => 200 * 1024 * 1024,
            Scale::Quick => 200 * 1024 * 100,
        }
    }

    fn idle(self) -> Duration {
        match self {
            Scale::Full => Duration::from_secs(10),
            Scale::Quick => Duration::from_secs(1),
        }
    }
}

pub struct Scenario {
    pub name: &'static str,
    pub run: fn(Kind, Scale) -> Vec<Figure>,
}

pub const ALL: &[Scenario] = &[
    Scenario {
        name: "cold start",
        run: cold_start,
    },
    Scenario {
        name: "many programs, startsecs=0",
        run: many_programs,
    },
    Scenario {
        name: "many programs, startsecs=1",
        run: many_programs_startsecs_1,
    },
    Scenario {
        name: "shell baseline",
        run: shell_baseline,
    },
    Scenario {
        name: "kill baseline",
        run: kill_baseline,
    },
    Scenario {
        name: "ping-pong baseline",
        run: ping_pong_baseline,
    },
    Scenario {
        name: "child log throughput",
        run: log_throughput,
    },
    Scenario {
        name: "log copy baseline",
        run: log_copy_baseline,
    },
    Scenario {
        name: "exit to respawn",
        run: respawn,
    },
    Scenario {
        name: "tail latency",
        run: tail_latency,
    },
    Scenario {
        name: "event latency",
        run: event_latency,
    },
];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Median and 99th percentile of `n` timed calls, in ms.
fn latencies(n: usize, mut call: impl FnMut()) -> (f64, f64) {
    let mut samples: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            call();
            ms(t.elapsed())
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

/// `n` separate `[program:x]` sections (as many groups), each a `sleep`.
fn pool(n: usize, startsecs: u32) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[program:sleeper_{i:04}]\ncommand=sleep 100000\nstartsecs={startsecs}\n\
                 stdout_logfile=NONE\nstderr_logfile=NONE\n\n"
            )
        })
        .collect()
}

fn cold_start(kind: Kind, _: Scale) -> Vec<Figure> {
    let d = Daemon::start(kind, "");
    let figures = vec![
        Figure {
            name: "cold start to first getState answer",
            unit: "ms",
            value: ms(d.startup),
        },
        Figure {
            name: "RSS, 0 programs",
            unit: "MiB",
            value: mib(d.rss_kib()),
        },
    ];
    d.stop();
    figures
}

fn many_programs(kind: Kind, scale: Scale) -> Vec<Figure> {
    let n = scale.programs();
    let mut d = Daemon::start(kind, &pool(n, 0));
    d.wait_log("success: sleeper_", n, Duration::from_secs(300));
    let all_running = d.started.elapsed();
    let cpu_before = d.cpu_secs();
    std::thread::sleep(scale.idle());
    let idle_cpu = d.cpu_secs() - cpu_before;
    // Read once settled: at the last RUNNING line a daemon may still be finishing its
    // start-up (ours hands the start-up's scratch memory back just after it).
    let rss = d.rss_kib();
    let slow = kind == Kind::Python;
    let (all_med, all_p99) = latencies(if slow { 5 } else { 50 }, || {
        d.client
            .call_raw("supervisor.getAllProcessInfo", &[])
            .expect("getAllProcessInfo");
    });
    let middle = format!("sleeper_{:04}", n / 2);
    let (one_med, _) = latencies(if slow { 30 } else { 500 }, || {
        d.client
            .call_raw("supervisor.getProcessInfo", &[middle.as_str().into()])
            .expect("getProcessInfo");
    });
    let window = Duration::from_secs(2);
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < window {
        d.client.call("supervisor.getState", &[]).expect("getState");
        calls += 1;
    }
    let per_sec = calls as f64 / start.elapsed().as_secs_f64();
    let stop_start = Instant::now();
    d.client
        .call("supervisor.stopAllProcesses", &[Value::Bool(true)])
        .expect("stopAllProcesses");
    let stop_all = stop_start.elapsed();
    d.stop();
    vec![
        Figure {
            name: "N programs to RUNNING (startsecs=0)",
            unit: "ms",
            value: ms(all_running),
        },
        Figure {
            name: "RSS, N programs, after the idle window",
            unit: "MiB",
            value: mib(rss),
        },
        Figure {
            name: "idle CPU, N programs, over the idle window",
            unit: "s",
            value: idle_cpu,
        },
        Figure {
            name: "getAllProcessInfo, N programs, median",
            unit: "ms",
            value: all_med,
        },
        Figure {
            name: "getAllProcessInfo, N programs, p99",
            unit: "ms",
            value: all_p99,
        },
        Figure {
            name: "getProcessInfo, N programs, median",
            unit: "ms",
            value: one_med,
        },
        Figure {
            name: "getState calls per second, one connection",
            unit: "/s",
            value: per_sec,
        },
        Figure {
            name: "stopAllProcesses(wait), N programs",
            unit: "ms",
            value: ms(stop_all),
        },
    ]
}

fn many_programs_startsecs_1(kind: Kind, scale: Scale) -> Vec<Figure> {
    let n = scale.programs();
    let d = Daemon::start(kind, &pool(n, 1));
    d.wait_log("success: sleeper_", n, Duration::from_secs(300));
    let all_running = d.started.elapsed();
    d.stop();
    vec![Figure {
        name: "N programs to RUNNING (startsecs=1)",
        unit: "ms",
        value: ms(all_running),
    }]
}

/// The floor for starting N programs: a shell loop forking the same N sleeps.
fn shell_baseline(_: Kind, scale: Scale) -> Vec<Figure> {
    use std::os::unix::process::CommandExt;
    let n = scale.programs();
    let start = Instant::now();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "i=0; while [ $i -lt {n} ]; do sleep 100000 & i=$((i+1)); done"
        ))
        .process_group(0)
        .status()
        .expect("sh");
    let elapsed = start.elapsed();
    assert!(status.success());
    // The sleeps were left in the shell's process group; end them.
    let _ = Command::new("pkill")
        .args(["-f", "^sleep 100000$"])
        .status();
    vec![Figure {
        name: "shell loop spawning the same N sleeps (baseline)",
        unit: "ms",
        value: ms(elapsed),
    }]
}

/// The floor for calls per second on one connection: two threads handing a getState-sized
/// message back and forth over a unix socket, with nothing parsed. Each exchange costs two
/// wake-ups across cores, which is most of what one call costs.
fn ping_pong_baseline(_: Kind, _: Scale) -> Vec<Figure> {
    use std::io::{Read, Write};
    let (mut client, mut server) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok(n @ 1..) = server.read(&mut buf) {
            if server.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    let message = [b'x'; 200];
    let mut reply = [0u8; 200];
    let window = Duration::from_secs(2);
    let start = Instant::now();
    let mut exchanges = 0u64;
    while start.elapsed() < window {
        client.write_all(&message).expect("ping");
        client.read_exact(&mut reply).expect("pong");
        exchanges += 1;
    }
    let per_sec = exchanges as f64 / start.elapsed().as_secs_f64();
    drop(client);
    echo.join().expect("echo thread");
    vec![Figure {
        name: "unix socket ping-pong between two threads (baseline)",
        unit: "/s",
        value: per_sec,
    }]
}

/// The floor for stopping N programs: a plain loop sending SIGTERM to the same N sleeps
/// (spawned by this process) and reaping each, with no supervisor in between.
fn kill_baseline(_: Kind, scale: Scale) -> Vec<Figure> {
    let n = scale.programs();
    let mut children: Vec<_> = (0..n)
        .map(|_| {
            Command::new("sleep")
                .arg("100000")
                .spawn()
                .expect("spawn sleep")
        })
        .collect();
    // Measure from the moment every child has become `sleep` (exec done), as the daemons'
    // children have when stopAllProcesses is called.
    let deadline = Instant::now() + Duration::from_secs(60);
    for child in &children {
        let comm = format!("/proc/{}/comm", child.id());
        while std::fs::read_to_string(&comm).map_or(true, |c| c.trim() != "sleep") {
            assert!(Instant::now() < deadline, "sleep did not start");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let start = Instant::now();
    for child in &children {
        // SAFETY: kill(2) on a child we have not reaped yet, so its pid is still ours.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    }
    for child in &mut children {
        child.wait().expect("wait");
    }
    vec![Figure {
        name: "plain loop killing and reaping the same N sleeps (baseline)",
        unit: "ms",
        value: ms(start.elapsed()),
    }]
}

/// The log scenarios' writer, a shell command line: `bytes` of 100-byte lines.
fn flood_script(bytes: u64) -> String {
    format!("yes {} | head -c {bytes}", "x".repeat(99))
}

/// The floors for logging a child's output, in throughput and in CPU per byte: a plain loop
/// reading the same child output from its pipe (grown to 1 MiB, as ours grows it) and writing
/// it to one file, timed on the copying thread alone. Both reads and writes are kernel copies,
/// as in any daemon.
fn log_copy_baseline(_: Kind, scale: Scale) -> Vec<Figure> {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    let dir = tempfile::Builder::new()
        .prefix("svd-bench")
        .tempdir()
        .expect("tempdir");
    let mut file = std::fs::File::create(dir.path().join("copy.log")).expect("log file");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(flood_script(scale.flood_bytes()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("writer");
    let mut pipe = child.stdout.take().expect("pipe");
    // SAFETY: fcntl on a pipe we own; a failure only leaves the default size.
    unsafe { libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    // SAFETY: sync(2) takes no arguments and cannot fail (see log_throughput).
    unsafe { libc::sync() };
    let cpu_before = thread_cpu_secs();
    let start = Instant::now();
    let mut copied = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                file.write_all(&buf[..n]).expect("write");
                copied += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("read: {e}"),
        }
    }
    let cpu = thread_cpu_secs() - cpu_before;
    let elapsed = start.elapsed();
    child.wait().expect("writer");
    drop(file);
    drop(dir);
    // Leave no dirty pages for the next scenario to be throttled by.
    // SAFETY: as above.
    unsafe { libc::sync() };
    vec![
        Figure {
            name: "child log: plain read/write loop copying the same output, throughput \
                   (baseline)",
            unit: "MiB/s",
            value: copied as f64 / 1048576.0 / elapsed.as_secs_f64(),
        },
        Figure {
            name: "child log: plain read/write loop copying the same output, CPU (baseline)",
            unit: "s",
            value: cpu,
        },
    ]
}

/// CPU seconds this thread has used.
fn thread_cpu_secs() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// One child writes 100-byte lines through 50 MB rotation; every byte must arrive in order.
fn log_throughput(kind: Kind, scale: Scale) -> Vec<Figure> {
    let bytes = scale.flood_bytes();
    let line = format!("{}\n", "x".repeat(99));
    let d = Daemon::start(
        kind,
        &format!(
            "[program:flood]\ncommand=sh -c '{}'\nautostart=false\nautorestart=false\n\
             startsecs=0\nstdout_logfile=%(here)s/flood.log\nstdout_logfile_maxbytes=50MB\n\
             stdout_logfile_backups=20\n",
            flood_script(bytes)
        ),
    );
    let mut client = crate::client::Client::new(&d.path("sock"));
    let files = || -> Vec<std::path::PathBuf> {
        let mut f: Vec<_> = (1..=20)
            .rev()
            .map(|i| d.path(&format!("flood.log.{i}")))
            .filter(|p| p.exists())
            .collect();
        f.push(d.path("flood.log"));
        f
    };
    let total = || {
        files()
            .iter()
            .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .sum::<u64>()
    };
    // Earlier rounds leave hundreds of MB of dirty pages; their writeback would throttle
    // whichever daemon happens to run next. Start each round from clean memory.
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let cpu_before = d.cpu_secs();
    let start = Instant::now();
    client
        .call(
            "supervisor.startProcess",
            &["flood".into(), Value::Bool(false)],
        )
        .expect("startProcess");
    let deadline = start + Duration::from_secs(300);
    while total() < bytes && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    let elapsed = start.elapsed();
    let cpu = d.cpu_secs() - cpu_before;
    // Check the content: rotation may cut anywhere, so check the concatenation.
    let (mut whole, mut damaged, mut carry) = (0u64, 0u64, Vec::new());
    for path in files() {
        carry.extend(std::fs::read(path).unwrap_or_default());
        let mut rest: &[u8] = &carry;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            if &rest[..=end] == line.as_bytes() {
                whole += 1;
            } else {
                damaged += 1;
            }
            rest = &rest[end + 1..];
        }
        carry = rest.to_vec();
    }
    let found = total();
    d.stop();
    vec![
        Figure {
            name: "child log throughput",
            unit: "MiB/s",
            value: found as f64 / 1048576.0 / elapsed.as_secs_f64(),
        },
        Figure {
            name: "child log: daemon CPU",
            unit: "s",
            value: cpu,
        },
        Figure {
            name: "child log: bytes lost",
            unit: "B",
            value: bytes.saturating_sub(found) as f64,
        },
        Figure {
            name: "child log: lines split or merged",
            unit: "",
            value: damaged as f64 + (!carry.is_empty()) as u8 as f64,
        },
        Figure {
            name: "child log: whole lines",
            unit: "",
            value: whole as f64,
        },
    ]
}

/// A program that exits at once with autorestart: the gap between `exited:` and the next
/// `spawned:` in the main log (millisecond timestamps, both daemons).
fn respawn(kind: Kind, _: Scale) -> Vec<Figure> {
    let d = Daemon::start(
        kind,
        "[program:blink]\ncommand=true\nautorestart=true\nstartsecs=0\nstartretries=100000\n",
    );
    d.wait_log("exited: blink", 20, Duration::from_secs(120));
    let log = std::fs::read_to_string(d.path("main.log")).unwrap_or_default();
    d.stop();
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
    gaps.sort_by(|a, b| a.total_cmp(b));
    let median = gaps.get(gaps.len() / 2).copied().unwrap_or(f64::NAN);
    vec![Figure {
        name: "exit to respawn (main-log stamps, ms resolution)",
        unit: "ms",
        value: median,
    }]
}

fn tail_latency(kind: Kind, _: Scale) -> Vec<Figure> {
    let mut d = Daemon::start(
        kind,
        "[program:talker]\ncommand=sh -c 'seq 1 5000; exec sleep 100000'\nstartsecs=0\n\
         stdout_logfile=%(here)s/talker.log\n",
    );
    let log = d.path("talker.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) < 20_000
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (rpc, _) = latencies(200, || {
        d.client
            .call(
                "supervisor.tailProcessStdoutLog",
                &["talker".into(), 0.into(), 1024.into()],
            )
            .expect("tail");
    });
    let socket = d.path("sock");
    let (http, _) = latencies(50, || {
        first_byte(&socket, "/logtail/talker").expect("logtail");
    });
    d.stop();
    vec![
        Figure {
            name: "tailProcessStdoutLog latency, median",
            unit: "ms",
            value: rpc,
        },
        Figure {
            name: "GET /logtail first byte, median",
            unit: "ms",
            value: http,
        },
    ]
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
fn event_latency(kind: Kind, _: Scale) -> Vec<Figure> {
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
    samples.sort_by(|a, b| a.total_cmp(b));
    vec![Figure {
        name: "startProcess to PROCESS_STATE_RUNNING at a listener, median",
        unit: "ms",
        value: samples[samples.len() / 2],
    }]
}
