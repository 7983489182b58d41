//! Other process supervisors on the figures each can express, in the same run as ours and
//! interleaved with it: memory with 0 and N programs (PSS, summed over the supervisor's
//! processes), time until N programs are up (counted as
//! the supervisor's descendants in /proc, the same way for every peer), idle CPU and
//! wake-ups, exit-to-respawn latency, and the logs of many children at once where the peer
//! itself writes its children's output to files. scripts/bench-setup-peers.sh installs them;
//! one that is not installed is skipped with a note.

mod circus;
mod horust;
mod pm2;
mod runit;
mod s6;
mod supervisord;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::procfs;
use crate::scenarios::{mib, ms, Figure, Scale};
use crate::workloads;

/// One supervised program, as every peer's config can say it.
pub struct Program {
    pub name: String,
    /// Plain words, no quoting needed.
    pub command: Vec<String>,
    /// Run it again whenever it exits.
    pub restart: bool,
    /// Where its stdout goes (for peers that log), else nowhere.
    pub stdout: Option<PathBuf>,
}

impl Program {
    fn command_line(&self) -> String {
        self.command.join(" ")
    }
}

pub trait Peer {
    fn name(&self) -> &'static str;
    /// Why it cannot run here, if it cannot.
    fn missing(&self) -> Option<String>;
    /// Whether it writes its children's output to log files itself.
    fn logs_output(&self) -> bool;
    /// Starts supervising `programs`, its own files in `dir`.
    fn start(&self, dir: &Path, programs: &[Program]) -> Running;
}

/// A started peer: the supervisor process whose tree is measured, and whatever must live
/// until it is ended. Dropping it kills the whole tree.
pub struct Running {
    pub root: u32,
    /// Processes we started (a launcher, the supervisor) to reap at the end.
    pub children: Vec<Child>,
    /// Kept until the end, dropped after the kill (our daemon's handle).
    pub keep: Option<Box<dyn std::any::Any>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        procfs::kill_tree(self.root);
        for child in &mut self.children {
            procfs::kill_tree(child.id());
            let _ = child.wait();
        }
        self.keep.take();
    }
}

pub fn all() -> Vec<Box<dyn Peer>> {
    vec![
        Box::new(supervisord::Ours),
        Box::new(pm2::Pm2),
        Box::new(circus::Circus),
        Box::new(runit::Runit),
        Box::new(s6::S6),
        Box::new(horust::Horust),
    ]
}

pub struct PeerScenario {
    pub name: &'static str,
    pub run: fn(&dyn Peer, Scale) -> Vec<Figure>,
}

pub const SCENARIOS: &[PeerScenario] = &[
    PeerScenario {
        name: "peers: no programs",
        run: no_programs,
    },
    PeerScenario {
        name: "peers: many programs",
        run: many_programs,
    },
    PeerScenario {
        name: "peers: exit to respawn",
        run: respawn,
    },
    PeerScenario {
        name: "peers: logs of many children",
        run: many_logs,
    },
];

fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("svd-bench-peer")
        .tempdir()
        .expect("tempdir")
}

fn sleeper(i: usize) -> Program {
    Program {
        name: format!("sleeper_{i:05}"),
        command: vec!["sleep".into(), "100000".into()],
        restart: true,
        stdout: None,
    }
}

