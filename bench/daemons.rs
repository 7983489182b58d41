//! Starting and watching the two daemons under test, ours and Python supervisord 4.3, on the
//! same generated config in a temp dir: start-up time, RSS and CPU from /proc, main-log
//! counting, orderly stop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::procfs;

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
    main_log: LogCount,
}

/// `minfds` and `minprocs` for the daemon's config.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub fds: u64,
    pub procs: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fds: 10000,
            procs: 200,
        }
    }
}

/// The main log read as it grows: with 10 000 programs it reaches megabytes, and reading it
/// whole every few milliseconds would take a core from the daemons being measured.
#[derive(Default)]
struct LogCount {
    needle: String,
    read: u64,
    count: usize,
    partial: Vec<u8>,
}

impl LogCount {
    /// Occurrences of `needle` in `path` so far, reading only what was appended.
    fn update(&mut self, path: &Path, needle: &str) -> usize {
        use std::io::{Read, Seek, SeekFrom};
        if self.needle != needle {
            *self = LogCount {
                needle: needle.to_string(),
                ..LogCount::default()
            };
        }
        let mut appended = Vec::new();
        if let Ok(mut file) = std::fs::File::open(path) {
            let _ = file.seek(SeekFrom::Start(self.read));
            let _ = file.read_to_end(&mut appended);
        }
        self.read += appended.len() as u64;
        self.partial.extend(appended);
        // Count whole lines only: a needle may be cut by the end of what is written so far.
        if let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') {
            let lines: Vec<u8> = self.partial.drain(..=end).collect();
            self.count += String::from_utf8_lossy(&lines).matches(needle).count();
        }
        self.count
    }
}

impl Daemon {
    /// Starts `kind` on a config made of the common sections plus `programs`.
    pub fn start(kind: Kind, programs: &str) -> Daemon {
        Daemon::start_with(kind, programs, Limits::default())
    }

    /// [`Daemon::start`] with `minfds`/`minprocs` raised as a user running that many
    /// programs would raise them.
    pub fn start_with(kind: Kind, programs: &str, limits: Limits) -> Daemon {
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
                 loglevel=info\nminfds={}\nminprocs={}\n\n{programs}",
                limits.fds, limits.procs
            ),
        )
        .expect("write config");
        let command = kind.command();
        assert!(
            command.exists(),
            "{} missing: run scripts/bench.sh (it builds and installs both)",
            command.display()
        );
        let stderr_path = dir.path().join("stderr");
        let stderr = std::fs::File::create(&stderr_path).expect("create stderr file");
        let started = Instant::now();
        let mut child = Command::new(command)
            .args(["-n", "-s", "-c"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn daemon");
        let mut client = Client::new(&dir.path().join("sock"));
        let deadline = started + Duration::from_secs(60);
        while client.call("supervisor.getState", &[]).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let said = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!("{} exited at start-up ({status}): {said}", kind.label());
            }
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
            main_log: LogCount::default(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Resident set size in KiB.
    pub fn rss_kib(&self) -> u64 {
        procfs::rss_kib(&[self.child.id()])
    }

    /// CPU seconds used so far by the daemon itself, all threads.
    pub fn cpu_secs(&self) -> f64 {
        procfs::cpu_secs(&[self.child.id()])
    }

    /// Context switches so far of all the daemon's threads.
    pub fn wake_ups(&self) -> u64 {
        procfs::context_switches(&[self.child.id()])
    }

    /// Waits until the daemon has finished settling (see [`procfs::settle`]).
    pub fn settle(&self) {
        procfs::settle(&[self.child.id()])
    }

    /// How many times `needle` appears in the main log.
    pub fn count_log(&mut self, needle: &str) -> usize {
        let path = self.path("main.log");
        self.main_log.update(&path, needle)
    }

    /// Waits until the main log has `n` lines containing `needle`; returns the time waited.
    pub fn wait_log(&mut self, needle: &str, n: usize, limit: Duration) -> Duration {
        self.try_wait_log(needle, n, limit)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Daemon::wait_log`], with running out of time as an error.
    pub fn try_wait_log(
        &mut self,
        needle: &str,
        n: usize,
        limit: Duration,
    ) -> Result<Duration, String> {
        let start = Instant::now();
        while self.count_log(needle) < n {
            if start.elapsed() > limit {
                return Err(format!(
                    "{}: {n}x {needle:?} not reached",
                    self.kind.label()
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(start.elapsed())
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
