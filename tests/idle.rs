//! An idle daemon sleeps: with programs running, HTTP servers open and a request served, no
//! thread of it wakes until something happens (Python's wakes 10 times in 10 s; actix-http's
//! Date task woke ours 4 times a second, see vendor/README.md); and what happens wakes only
//! the thread that handles it.

mod common;

use std::time::{Duration, Instant};

use common::py::{ctl, CTL_SECTIONS};
use common::Daemon;
use nix::sys::signal::Signal;

/// Context switches so far of every thread of `pid` that `counted` accepts by thread id (a
/// sleeping thread that wakes adds one).
fn switches_of(pid: i32, counted: impl Fn(i32) -> bool) -> u64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
    tasks
        .flatten()
        .filter(|task| {
            let tid = task.file_name().to_str().and_then(|t| t.parse().ok());
            tid.is_some_and(&counted)
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
        .flat_map(|status| {
            status
                .lines()
                .filter(|l| l.contains("ctxt_switches"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// Context switches of every thread of `pid` so far.
fn switches(pid: i32) -> u64 {
    switches_of(pid, |_| true)
}

/// Waits, up to 20 s, for a window of `window` in which `woke` (a count of switches) stays
/// put; panics with the counts seen otherwise.
fn wait_for_quiet(window: Duration, woke: impl Fn() -> u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let before = woke();
        std::thread::sleep(window);
        let count = woke() - before;
        if count == 0 {
            return;
        }
        seen.push(count);
        assert!(
            Instant::now() < deadline,
            "the daemon woke {seen:?} times in successive {window:?} windows"
        );
    }
}

#[test]
fn an_idle_daemon_with_servers_and_programs_never_wakes() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\n\n\
         [program:a]\ncommand=sleep 1000\nnumprocs=3\nprocess_name=%(program_name)s_%(process_num)d\n\n\
         {CTL_SECTIONS}"
    ));
    d.wait_log_count("entered RUNNING state", 3);
    assert!(ctl(&d, &["status"]).stdout.contains("RUNNING"));
    // A quiet window of 3 s must come, and soon: a periodic timer of any period below 3 s
    // would never leave one.
    wait_for_quiet(Duration::from_secs(3), || switches(d.pid()));
}

#[test]
fn children_exiting_wake_only_the_supervision_thread() {
    // SIGCHLD is read by the reaper alone. Caught by a signal handler instead, each exit
    // would interrupt some thread and wake every runtime in the daemon (the log thread and
    // the HTTP worker among them) through the handler's shared pipe.
    let n = 100;
    // At info level: at debug, output nobody logs is still read, for the main log.
    let d = Daemon::prepare_with(
        "loglevel=info",
        &format!(
            "[program:s]\ncommand=sleep 1000\nnumprocs={n}\n\
             process_name=%(program_name)s_%(process_num)d\nstartsecs=0\nautorestart=false\n\
             stdout_logfile=NONE\nstderr_logfile=NONE\n"
        ),
    )
    .launch(&[]);
    let log = d.wait_log_count("entered RUNNING state", n);
    let supervision = d.pid();
    let others = || switches_of(supervision, |tid| tid != supervision);
    wait_for_quiet(Duration::from_secs(1), others);
    let before = others();
    for pid in (0..n).flat_map(|i| common::spawned_pids(&log, &format!("s_{i}"))) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGTERM);
    }
    d.wait_log_count("(terminated by SIGTERM; not expected)", n);
    let woke = others() - before;
    assert!(
        woke < 10,
        "{n} exits woke the daemon's other threads {woke} times"
    );
}
