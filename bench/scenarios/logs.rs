//! Children's output into log files: one child's flood through rotation, its floor (a plain
//! copy loop), and many children writing at once, each line checked.

use std::process::Command;
use std::time::{Duration, Instant};

use supervisord::rpc::xmlrpc::Value;

use super::{Figure, Scale};
use crate::daemons::{Daemon, Kind};
use crate::workloads;

/// The log scenarios' writer, a shell command line: `bytes` of 100-byte lines.
fn flood_script(bytes: u64) -> String {
    format!("yes {} | head -c {bytes}", "x".repeat(99))
}

/// The floors for logging a child's output, in throughput and in CPU per byte: a plain loop
/// reading the same child output from its pipe (grown to 1 MiB, as ours grows it) and writing
/// it to one file, timed on the copying thread alone. Both reads and writes are kernel copies,
/// as in any daemon.
pub fn log_copy_floor(_: Kind, scale: Scale) -> Vec<Figure> {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    let dir = tempfile::Builder::new()
        .prefix("svd-bench")
        .tempdir()
        .expect("tempdir");
    let mut file = std::fs::File::create(dir.path().join("copy.log")).expect("log file");
    // SAFETY: sync(2) takes no arguments and cannot fail (see log_throughput).
    unsafe { libc::sync() };
    // The clock starts before the writer does, as the daemon's figure starts with the
    // startProcess call.
    let cpu_before = thread_cpu_secs();
    let start = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(flood_script(scale.flood_bytes()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("writer");
    let mut pipe = child.stdout.take().expect("pipe");
    // SAFETY: fcntl on a pipe we own; a failure only leaves the default size.
    unsafe { libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
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
        Figure::new(
            "child log: plain read/write loop copying the same output, throughput \
                   (baseline)",
            "MiB/s",
            copied as f64 / 1048576.0 / elapsed.as_secs_f64(),
        ),
        Figure::new(
            "child log: plain read/write loop copying the same output, CPU (baseline)",
            "s",
            cpu,
        ),
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
pub fn log_throughput(kind: Kind, scale: Scale) -> Vec<Figure> {
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
        Figure::new(
            "child log throughput",
            "MiB/s",
            found as f64 / 1048576.0 / elapsed.as_secs_f64(),
        ),
        Figure::new("child log: daemon CPU", "s", cpu),
        Figure::new(
            "child log: bytes lost",
            "B",
            bytes.saturating_sub(found) as f64,
        ),
        Figure::new(
            "child log: lines split or merged",
            "",
            damaged as f64 + (!carry.is_empty()) as u8 as f64,
        ),
        Figure::new("child log: whole lines", "", whole as f64),
    ]
}

/// `k` children write numbered lines at once, each to its own log file; every line is read
/// back and checked.
pub fn many_streams(kind: Kind, scale: Scale) -> Vec<Figure> {
    let (k, bytes) = scale.streams();
    let Writers {
        dir: _dir,
        script: writer,
        logs,
    } = Writers::new(k, bytes);
    let programs: String = logs
        .iter()
        .enumerate()
        .map(|(i, log)| {
            format!(
                "[program:writer_{i:03}]\ncommand={}\nautostart=false\nautorestart=false\n\
                 startsecs=0\nstdout_logfile={}\nstdout_logfile_maxbytes=0\n\n",
                writer.display(),
                log.display()
            )
        })
        .collect();
    let mut d = Daemon::start(kind, &programs);
    // SAFETY: sync(2) takes no arguments and cannot fail (see log_throughput).
    unsafe { libc::sync() };
    let expected = k as u64 * (bytes / 64 * 64);
    // From the call, as the floors' clocks start before their writers.
    let start = Instant::now();
    d.client
        .call("supervisor.startAllProcesses", &[Value::Bool(false)])
        .expect("startAllProcesses");
    let elapsed = wait_for_bytes(&logs, expected, start, Duration::from_secs(300));
    // Whatever is still on its way when the daemon stops is lost: stop, then count.
    d.stop();
    let check = workloads::check_streams(&logs);
    stream_figures(
        &format!("{k} children's logs at once"),
        expected,
        elapsed,
        &check,
    )
}

/// The many-streams workload: a directory holding the writer script (`bytes` of numbered
/// lines) and the paths of the `k` logs they write, removed when dropped.
struct Writers {
    dir: tempfile::TempDir,
    script: std::path::PathBuf,
    logs: Vec<std::path::PathBuf>,
}

impl Writers {
    fn new(k: usize, bytes: u64) -> Writers {
        let dir = tempfile::Builder::new()
            .prefix("svd-bench")
            .tempdir()
            .expect("tempdir");
        let script = workloads::writer_script(dir.path(), bytes);
        let logs = (0..k)
            .map(|i| dir.path().join(format!("writer_{i:03}.log")))
            .collect();
        Writers { dir, script, logs }
    }
}

/// The floors for many children logging at once: the same writers with their output
/// straight to their files (what the writers cost alone, on these cores), and through pipes
/// that one epoll thread copies to the files (what a supervisor cannot do with less).
pub fn many_streams_floors(_: Kind, scale: Scale) -> Vec<Figure> {
    let (k, bytes) = scale.streams();
    let expected = k as u64 * (bytes / 64 * 64);
    [false, true]
        .into_iter()
        .map(|through_pipes| {
            let Writers {
                dir: _dir,
                script: writer,
                logs,
            } = Writers::new(k, bytes);
            // SAFETY: sync(2) takes no arguments and cannot fail (see log_throughput).
            unsafe { libc::sync() };
            let elapsed = if through_pipes {
                copy_writers_through_pipes(&writer, &logs)
            } else {
                run_writers_to_files(&writer, &logs)
            };
            let check = workloads::check_streams(&logs);
            let how = if through_pipes {
                "through pipes, one epoll thread copying"
            } else {
                "straight to their files"
            };
            Figure::new(
                format!("{k} writers' output {how}: throughput (baseline)"),
                "MiB/s",
                check.bytes.min(expected) as f64 / 1048576.0 / elapsed.as_secs_f64(),
            )
        })
        .collect()
}

/// Starts one `writer` per log, its stdout the log itself; returns when all have exited.
fn run_writers_to_files(writer: &std::path::Path, logs: &[std::path::PathBuf]) -> Duration {
    let start = Instant::now();
    let children: Vec<_> = logs
        .iter()
        .map(|log| {
            Command::new(writer)
                .stdout(std::fs::File::create(log).expect("log file"))
                .spawn()
                .expect("writer")
        })
        .collect();
    for mut child in children {
        child.wait().expect("writer");
    }
    start.elapsed()
}

/// Starts one `writer` per log on a pipe, which one epoll thread copies to the log; returns
/// when every pipe has reached EOF.
fn copy_writers_through_pipes(writer: &std::path::Path, logs: &[std::path::PathBuf]) -> Duration {
    use std::collections::HashMap;
    use std::io::Write;
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::sync::{Arc, Mutex};
    // SAFETY: epoll_create1 takes a flag and returns a new fd or -1.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "epoll_create1");
    // Filled while the reader already runs, as a daemon reads while it still spawns.
    let sinks: Arc<Mutex<HashMap<libc::c_int, (OwnedFd, std::fs::File)>>> = Arc::default();
    let reader_sinks = sinks.clone();
    let pipes = logs.len();
    let start = Instant::now();
    let reader = std::thread::spawn(move || {
        super::floors::drain(epoll, pipes, |fd, data| {
            let mut sinks = reader_sinks.lock().expect("sinks");
            sinks
                .get_mut(&fd)
                .expect("sink")
                .1
                .write_all(data)
                .expect("write");
        })
    });
    let children: Vec<_> = logs
        .iter()
        .map(|log| {
            let mut child = Command::new(writer)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("writer");
            let pipe = OwnedFd::from(child.stdout.take().expect("stdout"));
            let fd = pipe.as_raw_fd();
            let file = std::fs::File::create(log).expect("log file");
            sinks.lock().expect("sinks").insert(fd, (pipe, file));
            let mut event = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: fd as u64,
            };
            // SAFETY: the pipe is open (kept in `sinks`); the event is read during the call.
            let added = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &mut event) };
            assert_eq!(added, 0, "epoll_ctl");
            child
        })
        .collect();
    reader.join().expect("reader");
    let elapsed = start.elapsed();
    for mut child in children {
        child.wait().expect("writer");
    }
    // SAFETY: the epoll fd is ours and no longer used.
    unsafe { libc::close(epoll) };
    elapsed
}

