//! The process state machine with real children: autorestart against exit codes, backoff into
//! FATAL, stop escalation to SIGKILL, stopasgroup, numprocs names, priority order, spawn errors.

mod common;

use common::{alive, spawned_pids, wait_for, Daemon, DEADLINE};
use nix::sys::signal::Signal;

/// (autorestart, exitcodes, exit code, restarts?) — Supervisor's rule: true always restarts,
/// false never, unexpected only when the code is not in exitcodes.
const AUTORESTART_TABLE: &[(&str, &str, i32, bool)] = &[
    ("false", "0", 0, false),
    ("false", "0", 3, false),
    ("unexpected", "0", 0, false),
    ("unexpected", "0", 3, true),
    ("unexpected", "0,3", 3, false),
    ("unexpected", "1,2", 0, true),
    ("true", "0", 0, true),
    ("true", "0", 3, true),
];

#[test]
fn autorestart_follows_the_exit_code_table() {
    let mut sections = String::new();
    for (i, (autorestart, exitcodes, code, _)) in AUTORESTART_TABLE.iter().enumerate() {
        sections += &format!(
            "[program:p{i}]\ncommand=sh -c 'sleep 0.2; exit {code}'\nstartsecs=0\n\
             autorestart={autorestart}\nexitcodes={exitcodes}\n\n"
        );
    }
    let d = Daemon::start(&sections);
    // Every restarting entry spawns at least 3 times; by then each non-restarting entry has
    // long exited (they all started together and run 0.2 s).
    for (i, (_, _, _, restarts)) in AUTORESTART_TABLE.iter().enumerate() {
        if *restarts {
            d.wait_log_count(&format!("spawned: 'p{i}'"), 3);
        }
    }
    let log = d.log();
    for (i, (autorestart, exitcodes, code, restarts)) in AUTORESTART_TABLE.iter().enumerate() {
        let expected = exitcodes.split(',').any(|c| c == code.to_string());
        let exit_line = format!(
            "exited: p{i} (exit status {code}; {})",
            if expected { "expected" } else { "not expected" }
        );
        assert!(log.contains(&exit_line), "missing {exit_line:?}\n{log}");
        let spawns = spawned_pids(&log, &format!("p{i}")).len();
        assert_eq!(
            spawns > 1,
            *restarts,
            "autorestart={autorestart} exitcodes={exitcodes} exit {code}: spawned {spawns} times\n{log}"
        );
    }
}

#[test]
fn backoff_ends_in_fatal_with_supervisor_log_lines() {
    let d = Daemon::start("[program:flaky]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=2\n");
    let log = d.wait_log("gave up: flaky entered FATAL state, too many start retries too quickly");
    // startretries=2: the first try and two retries, with 1 s and 2 s of backoff between.
    assert_eq!(spawned_pids(&log, "flaky").len(), 3, "{log}");
    assert_eq!(
        log.matches("exited: flaky (exit status 1; not expected)")
            .count(),
        3,
        "{log}"
    );
    assert!(!log.contains("success: flaky"), "{log}");
}

#[test]
fn startsecs_zero_is_running_at_once_and_reports_success() {
    let d = Daemon::start("[program:quick]\ncommand=sleep 30\nstartsecs=0\n");
    d.wait_log("success: quick entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)");
}

#[test]
fn stop_escalates_to_sigkill_after_stopwaitsecs() {
    let mut d = Daemon::start(
        "[program:stubborn]\ncommand=sh -c 'trap \"\" TERM; echo ready > %(here)s/ready; while :; do sleep 0.05; done'\n\
         startsecs=0\nstopwaitsecs=1\n",
    );
    d.wait_file("ready");
    let pid = spawned_pids(&d.log(), "stubborn")[0];
    d.signal(Signal::SIGTERM);
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    let log = d.log();
    assert!(
        log.contains(&format!("WARN killing 'stubborn' ({pid}) with SIGKILL")),
        "{log}"
    );
    assert!(
        log.contains("stopped: stubborn (terminated by SIGKILL)"),
        "{log}"
    );
    assert!(!alive(pid));
}

