//! `essential=true`: when such a program ends for good, the daemon says why, stops the rest
//! in priority order and exits with the program's status (1 for FATAL), as a container's
//! PID 1 should. Without the key, nothing changes (process_states.rs and the suites).

mod common;

use common::py::{ctl, CTL_SECTIONS};
use common::{alive, spawned_pids, Daemon};

/// The position of `needle` in `log`, or a panic showing the log.
fn at(log: &str, needle: &str) -> usize {
    log.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the main log:\n{log}"))
}

#[test]
fn an_essential_program_that_exits_ends_the_daemon_with_its_status_after_stopping_the_rest() {
    let mut d = Daemon::start(
        "[program:low]\ncommand=sleep 1000\npriority=1\n\n\
         [program:high]\ncommand=sleep 1000\npriority=2\n\n\
         [program:job]\ncommand=sh -c 'sleep 1; exit 3'\nstartsecs=0\nautorestart=false\n\
         essential=true\npriority=3\n",
    );
    let status = d.wait_exit();
    let log = d.log();
    assert_eq!(status.code(), Some(3), "{log}");
    let why = at(
        &log,
        "essential program job exited and will not be restarted: shutting down with exit status 3",
    );
    // The rest stopped after that, highest priority first, and none is left running.
    let high = at(&log, "stopped: high");
    let low = at(&log, "stopped: low");
    assert!(why < high && high < low, "{log}");
    for name in ["low", "high"] {
        for pid in spawned_pids(&log, name) {
            assert!(!alive(pid), "{name} ({pid}) outlived the daemon");
        }
    }
}

#[test]
fn the_supervisord_default_makes_every_program_essential_unless_it_says_otherwise() {
    let mut d = Daemon::prepare_with(
        "essential=true\n",
        &format!(
            // The helper's FATAL comes first and changes nothing; the worker's ends the daemon.
            "[program:helper]\ncommand=/no/such/helper\nstartretries=0\nessential=false\n\n\
         [program:worker]\ncommand=sh -c 'exit 4'\nstartsecs=1\nstartretries=1\n\
         autostart=false\n\n\
         [program:keeper]\ncommand=sleep 1000\n\n{CTL_SECTIONS}"
        ),
    )
    .launch(&[]);
    d.wait_log("gave up: helper entered FATAL state");
    d.wait_log("success: keeper entered RUNNING state");
    assert!(d.child.as_mut().unwrap().try_wait().unwrap().is_none());
    assert!(!d.log().contains("essential program"), "{}", d.log());

    let start = ctl(&d, &["start", "worker"]);
    assert!(start.stdout.contains("worker: ERROR"), "{start:?}");
    let status = d.wait_exit();
    let log = d.log();
    assert_eq!(status.code(), Some(1), "{log}");
    at(
        &log,
        "essential program worker entered FATAL state: shutting down with exit status 1",
    );
    at(&log, "stopped: keeper");
}

#[test]
fn stopping_an_essential_program_by_hand_leaves_the_daemon_running() {
    let d = Daemon::start(&format!(
        "[program:web]\ncommand=sleep 1000\nessential=true\n\n{CTL_SECTIONS}"
    ));
    d.wait_log("success: web entered RUNNING state");
    let stop = ctl(&d, &["stop", "web"]);
    assert!(stop.stdout.contains("web: stopped"), "{stop:?}");
    assert!(ctl(&d, &["status"]).stdout.contains("STOPPED"));
    assert!(!d.log().contains("essential program"), "{}", d.log());
}
