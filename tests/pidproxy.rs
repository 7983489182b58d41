//! pidproxy against a real self-daemonizing program: a shell script that forks a worker,
//! writes the worker's pid to its pidfile and exits. Signals reach the worker; TERM/INT/QUIT
//! end pidproxy with 0; it exits 0 when the worker does; Supervisor's usage text and status
//! 1; and, as a supervisord program, stop and restart through supervisorctl reach the worker.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::{alive, wait_for, Daemon, DEADLINE};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const PIDPROXY: &str = env!("CARGO_BIN_EXE_pidproxy");

/// `daemonize.sh PIDFILE JOURNAL`: the worker notes in JOURNAL that its traps are set, then
/// each HUP and its TERM.
const DAEMONIZE: &str = r#"#!/bin/sh
sh -c 'trap "echo HUP >> $1" HUP; trap "echo TERM >> $1; exit 0" TERM; echo ready >> $1
       while :; do sleep 0.1; done' worker "$2" </dev/null >/dev/null 2>&1 &
echo $! > "$1"
exit 0
"#;

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("daemonize.sh");
        std::fs::write(&script, DAEMONIZE).unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        Setup { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// pidproxy on the script, and the worker's pid once it is written and its traps set
    /// (a signal before them would end it instead of reaching its trap).
    fn start(&self) -> (Child, Pid) {
        let child = common::default_signals(&mut Command::new(PIDPROXY))
            .arg(self.path("worker.pid"))
            .arg(self.path("daemonize.sh"))
            .arg(self.path("worker.pid"))
            .arg(self.path("journal"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let worker = self.worker();
        self.wait_journal("ready");
        (child, worker)
    }

    fn worker(&self) -> Pid {
        let pidfile = self.path("worker.pid");
        let text = wait_for(
            "the worker's pidfile",
            DEADLINE,
            || read_pid_text(&pidfile),
            String::new,
        );
        Pid::from_raw(text.trim().parse().unwrap())
    }

    fn journal(&self) -> String {
        std::fs::read_to_string(self.path("journal")).unwrap_or_default()
    }

    fn wait_journal(&self, line: &str) {
        wait_for(
            line,
            DEADLINE,
            || self.journal().contains(line).then_some(()),
            || self.journal(),
        );
    }
}

fn read_pid_text(pidfile: &Path) -> Option<String> {
    std::fs::read_to_string(pidfile)
        .ok()
        .filter(|t| t.ends_with('\n'))
}

fn wait_exit(child: Child) -> Output {
    let pid = child.id();
    let waiter = std::thread::spawn(move || child.wait_with_output().unwrap());
    wait_for(
        "pidproxy to exit",
        DEADLINE,
        || waiter.is_finished().then_some(()),
        || format!("pid {pid}"),
    );
    waiter.join().unwrap()
}

fn signal(child: &Child, sig: Signal) {
    kill(Pid::from_raw(child.id() as i32), sig).unwrap();
}

#[test]
fn hup_is_passed_on_and_term_ends_both_with_status_0() {
    let setup = Setup::new();
    let (proxy, worker) = setup.start();
    signal(&proxy, Signal::SIGHUP);
    setup.wait_journal("HUP");
    assert!(alive(proxy.id() as i32), "pidproxy left after HUP");

    signal(&proxy, Signal::SIGTERM);
    let output = wait_exit(proxy);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    setup.wait_journal("TERM");
    wait_for(
        "the worker to exit",
        DEADLINE,
        || (!alive(worker.as_raw())).then_some(()),
        String::new,
    );
}

#[test]
fn pidproxy_exits_0_when_the_daemonized_process_does() {
    let setup = Setup::new();
    let (proxy, worker) = setup.start();
    assert!(alive(proxy.id() as i32));
    kill(worker, Signal::SIGKILL).unwrap();
    let output = wait_exit(proxy);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn an_unreadable_pidfile_is_said_and_the_signal_dropped() {
    let setup = Setup::new();
    let missing = setup.path("never.pid");
    let proxy = common::default_signals(&mut Command::new(PIDPROXY))
        .arg(&missing)
        .args(["/bin/sleep", "30"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // pidproxy blocks its signals before it spawns: once the command runs, none is lost.
    wait_for(
        "pidproxy's command",
        DEADLINE,
        || (!common::children_of(proxy.id() as i32).is_empty()).then_some(()),
        String::new,
    );
    signal(&proxy, Signal::SIGTERM);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        alive(proxy.id() as i32),
        "pidproxy exited on an unreadable pidfile"
    );
    // The command still runs; once it ends, so does pidproxy.
    let sleeper = common::children_of(proxy.id() as i32);
    for (pid, _) in sleeper {
        kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    }
    let output = wait_exit(proxy);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("Can't read child pidfile {}!\n", missing.display())
    );
}

#[test]
fn usage_errors_print_supervisors_text_and_exit_1() {
    for args in [&[][..], &["/tmp/only-a-pidfile"]] {
        let output = common::default_signals(&mut Command::new(PIDPROXY))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.starts_with("pidproxy -- run command and proxy signals to it via its pidfile.")
                && stdout.ends_with(&format!(
                    "Usage: {PIDPROXY} <pidfile name> <command> [<cmdarg1> ...]\n\n"
                )),
            "{stdout}"
        );
    }
}

#[test]
fn a_command_that_cannot_run_exits_127() {
    let output = common::default_signals(&mut Command::new(PIDPROXY))
        .args(["/tmp/x.pid", "/nonexistent/daemon"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127), "{output:?}");
}

#[test]
fn supervisorctl_stop_and_restart_reach_the_daemonized_process() {
    let setup = Setup::new();
    let d = Daemon::start(&format!(
        "[unix_http_server]\nfile=%(here)s/s.sock\n\
         [supervisorctl]\nserverurl=unix://%(here)s/s.sock\n\
         [rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
         [program:daemon]\ncommand={PIDPROXY} {pidfile} {script} {pidfile} {journal}\n\
         startsecs=2\n",
        pidfile = setup.path("worker.pid").display(),
        script = setup.path("daemonize.sh").display(),
        journal = setup.path("journal").display(),
    ));
    let ctl = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_supervisorctl"))
            .arg("-c")
            .arg(&d.conf)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    d.wait_log("entered RUNNING state");
    let first = setup.worker();
    let status = ctl(&["status", "daemon"]);
    assert!(status.contains("RUNNING"), "{status}\n{}", d.log());

    assert!(ctl(&["stop", "daemon"]).contains("daemon: stopped"));
    setup.wait_journal("TERM");
    assert!(
        !alive(first.as_raw()) || wait_gone(first),
        "worker left after stop"
    );
    // The worker removes no pidfile: the next one written is the next worker's.
    std::fs::remove_file(setup.path("worker.pid")).unwrap();

    assert!(ctl(&["start", "daemon"]).contains("daemon: started"));
    let second = setup.worker();
    assert_ne!(first, second);
    let restarted = ctl(&["restart", "daemon"]);
    assert!(restarted.contains("daemon: started"), "{restarted}");
    wait_gone(second);
    assert_eq!(setup.journal().matches("TERM").count(), 2);
}

fn wait_gone(pid: Pid) -> bool {
    wait_for(
        "the worker to exit",
        DEADLINE,
        || (!alive(pid.as_raw())).then_some(()),
        String::new,
    );
    true
}