#[test]
fn stopasgroup_reaches_the_grandchild() {
    let mut d = Daemon::start(
        "[program:family]\ncommand=sh -c 'sleep 1000 & echo $! > %(here)s/grandchild; wait'\n\
         startsecs=0\nstopasgroup=true\n\n\
         [program:loner]\ncommand=sh -c 'sleep 1000 & echo $! > %(here)s/orphan; wait'\nstartsecs=0\n",
    );
    let grandchild: i32 = d.wait_file("grandchild").trim().parse().unwrap();
    let orphan: i32 = d.wait_file("orphan").trim().parse().unwrap();
    d.signal(Signal::SIGTERM);
    assert!(d.wait_exit().success());
    wait_for(
        "the grandchild to die",
        DEADLINE,
        || (!alive(grandchild)).then_some(()),
        || d.log(),
    );
    // Without stopasgroup the sleep survives its parent, as with Supervisor.
    assert!(
        alive(orphan),
        "the grandchild of a program without stopasgroup was killed"
    );
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(orphan), Signal::SIGKILL);
}

#[test]
fn numprocs_names_each_process() {
    let d = Daemon::start(
        "[program:worker]\ncommand=sh -c 'echo $SUPERVISOR_PROCESS_NAME $SUPERVISOR_GROUP_NAME $SUPERVISOR_ENABLED > %(here)s/%(process_num)02d.name; exec sleep 30'\n\
         numprocs=3\nnumprocs_start=1\nprocess_name=%(program_name)s_%(process_num)02d\nstartsecs=0\n",
    );
    for n in 1..=3 {
        let text = d.wait_file(&format!("{n:02}.name"));
        assert_eq!(text.trim(), format!("worker_{n:02} worker 1"));
    }
    // A child can write its file before the daemon has logged its spawn.
    let log = d.wait_log_count("spawned: 'worker_", 3);
    for n in 1..=3 {
        assert_eq!(
            spawned_pids(&log, &format!("worker_{n:02}")).len(),
            1,
            "{log}"
        );
    }
}

#[test]
fn start_order_follows_priority() {
    // Declared out of order; each child records its own pid. Pids are handed out in fork
    // order, which is what priority promises (exec times may interleave on a busy machine).
    let d = Daemon::start(
        "[program:third]\ncommand=sh -c 'echo $$ > %(here)s/third; exec sleep 30'\npriority=300\nstartsecs=0\n\n\
         [program:first]\ncommand=sh -c 'echo $$ > %(here)s/first; exec sleep 30'\npriority=100\nstartsecs=0\n\n\
         [program:second]\ncommand=sh -c 'echo $$ > %(here)s/second; exec sleep 30'\npriority=200\nstartsecs=0\n",
    );
    let pid = |name: &str| -> i32 { d.wait_file(name).trim().parse().unwrap() };
    let (first, second, third) = (pid("first"), pid("second"), pid("third"));
    assert!(
        first < second && second < third,
        "fork order {first} {second} {third}"
    );
}

#[test]
fn spawn_errors_are_recorded_and_logged() {
    let d = Daemon::start(
        "[program:missing]\ncommand=/no/such/program\nstartretries=0\n\n\
         [program:noexec]\ncommand=%(here)s/supervisord.conf\nstartretries=0\n\n\
         [program:baddir]\ncommand=sleep 1\ndirectory=/no/such/dir\nstartretries=0\n",
    );
    d.wait_log("spawnerr: can't find command '/no/such/program'");
    let conf = d.conf.display().to_string();
    d.wait_log(&format!("spawnerr: command at '{conf}' is not executable"));
    d.wait_log("spawnerr: couldn't chdir to /no/such/dir: ENOENT");
    for name in ["missing", "noexec", "baddir"] {
        d.wait_log(&format!(
            "gave up: {name} entered FATAL state, too many start retries too quickly"
        ));
    }
}

#[test]
fn command_is_found_on_path_and_environment_is_passed() {
    let d = Daemon::start(
        "[program:envy]\ncommand=sh -c 'echo \"$FOO|$BAR|$SUPERVISOR_PROCESS_NAME\" > %(here)s/env; exec sleep 30'\n\
         environment=FOO=\"a b,c\",BAR=2\nstartsecs=0\n",
    );
    assert_eq!(d.wait_file("env").trim(), "a b,c|2|envy");
}

#[test]
fn directory_and_umask_apply_to_the_child() {
    let d = Daemon::start(
        "[program:here]\ncommand=sh -c 'pwd > %(here)s/pwd; umask > %(here)s/umask; exec sleep 30'\n\
         directory=/tmp\numask=027\nstartsecs=0\n",
    );
    assert_eq!(d.wait_file("pwd").trim(), "/tmp");
    assert_eq!(d.wait_file("umask").trim(), "0027");
}
