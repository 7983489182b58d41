//! An idle daemon sleeps: with programs running, HTTP servers open and a request served, no
//! thread of it wakes until something happens (Python's wakes 10 times in 10 s; actix-http's
//! Date task woke ours 4 times a second, see vendor/README.md).

mod common;

use std::time::{Duration, Instant};

use common::py::{ctl, CTL_SECTIONS};
use common::Daemon;

/// Context switches of every thread of `pid` so far (a sleeping thread that wakes adds one).
fn switches(pid: i32) -> u64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
    tasks
        .flatten()
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
    let window = Duration::from_secs(3);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let before = switches(d.pid());
        std::thread::sleep(window);
        let woke = switches(d.pid()) - before;
        if woke == 0 {
            break;
        }
        seen.push(woke);
        assert!(
            Instant::now() < deadline,
            "the daemon woke {seen:?} times in successive 3 s windows"
        );
    }
}
