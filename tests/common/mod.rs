//! Shared helpers for the integration tests: a real `supervisord` started on a config in a
//! temp dir, waited on with deadlines (never fixed sleeps), and stopped on drop. When a wait
//! times out, the panic message carries the main log.
#![allow(dead_code)]

pub mod http;
pub mod py;
pub mod systemd;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long any single condition may take before a test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `check` until it returns Some, or panics with `what` and `context()` past `deadline`.
pub fn wait_for<T>(
    what: &str,
    deadline: Duration,
    mut check: impl FnMut() -> Option<T>,
    context: impl Fn() -> String,
) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = check() {
            return v;
        }
        if Instant::now() > end {
            panic!(
                "timed out waiting for {what}\n--- context ---\n{}",
                context()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A supervisord under test.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub child: Option<Child>,
}

impl Daemon {
    /// Starts `supervisord -n` with a [supervisord] section pointing everything into a temp
    /// dir, followed by `sections` (which may use `%(here)s` for that dir).
    pub fn start(sections: &str) -> Daemon {
        Self::start_with(sections, &[])
    }

    pub fn start_with(sections: &str, extra_args: &[&str]) -> Daemon {
        let d = Self::prepare(sections);
        d.launch(extra_args)
    }

    /// Writes the config without starting anything.
    pub fn prepare(sections: &str) -> Daemon {
        Self::prepare_with("", sections)
    }

    /// [`Daemon::prepare`], with `supervisord_options` (lines) added to `[supervisord]`.
    pub fn prepare_with(supervisord_options: &str, sections: &str) -> Daemon {
        let dir = tempfile::Builder::new()
            .prefix("svd-test")
            .tempdir()
            .expect("tempdir");
        let conf = dir.path().join("supervisord.conf");
        let text = format!(
            "[supervisord]\nlogfile=%(here)s/supervisord.log\npidfile=%(here)s/supervisord.pid\n\
             childlogdir=%(here)s\nloglevel=debug\n{supervisord_options}\n{sections}"
        );
        std::fs::write(&conf, text).expect("write config");
        Daemon {
            dir,
            conf,
            child: None,
        }
    }

    /// Starts the binary on the prepared config and waits until it says it started.
    pub fn launch(self, extra_args: &[&str]) -> Daemon {
        self.launch_with(extra_args, |_| {})
    }

    /// [`Daemon::launch`], with the daemon's command set up further by `configure` first (as
    /// a user's shell or unit would start it).
    pub fn launch_with(self, extra_args: &[&str], configure: impl FnOnce(&mut Command)) -> Daemon {
        self.try_launch_with(extra_args, configure)
            .unwrap_or_else(|stderr| panic!("supervisord exited at start-up:\n{stderr}"))
    }

    /// [`Daemon::launch`], or the daemon's stderr if it exits before it says it started (a
    /// port taken meanwhile, a config error).
    pub fn try_launch(self, extra_args: &[&str]) -> Result<Daemon, String> {
        self.try_launch_with(extra_args, |_| {})
    }

    fn try_launch_with(
        mut self,
        extra_args: &[&str],
        configure: impl FnOnce(&mut Command),
    ) -> Result<Daemon, String> {
        let mut command = Command::new(bin());
        command
            .arg("-n")
            .arg("-c")
            .arg(&self.conf)
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        configure(&mut command);
        let child = command.spawn().expect("spawn supervisord");
        self.child = Some(child);
        let log_path = self.path("supervisord.log");
        let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
        let child = self.child.as_mut().expect("spawned");
        let exited = wait_for(
            "\"supervisord started with pid\" in the main log",
            DEADLINE,
            || {
                if log().contains("supervisord started with pid") {
                    return Some(false);
                }
                matches!(child.try_wait(), Ok(Some(_))).then_some(true)
            },
            log,
        );
        if exited {
            let mut stderr = String::new();
            let mut child = self.child.take().expect("spawned");
            if let Some(mut pipe) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            // Already reaped by try_wait: this only returns its status.
            let _ = child.wait();
            return Err(stderr);
        }
        Ok(self)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The unix socket path the HTTP tests configure: `%(here)s/supervisor.sock`.
    pub fn socket(&self) -> PathBuf {
        self.path("supervisor.sock")
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().expect("running").id() as i32
    }

    /// The main log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("supervisord.log")).unwrap_or_default()
    }

    /// Waits until the main log contains `needle`; returns the log.
    pub fn wait_log(&self, needle: &str) -> String {
        self.wait_log_count(needle, 1)
    }

    /// Waits until the main log contains `needle` at least `n` times.
    pub fn wait_log_count(&self, needle: &str, n: usize) -> String {
        wait_for(
            &format!("{n}x {needle:?} in the main log"),
            DEADLINE,
            || {
                let log = self.log();
                (log.matches(needle).count() >= n).then_some(log)
            },
            || self.log(),
        )
    }

    /// Waits until `file` (in the temp dir) exists and is non-empty; returns its text.
    pub fn wait_file(&self, name: &str) -> String {
        let path = self.path(name);
        wait_for(
            &format!("file {name}"),
            DEADLINE,
            || {
                std::fs::read_to_string(&path)
                    .ok()
                    .filter(|s| !s.is_empty())
            },
            || self.log(),
        )
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig).expect("signal daemon");
    }

    /// Waits for the daemon to exit and returns its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("running");
        let status = wait_for(
            "supervisord to exit",
            DEADLINE,
            || child.try_wait().expect("try_wait"),
            String::new,
        );
        self.child = None;
        status
    }

    /// Every direct child of the daemon as (pid, state letter) from /proc.
    pub fn children(&self) -> Vec<(i32, char)> {
        children_of(self.pid())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let end = Instant::now() + Duration::from_secs(15);
        while Instant::now() < end {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The built daemon binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_supervisord")
}

/// Direct children of `ppid` as (pid, state letter), from /proc/*/stat.
pub fn children_of(ppid: i32) -> Vec<(i32, char)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name is in parentheses and may contain spaces: split after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r.trim_start()) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let parent: i32 = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        if parent == ppid {
            out.push((pid, state));
        }
    }
    out
}

/// Whether a process with this pid exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .map(|(_, r)| r.trim_start().starts_with('Z'))
            .unwrap_or(true),
        Err(_) => false,
    }
}

/// Pids named in `log` lines `spawned: 'name' with pid N`, in order.
pub fn spawned_pids(log: &str, name: &str) -> Vec<i32> {
    let prefix = format!("spawned: '{name}' with pid ");
    log.lines()
        .filter_map(|l| {
            l.split_once(&prefix)
                .map(|(_, p)| p.trim().parse().expect("pid"))
        })
        .collect()
}

/// Reads a file relative to nothing (absolute), empty if missing.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Gives `command`'s process the default action for the signals a test sends it. A test run
/// started in the background (`cmd &`, `nohup`) inherits SIGINT, SIGQUIT or SIGHUP ignored,
/// and a shell cannot trap, nor Python catch, a signal ignored when it started.
pub fn default_signals(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec, only signal(2), which is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGHUP, libc::SIGTERM] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        })
    }
}
