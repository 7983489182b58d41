//! Starting and watching the two daemons under test, ours and Python supervisord 4.3, on the
//! same generated config in a temp dir: start-up time, RSS and CPU from /proc, main-log
//! counting, orderly stop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Client;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ours,
    Python,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Python => "python",
        }
    }

    fn command(self) -> PathBuf {
        match self {
            Kind::Ours => {
                let exe = std::env::current_exe().expect("current exe");
                // target/release/examples/bench -> target/release/supervisord
                exe.parent()
                    .and_then(Path::parent)
                    .expect("target dir")
                    .join("supervisord")
            }
            Kind::Python => {
                let venv = std::env::var_os("SUPERVISOR_PY_VENV")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| {
                        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/pyvenv"))
                    });
                venv.join("bin/supervisord")
            }
        }
    }
}

pub struct Daemon {
    pub kind: Kind,
    pub dir: tempfile::TempDir,
    pub child: Child,
    pub client: Client,
    /// Exec to the first answered supervisor.getState.
    pub startup: Duration,
    /// When the daemon was executed.
    pub started: Instant,
}

impl Daemon {
    /// Starts `kind` on a config made of the common sections plus `programs`.
    pub fn start(kind: Kind, programs: &str) -> Daemon {
        let dir = tempfile::Builder::new()
            .prefix("svd-bench")
            .tempdir()
            .expect("tempdir");
        let conf = dir.path().join("supervisord.conf");
        std::fs::write(
            &conf,
            format!(
                "[unix_http_server]\nfile=%(here)s/sock\n\n[rpcinterface:supervisor]\n\
                 supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
                 [supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/pid\nchildlogdir=%(here)s\n\
                 loglevel=info\nminfds=10000\nminprocs=200\n\n{programs}"
            ),
        )
        .expect("write config");
        let command = kind.command();
        assert!(
            command.exists(),
            "{} missing: run scripts/bench.sh (it builds and installs both)",
            command.display()
        );
        let started = Instant::now();
        let child = Command::new(command)
            .args(["-n", "-s", "-c"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn daemon");
        let mut client = Client::new(&dir.path().join("sock"));
        let deadline = started + Duration::from_secs(60);
        while client.call("supervisor.getState", &[]).is_err() {
            assert!(Instant::now() < deadline, "{} did not answer", kind.label());
            std::thread::sleep(Duration::from_micros(500));
        }
        let startup = started.elapsed();
        Daemon {
            kind,
            dir,
            child,
            client,
            startup,
            started,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Resident set size in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// CPU seconds used so far by the daemon itself, all threads, from the scheduler's
    /// nanosecond accounting (/proc/PID/task/*/schedstat): clock ticks are too coarse for an
    /// idle daemon.
    pub fn cpu_secs(&self) -> f64 {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id()));
        let nanos: u64 = tasks
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
            .filter_map(|s| {
                s.split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .sum();
        nanos as f64 / 1e9
    }

    /// How many times `needle` appears in the main log.
    pub fn count_log(&self, needle: &str) -> usize {
        std::fs::read_to_string(self.path("main.log"))
            .unwrap_or_default()
            .matches(needle)
            .count()
    }

    /// Waits until the main log has `n` lines containing `needle`; returns the time waited.
    pub fn wait_log(&self, needle: &str, n: usize, limit: Duration) -> Duration {
        let start = Instant::now();
        while self.count_log(needle) < n {
            assert!(
                start.elapsed() < limit,
                "{}: {n}x {needle:?} not reached",
                self.kind.label()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        start.elapsed()
    }

    /// SIGTERM and wait for exit (children stop first).
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    /// A failed measurement must not leave a daemon and its 1 000 children behind.
    fn drop(&mut self) {
        self.terminate();
    }
}