/// Waits until `logs` hold `expected` bytes, or no byte more came for 5 s, or `limit`;
/// returns when the last byte came, counted from `start`.
pub fn wait_for_bytes(
    logs: &[std::path::PathBuf],
    expected: u64,
    start: Instant,
    limit: Duration,
) -> Duration {
    let (mut seen, mut last_growth) = (0, start.elapsed());
    while seen < expected
        && start.elapsed() < limit
        && start.elapsed() - last_growth < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(5));
        let now = workloads::logged_bytes(logs);
        if now > seen {
            (seen, last_growth) = (now, start.elapsed());
        }
    }
    last_growth
}

/// The figures of a many-streams run: throughput, bytes lost, lines damaged.
pub fn stream_figures(
    label: &str,
    expected: u64,
    elapsed: Duration,
    check: &workloads::StreamCheck,
) -> Vec<Figure> {
    vec![
        Figure::new(
            format!("{label}: throughput"),
            "MiB/s",
            check.bytes as f64 / 1048576.0 / elapsed.as_secs_f64(),
        ),
        Figure::new(
            format!("{label}: bytes lost"),
            "B",
            expected.saturating_sub(check.bytes) as f64,
        ),
        Figure::new(format!("{label}: lines damaged"), "", check.damaged as f64),
    ]
}
