//! Start dependencies (`depends_on`, an extension), on the real binary with real children:
//! the start order, the reverse stop order (shutdown, `stop all`), an explicit start that
//! pulls in its dependencies, a dependency that goes FATAL, config errors, and the
//! supervisord-dependent-startup plugin, which must keep working as under Supervisor.

mod common;

use std::process::Command;

use common::http::python;
use common::py::{ctl, rpc_script, CTL_SECTIONS};
use common::{bin, wait_for, Daemon, DEADLINE};

/// db <- api <- web, with priorities that alone would start them web, api, db; startsecs=1
/// so that each takes a second to become ready.
fn chain(autostart: bool) -> String {
    let program = |name: &str, priority: u32, depends_on: &str| {
        format!(
            "[program:{name}]\ncommand=sleep 100\npriority={priority}\nstartsecs=1\n\
             autostart={autostart}\n{depends_on}\n"
        )
    };
    format!(
        "{CTL_SECTIONS}{}{}{}",
        program("db", 3, ""),
        program("api", 2, "depends_on=db"),
        program("web", 1, "depends_on=api"),
    )
}

/// Where `needle` first appears in `log`; fails the test if it does not.
fn at(log: &str, needle: &str) -> usize {
    log.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the main log:\n{log}"))
}

/// Each needle appears in the log after the one before it.
fn assert_in_order(log: &str, needles: &[&str]) {
    for pair in needles.windows(2) {
        assert!(
            at(log, pair[0]) < at(log, pair[1]),
            "{:?} should come before {:?}:\n{log}",
            pair[0],
            pair[1]
        );
    }
}

/// The start order of [`chain`]: each spawn only once the one before it is ready.
const START_ORDER: &[&str] = &[
    "spawned: 'db'",
    "success: db entered RUNNING",
    "spawned: 'api'",
    "success: api entered RUNNING",
    "spawned: 'web'",
    "success: web entered RUNNING",
];

const STOP_ORDER: &[&str] = &["stopped: web", "stopped: api", "stopped: db"];

#[test]
fn a_chain_starts_after_its_dependencies_and_shuts_down_before_them() {
    let mut d = Daemon::start(&chain(true));
    let log = d.wait_log("success: web entered RUNNING");
    assert_in_order(&log, START_ORDER);
    d.signal(nix::sys::signal::Signal::SIGTERM);
    d.wait_exit();
    assert_in_order(&d.log(), STOP_ORDER);
}

#[test]
fn stop_all_stops_dependents_first() {
    let d = Daemon::start(&chain(true));
    d.wait_log("success: web entered RUNNING");
    let out = ctl(&d, &["stop", "all"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_in_order(&d.log(), STOP_ORDER);
}

#[test]
fn starting_a_program_starts_its_stopped_dependencies_first() {
    let d = Daemon::start(&chain(false));
    let out = ctl(&d, &["start", "web"]);
    assert_eq!(out.stdout, "web: started\n", "{out:?}\n{}", d.log());
    assert_in_order(&d.log(), START_ORDER);
}

#[test]
fn a_fatal_dependency_leaves_its_dependents_stopped_with_the_reason() {
    let d = Daemon::start(&format!(
        "{CTL_SECTIONS}[program:db]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=1\n\
         [program:api]\ncommand=sleep 100\nstartsecs=0\ndepends_on=db\n\
         [program:web]\ncommand=sleep 100\nstartsecs=0\ndepends_on=api\n"
    ));
    d.wait_log("gave up: db entered FATAL state");
    for name in ["api", "web"] {
        let info = wait_for(
            &format!("{name}'s spawnerr"),
            DEADLINE,
            || {
                let info = rpc_script(
                    &d,
                    &format!("done(call('supervisor.getProcessInfo', '{name}'))"),
                );
                (info["spawnerr"] != "").then_some(info)
            },
            || d.log(),
        );
        assert_eq!(info["statename"], "STOPPED", "{info}");
        assert_eq!(info["spawnerr"], "dependency db is FATAL", "{info}");
    }
    // A start tries db again, which fails again: SPAWN_ERROR, and still no spawn of web.
    let fault = rpc_script(&d, "done(fault('supervisor.startProcess', 'web'))");
    assert_eq!(fault, serde_json::json!([50, "SPAWN_ERROR: web"]));
    let log = d.log();
    assert_eq!(
        log.matches("gave up: db entered FATAL state").count(),
        2,
        "{log}"
    );
    assert!(
        !log.contains("spawned: 'api'") && !log.contains("spawned: 'web'"),
        "{log}"
    );
}

/// Runs our `supervisord -c` on `sections`; its exit status and stderr.
fn refused(sections: &str) -> (Option<i32>, String, String) {
    let d = Daemon::prepare(sections);
    let out = Command::new(bin()).arg("-c").arg(&d.conf).output().unwrap();
    let conf = d.conf.display().to_string();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        conf,
    )
}

#[test]
fn the_daemon_refuses_a_cycle_and_an_unknown_name() {
    let (code, stderr, conf) = refused(
        "[program:a]\ncommand=sleep 1\ndepends_on=b\n[program:b]\ncommand=sleep 1\ndepends_on=a\n",
    );
    assert_eq!(code, Some(2), "{stderr}");
    let expected = format!(
        "depends_on cycle: a -> b -> a (option 'depends_on') in section 'program:a' (file: '{conf}')"
    );
    assert!(stderr.contains(&expected), "{stderr}");

    let (code, stderr, conf) = refused(
        "[program:a]\ncommand=sleep 1\ndepends_on=db, nope\n[program:db]\ncommand=sleep 1\n",
    );
    assert_eq!(code, Some(2), "{stderr}");
    let expected = format!(
        "depends_on names no program, process or group: 'nope' (option 'depends_on') in section \
         'program:a' (file: '{conf}')"
    );
    assert!(stderr.contains(&expected), "{stderr}");
}

/// supervisord-dependent-startup's own README set-up: its listener starts the programs with
/// `dependent_startup=true` (and `autostart=false`) once what they wait for is RUNNING. Our
/// native dependencies, used by other programs of the same config, leave it alone.
#[test]
fn the_dependent_startup_plugin_works_as_under_supervisor() {
    let python = python();
    let d = Daemon::start(&format!(
        "{CTL_SECTIONS}[eventlistener:dependentstartup]\n\
         command={} -m supervisord_dependent_startup -c %(here)s/supervisord.conf\n\
         autostart=true\nevents=PROCESS_STATE\n\
         [program:db]\ncommand=sleep 100\nstartsecs=1\nautostart=false\ndependent_startup=true\n\
         [program:api]\ncommand=sleep 100\nstartsecs=1\nautostart=false\ndependent_startup=true\n\
         dependent_startup_wait_for=db:running\n\
         [program:queue]\ncommand=sleep 100\nstartsecs=1\n\
         [program:worker]\ncommand=sleep 100\nstartsecs=0\ndepends_on=queue\n",
        python.display()
    ));
    let log = d.wait_log("success: api entered RUNNING");
    assert_in_order(&log, &["success: db entered RUNNING", "spawned: 'api'"]);
    let log = d.wait_log("success: worker entered RUNNING");
    assert_in_order(
        &log,
        &["success: queue entered RUNNING", "spawned: 'worker'"],
    );
    assert_eq!(log.matches("spawned: 'db'").count(), 1, "{log}");
    assert_eq!(log.matches("spawned: 'api'").count(), 1, "{log}");
}
