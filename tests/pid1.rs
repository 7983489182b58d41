//! The daemon as PID 1 of a PID namespace, as in a container: every orphan of the namespace
//! is re-parented to it and must be reaped; the kernel gives PID 1 no default signal actions,
//! so each signal works only because the daemon handles it; and its exit status is what the
//! container runtime reports. Run with `unshare`; skipped, with the reason printed, where
//! this machine allows no new PID namespace.

mod common;

use std::process::{Command, Stdio};

use common::py::CTL_SECTIONS;
use common::{bin, children_of, wait_for, Daemon, DEADLINE};
use nix::sys::signal::Signal;

/// The ways to get a new PID namespace, unprivileged first. `--kill-child` takes the
/// namespace down with `unshare` should a test fail before the daemon exits.
const UNSHARE_WAYS: [&[&str]; 2] = [
    &[
        "--user",
        "--map-root-user",
        "--pid",
        "--fork",
        "--mount-proc",
        "--kill-child",
    ],
    &["--pid", "--fork", "--mount-proc", "--kill-child"],
];

/// The `unshare` arguments that work on this machine, or why none does.
fn namespace() -> Result<&'static [&'static str], String> {
    let mut failures = Vec::new();
    for way in UNSHARE_WAYS {
        let out = Command::new("unshare")
            .args(way)
            .arg("true")
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(out) if out.status.success() => return Ok(way),
            Ok(out) => failures.push(format!(
                "unshare {}: {}",
                way.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => failures.push(format!("unshare: {e}")),
        }
    }
    Err(failures.join("; "))
}

/// A supervisord running as PID 1 of its own PID namespace. `d.child` is `unshare`, which
/// exits with the daemon's status.
struct Pid1 {
    d: Daemon,
}

impl Pid1 {
    /// Starts supervisord as PID 1 on a config of `sections`; `None` (after saying why) when
    /// this machine cannot make a PID namespace.
    fn spawn(sections: &str) -> Option<Pid1> {
        let way = match namespace() {
            Ok(way) => way,
            Err(why) => {
                eprintln!("SKIPPED: no PID namespace for the test: {why}");
                return None;
            }
        };
        let mut d = Daemon::prepare(sections);
        let child = Command::new("unshare")
            .args(way)
            .arg(bin())
            .arg("-n")
            .arg("-c")
            .arg(&d.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn unshare");
        d.child = Some(child);
        Some(Pid1 { d })
    }

    /// [`Pid1::spawn`], waiting until the daemon says it started as PID 1.
    fn launch(sections: &str) -> Option<Pid1> {
        let pid1 = Self::spawn(sections)?;
        pid1.d.wait_log("supervisord started with pid 1\n");
        Some(pid1)
    }

    /// The daemon's pid as seen from here, outside its namespace.
    fn pid(&self) -> i32 {
        let children = children_of(self.d.pid());
        assert_eq!(children.len(), 1, "unshare's children: {children:?}");
        children[0].0
    }

    fn signal(&self, sig: Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig).expect("signal");
    }

    /// The daemon's zombie children, read from /proc.
    fn zombies(&self) -> Vec<i32> {
        children_of(self.pid())
            .into_iter()
            .filter(|(_, state)| *state == 'Z')
            .map(|(pid, _)| pid)
            .collect()
    }
}

const PROGRAM: &str = "[program:up]\ncommand=sleep 1000\nstartsecs=0\n";

#[test]
fn term_int_and_quit_stop_the_programs_and_exit_zero() {
    for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGQUIT] {
        let Some(mut pid1) = Pid1::launch(PROGRAM) else {
            return;
        };
        pid1.d.wait_log("success: up entered RUNNING state");
        pid1.signal(sig);
        let status = pid1.d.wait_exit();
        let log = pid1.d.log();
        assert_eq!(status.code(), Some(0), "{sig}: {status}\n{log}");
        assert!(
            log.contains(&format!("WARN received {sig} indicating exit request")),
            "{log}"
        );
        assert!(log.contains("stopped: up (terminated by SIGTERM)"), "{log}");
    }
}

#[test]
fn hup_restarts_and_usr2_reopens_the_logs() {
    let Some(pid1) = Pid1::launch(PROGRAM) else {
        return;
    };
    let d = &pid1.d;
    d.wait_log("success: up entered RUNNING state");
    pid1.signal(Signal::SIGHUP);
    let log = d.wait_log_count("success: up entered RUNNING state", 2);
    assert!(
        log.contains("WARN received SIGHUP indicating restart request"),
        "{log}"
    );
    assert_eq!(log.matches("supervisord started with pid 1\n").count(), 2);
    std::fs::rename(d.path("supervisord.log"), d.path("supervisord.log.old")).unwrap();
    pid1.signal(Signal::SIGUSR2);
    // A main log is created anew; the old one ends with the lines about the signal.
    let new_log = d.path("supervisord.log");
    wait_for(
        "a new main log",
        DEADLINE,
        || new_log.exists().then_some(()),
        || d.log(),
    );
    let old = common::read(&d.path("supervisord.log.old"));
    assert!(
        old.contains("INFO received SIGUSR2 indicating log reopen request"),
        "{old}"
    );
}

#[test]
fn a_thousand_double_forked_grandchildren_are_reaped_and_the_daemon_carries_on() {
    // Each `(true &)` is a subshell that leaves its `true` behind: an orphan the kernel hands
    // to PID 1, which no Process knows (Supervisor#936: such a reap must not stop the daemon).
    let Some(pid1) = Pid1::launch(&format!(
        "{CTL_SECTIONS}[program:forker]\ncommand=sh -c 'i=0; while [ $i -lt 1000 ]; do (true &); i=$((i+1)); done; \
         echo done > %(here)s/forked; exec sleep 1000'\nstartsecs=0\n\n\
         [program:up]\ncommand=sleep 1000\nstartsecs=0\n",
    )) else {
        return;
    };
    let d = &pid1.d;
    d.wait_file("forked");
    d.wait_log_count("reaped unknown pid", 1000);
    wait_for(
        "no zombie in the namespace",
        DEADLINE,
        || pid1.zombies().is_empty().then_some(()),
        || format!("zombies: {:?}", pid1.zombies()),
    );
    // Still supervising: both programs run, and a new start works.
    let children = children_of(pid1.pid());
    assert_eq!(children.len(), 2, "{children:?}\n{}", d.log());
    let ctl = Command::new(bin())
        .args(["ctl", "-c"])
        .arg(&d.conf)
        .args(["restart", "up"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&ctl.stdout).contains("up: started"),
        "{ctl:?}\n{}",
        d.log()
    );
}

#[test]
fn a_start_up_error_exits_two() {
    let Some(mut pid1) = Pid1::spawn("[program:bad]\n") else {
        return;
    };
    let status = pid1.d.wait_exit();
    assert_eq!(status.code(), Some(2), "{status}");
}