/// Waits until `check` holds, or `limit`; whether it did.
fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !check() {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

fn supervisor_pss_mib(running: &Running) -> f64 {
    mib(procfs::pss_kib(&procfs::supervisor_processes(
        running.root,
        "sleep",
    )))
}

fn no_programs(peer: &dyn Peer, _: Scale) -> Vec<Figure> {
    let dir = temp_dir();
    let running = peer.start(dir.path(), &[]);
    // Past its start-up, whatever it allocates there.
    std::thread::sleep(Duration::from_secs(1));
    if !procfs::alive(running.root) {
        crate::note(format!("{}: exits when it has no programs", peer.name()));
        return vec![];
    }
    vec![Figure::new(
        "memory (PSS), 0 programs",
        "MiB",
        supervisor_pss_mib(&running),
    )]
}

fn many_programs(peer: &dyn Peer, scale: Scale) -> Vec<Figure> {
    let n = scale.programs();
    let dir = temp_dir();
    let programs: Vec<Program> = (0..n).map(sleeper).collect();
    let start = Instant::now();
    let running = peer.start(dir.path(), &programs);
    let up = wait_until(Duration::from_secs(300), || {
        procfs::count_running(running.root, "sleep") >= n
    });
    if !up {
        crate::note(format!(
            "{}: {n} programs were not all up in 300 s",
            peer.name()
        ));
        return vec![];
    }
    let all_up = start.elapsed();
    let supervisor = procfs::supervisor_processes(running.root, "sleep");
    procfs::settle(&supervisor);
    let (cpu, wake_ups) = (
        procfs::cpu_secs(&supervisor),
        procfs::context_switches(&supervisor),
    );
    std::thread::sleep(scale.idle());
    let idle_cpu = procfs::cpu_secs(&supervisor) - cpu;
    let idle_wake_ups = procfs::context_switches(&supervisor) - wake_ups;
    vec![
        Figure::new(
            format!("{n} programs: time until all are up"),
            "ms",
            ms(all_up),
        ),
        Figure::new(
            format!("memory (PSS), {n} programs"),
            "MiB",
            supervisor_pss_mib(&running),
        ),
        Figure::new(
            format!("idle CPU, {n} programs, {:?}", scale.idle()),
            "s",
            idle_cpu,
        ),
        Figure::new(
            format!("idle wake-ups, {n} programs, {:?}", scale.idle()),
            "",
            idle_wake_ups as f64,
        ),
    ]
}

fn respawn(peer: &dyn Peer, scale: Scale) -> Vec<Figure> {
    let dir = temp_dir();
    let (script, stamps) = workloads::stamp_script(dir.path());
    let program = Program {
        name: "blink".into(),
        command: vec![script.display().to_string()],
        restart: true,
        stdout: None,
    };
    let runs = scale.respawns();
    let running = peer.start(dir.path(), &[program]);
    let done = wait_until(Duration::from_secs(120), || {
        workloads::stamp_count(&stamps) >= runs
    });
    drop(running);
    if !done {
        crate::note(format!("{}: fewer than {runs} runs in 120 s", peer.name()));
    }
    vec![Figure::new(
        "exit to respawn: one run's start to the next's, median",
        "ms",
        workloads::median_gap_ms(&stamps),
    )]
}

fn many_logs(peer: &dyn Peer, scale: Scale) -> Vec<Figure> {
    if !peer.logs_output() {
        return vec![];
    }
    let (k, bytes) = scale.streams();
    let dir = temp_dir();
    let writer = workloads::writer_script(dir.path(), bytes);
    let programs: Vec<Program> = (0..k)
        .map(|i| Program {
            name: format!("writer_{i:03}"),
            command: vec![writer.display().to_string()],
            restart: false,
            stdout: Some(dir.path().join(format!("writer_{i:03}.log"))),
        })
        .collect();
    let logs: Vec<PathBuf> = programs.iter().filter_map(|p| p.stdout.clone()).collect();
    let expected = k as u64 * (bytes / 64 * 64);
    let running = peer.start(dir.path(), &programs);
    // From the first byte: the peers' start-up times differ, and are measured above.
    wait_until(Duration::from_secs(60), || {
        workloads::logged_bytes(&logs) > 0
    });
    let elapsed = crate::scenarios::wait_for_bytes(
        &logs,
        expected,
        std::time::Instant::now(),
        Duration::from_secs(300),
    );
    drop(running);
    let check = workloads::check_streams(&logs);
    crate::scenarios::stream_figures(
        &format!("{k} children's logs at once"),
        expected,
        elapsed,
        &check,
    )
}

/// The path of a tool that scripts/bench-setup-peers.sh installs under target/, or why not.
fn installed(relative: &str) -> Result<PathBuf, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing (scripts/bench-setup-peers.sh installs it)",
            path.display()
        ))
    }
}

/// The path of a command on PATH, or why not.
fn on_path(command: &str) -> Result<PathBuf, String> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(command))
        .find(|p| p.exists())
        .ok_or_else(|| {
            format!("{command} is not installed (scripts/bench-setup-peers.sh installs it)")
        })
}

/// A service directory per program, each with the `run` script that runit's runsv and s6's
/// s6-supervise both exec: runit and s6 read the same layout.
fn service_directories(scan: &Path, programs: &[Program]) {
    use std::os::unix::fs::PermissionsExt;
    for program in programs {
        let service = scan.join(&program.name);
        std::fs::create_dir_all(&service).expect("service dir");
        let run = service.join("run");
        std::fs::write(
            &run,
            format!("#!/bin/sh\nexec {}\n", program.command_line()),
        )
        .expect("run");
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// Starts `command` with `args` as the peer's supervisor process, its output discarded.
fn spawn_supervisor(command: &Path, args: &[&std::ffi::OsStr], envs: &[(&str, &Path)]) -> Running {
    let mut command = std::process::Command::new(command);
    command
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (key, value) in envs {
        command.env(key, value);
    }
    let child = command.spawn().expect("spawn the peer");
    Running {
        root: child.id(),
        children: vec![child],
        keep: None,
    }
}
