//! The daemon as a whole: signals (TERM, HUP, USR2), pidfile, daemonizing, reaping (no zombie
//! ever stays), user=, the main log's format, and start-up errors.

mod common;

use std::process::Command;

use common::{alive, bin, children_of, spawned_pids, wait_for, Daemon, DEADLINE};
use nix::sys::signal::Signal;

#[test]
fn sigterm_stops_every_child_and_exits_zero() {
    let mut d = Daemon::start(
        "[program:a]\ncommand=sleep 1000\nstartsecs=0\npriority=1\n\n\
         [program:b]\ncommand=sleep 1000\nstartsecs=0\npriority=2\n\n\
         [program:deaf]\ncommand=sh -c 'trap \"\" TERM; while :; do sleep 0.05; done'\nstartsecs=0\nstopwaitsecs=1\n",
    );
    for name in ["a", "b", "deaf"] {
        d.wait_log(&format!("success: {name} entered RUNNING state"));
    }
    let log = d.log();
    let pids: Vec<i32> = ["a", "b", "deaf"]
        .iter()
        .map(|n| spawned_pids(&log, n)[0])
        .collect();
    assert!(d.path("supervisord.pid").exists());
    d.signal(Signal::SIGTERM);
    assert!(d.wait_exit().success());
    let log = d.log();
    assert!(
        log.contains("WARN received SIGTERM indicating exit request"),
        "{log}"
    );
    for pid in pids {
        assert!(!alive(pid), "child {pid} outlived the daemon\n{log}");
    }
    // Reverse priority order: b (2) stops before a (1).
    let pos = |needle: &str| {
        log.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing\n{log}"))
    };
    assert!(
        pos("stopped: b (terminated by SIGTERM)") < pos("stopped: a (terminated by SIGTERM)"),
        "{log}"
    );
    assert!(!d.path("supervisord.pid").exists(), "pidfile left behind");
}

#[test]
fn sighup_restarts_with_the_reread_config() {
    let d = Daemon::start("[program:old]\ncommand=sleep 1000\nstartsecs=0\n");
    d.wait_log("success: old entered RUNNING state");
    let conf = std::fs::read_to_string(&d.conf).unwrap();
    std::fs::write(
        &d.conf,
        format!("{conf}\n[program:new]\ncommand=sleep 1000\nstartsecs=0\n"),
    )
    .unwrap();
    d.signal(Signal::SIGHUP);
    d.wait_log("success: new entered RUNNING state");
    let log = d.wait_log_count("success: old entered RUNNING state", 2);
    assert!(
        log.contains("WARN received SIGHUP indicating restart request"),
        "{log}"
    );
    assert!(
        log.contains("stopped: old (terminated by SIGTERM)"),
        "{log}"
    );
    assert_eq!(d.children().len(), 2, "{log}");
}

#[test]
fn sighup_with_a_broken_config_keeps_running() {
    let d = Daemon::start("[program:keep]\ncommand=sleep 1000\nstartsecs=0\n");
    d.wait_log("success: keep entered RUNNING state");
    std::fs::write(
        &d.conf,
        "[supervisord]\nlogfile=%(here)s/supervisord.log\n[program:x]\n",
    )
    .unwrap();
    d.signal(Signal::SIGHUP);
    let log = d.wait_log("restart refused, the config does not load");
    assert!(!log.contains("stopped: keep"), "{log}");
    assert_eq!(d.children().len(), 1);
}

#[test]
fn sigusr2_reopens_logs_after_rotation_by_rename() {
    let d = Daemon::start(
        "[program:talker]\ncommand=sh -c 'while :; do echo tick; sleep 0.05; done'\nstartsecs=0\n\
         stdout_logfile=%(here)s/talker.log\n",
    );
    d.wait_file("talker.log");
    std::fs::rename(d.path("talker.log"), d.path("talker.log.old")).unwrap();
    std::fs::rename(d.path("supervisord.log"), d.path("supervisord.log.old")).unwrap();
    d.signal(Signal::SIGUSR2);
    // Both files are created anew and written to; as with Supervisor, the lines about the
    // signal are the last ones in the old main log.
    assert!(d.wait_file("talker.log").contains("tick"));
    let old = common::read(&d.path("supervisord.log.old"));
    assert!(
        old.contains("INFO received SIGUSR2 indicating log reopen request"),
        "{old}"
    );
    assert!(old.contains("INFO supervisord logreopen"), "{old}");
    d.wait_log("'talker' stdout output");
}

#[test]
fn no_zombie_after_a_thousand_short_lived_children_and_an_orphan() {
    let d = Daemon::start(
        "[program:blink]\ncommand=true\nstartsecs=0\nautorestart=true\n\n\
         [program:parent]\ncommand=sh -c 'sh -c \"sleep 0.3; echo done > %(here)s/orphan-done\" & exit 0'\n\
         startsecs=0\nautorestart=false\n",
    );
    d.wait_log_count("spawned: 'blink'", 1000);
    d.wait_file("orphan-done");
    // The orphan re-parented to the daemon (a child subreaper) and was reaped.
    d.wait_log("reaped unknown pid");
    wait_for(
        "no zombie children",
        DEADLINE,
        || (!children_of(d.pid()).iter().any(|(_, state)| *state == 'Z')).then_some(()),
        || format!("{:?}", children_of(d.pid())),
    );
}

#[test]
fn user_drops_to_nobody_without_supplementary_groups() {
    let d = Daemon::start(
        "[program:dropped]\ncommand=sh -c 'id -u; id -g; grep ^Groups: /proc/self/status; exec sleep 30'\n\
         user=nobody\nstartsecs=0\nstdout_logfile=%(here)s/dropped.log\nstartretries=0\n",
    );
    if nix::unistd::Uid::current().is_root() {
        let nobody = nix::unistd::User::from_name("nobody")
            .unwrap()
            .expect("user nobody");
        let out = wait_for(
            "the child's identity",
            DEADLINE,
            || {
                std::fs::read_to_string(d.path("dropped.log"))
                    .ok()
                    .filter(|s| s.contains("Groups:"))
            },
            || d.log(),
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], nobody.uid.to_string());
        assert_eq!(lines[1], nobody.gid.to_string());
        // Only nobody's own groups: root's group 0 is gone.
        let groups: Vec<&str> = lines[2]
            .trim_start_matches("Groups:")
            .split_whitespace()
            .collect();
        assert!(!groups.contains(&"0"), "{out}");
        assert!(groups.iter().all(|g| *g == nobody.gid.to_string()), "{out}");
    } else {
        d.wait_log("couldn't setuid to");
        d.wait_log("Can't drop privilege as nonroot user");
    }
}

#[test]
fn children_start_with_no_signal_blocked_and_sigpipe_default() {
    // The daemon blocks every signal around starting a child (which shares its memory until
    // exec) and ignores SIGPIPE: neither may reach the program.
    let d = Daemon::start(
        // grep itself reports (a shell would clear its mask first).
        "[program:sigs]\ncommand=grep -E \"^Sig(Blk|Ign)\" /proc/self/status\n\
         startsecs=0\nautorestart=false\nstdout_logfile=%(here)s/sigs.log\n",
    );
    let out = wait_for(
        "the child's signal state",
        DEADLINE,
        || {
            std::fs::read_to_string(d.path("sigs.log"))
                .ok()
                .filter(|s| s.contains("SigIgn"))
        },
        || d.log(),
    );
    let mask = |name: &str| {
        let line = out.lines().find(|l| l.starts_with(name)).expect(name);
        u64::from_str_radix(line.split_whitespace().nth(1).expect("mask"), 16).expect("hex")
    };
    assert_eq!(mask("SigBlk:"), 0, "{out}");
    assert_eq!(mask("SigIgn:") & (1 << (libc::SIGPIPE - 1)), 0, "{out}");
}

#[test]
fn exits_are_reaped_with_their_status_when_started_with_sigchld_ignored_or_blocked() {
    // A parent (a shell's `trap '' CHLD`, a wrapper) can hand us SIGCHLD ignored, which makes
    // the kernel reap children itself and lose their statuses, or blocked. The daemon takes
    // the signal over either way.
    let d = Daemon::prepare(
        "[program:quitter]\ncommand=sh -c 'exit 3'\nstartsecs=0\nautorestart=false\n",
    );
    let d = d.launch_with(&[], |command| {
        use std::os::unix::process::CommandExt;
        // SAFETY: signal (a sigaction in glibc) and sigprocmask are async-signal-safe; they
        // run in the forked child before exec, on local values.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGCHLD, libc::SIG_IGN);
                let mut chld: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut chld);
                libc::sigaddset(&mut chld, libc::SIGCHLD);
                libc::sigprocmask(libc::SIG_BLOCK, &chld, std::ptr::null_mut());
                Ok(())
            });
        }
    });
    d.wait_log("exited: quitter (exit status 3; not expected)");
}

#[test]
fn children_started_back_to_back_each_get_their_own_command_env_and_group() {
    // The daemon does not wait for one child's exec before starting the next, and each child
    // reads its command line, environment and directory from the daemon's memory until then:
    // a copy freed or reused too soon would show here as a wrong or missing line.
    let n = 200;
    let d = Daemon::start(&format!(
        "[program:p]\nnumprocs={n}\nprocess_name=p%(process_num)d\nstartsecs=0\n\
         autorestart=false\ndirectory=/tmp\nenvironment=N=\"n%(process_num)d\"\n\
         command=sh -c 'echo \"%(process_num)d $N $SUPERVISOR_PROCESS_NAME $(pwd) $$ \
         $(cut -d\" \" -f5 /proc/$$/stat)\" > %(here)s/out.%(process_num)d'\n"
    ));
    for i in 0..n {
        // One echo, so one write: a file that is not empty holds the whole line.
        let line = d.wait_file(&format!("out.{i}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            words[..4],
            [&i.to_string(), &format!("n{i}"), &format!("p{i}"), "/tmp"],
            "{line}"
        );
        // Its own process group, as Supervisor's setpgrp() makes it.
        assert_eq!(words[4], words[5], "pid and process group: {line}");
    }
}

#[test]
fn main_log_lines_have_supervisor_format() {
    let d = Daemon::start("[program:fmt]\ncommand=sleep 30\nstartsecs=0\n");
    let log = d.wait_log("success: fmt entered RUNNING state");
    for line in log.lines() {
        let (stamp, rest) = line.split_at(23);
        assert!(
            stamp.as_bytes()[4] == b'-'
                && stamp.as_bytes()[10] == b' '
                && stamp.as_bytes()[19] == b',',
            "bad timestamp in {line:?}"
        );
        let level = &rest[1..5];
        assert!(
            ["CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"].contains(&level),
            "{line:?}"
        );
    }
    assert!(
        log.contains(&format!("INFO supervisord started with pid {}", d.pid())),
        "{log}"
    );
    let pid = spawned_pids(&log, "fmt")[0];
    assert!(
        log.contains(&format!("INFO spawned: 'fmt' with pid {pid}")),
        "{log}"
    );
}

#[test]
fn daemonizes_writes_pidfile_and_removes_it_on_exit() {
    let d = Daemon::prepare("[program:bg]\ncommand=sleep 1000\nstartsecs=0\n");
    let status = Command::new(bin()).arg("-c").arg(&d.conf).status().unwrap();
    assert!(status.success());
    let pidfile = d.path("supervisord.pid");
    let pid: i32 = wait_for(
        "the pidfile",
        DEADLINE,
        || {
            std::fs::read_to_string(&pidfile)
                .ok()
                .and_then(|s| s.trim().parse().ok())
        },
        || d.log(),
    );
    assert!(alive(pid));
    d.wait_log("success: bg entered RUNNING state");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGTERM).unwrap();
    wait_for(
        "the daemon to exit",
        DEADLINE,
        || (!alive(pid)).then_some(()),
        || d.log(),
    );
    assert!(!pidfile.exists());
}

#[test]
fn invalid_config_is_a_one_line_error_and_exit_2() {
    let d = Daemon::prepare("[program:bad]\ncommand=sleep 1\nautostart=maybe\n");
    let out = Command::new(bin())
        .arg("-n")
        .arg("-c")
        .arg(&d.conf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("Error: "), "{stderr}");
    assert!(
        first.contains("'maybe'") && first.contains("program:bad"),
        "{stderr}"
    );
    assert!(first.contains(&d.conf.display().to_string()), "{stderr}");
}

#[test]
fn echo_conf_prints_a_sample_that_loads() {
    let out = Command::new(bin()).arg("echo-conf").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "[unix_http_server]",
        "[supervisord]",
        "[supervisorctl]",
        "[rpcinterface:supervisor]",
    ] {
        assert!(text.contains(section), "{section} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.conf");
    std::fs::write(&path, &text).unwrap();
    supervisord::config::load(&path, &Default::default()).expect("sample loads");
}

#[test]
fn help_with_dash_question_mark_and_python_long_option_spellings() {
    let help = |flag: &str| Command::new(bin()).arg(flag).output().unwrap();
    let h = help("-h");
    assert!(h.status.success());
    let text = String::from_utf8(h.stdout.clone()).unwrap();
    assert!(
        text.starts_with("supervisord -- run a set of applications"),
        "{text}"
    );
    assert!(
        text.contains("-l/--logfile FILENAME -- use FILENAME as"),
        "{text}"
    );
    let q = help("-?");
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    assert_eq!(q.stdout, h.stdout);

    // Python's getopt names (underscores) and unique prefixes, as a systemd unit may use them.
    let d = Daemon::prepare("");
    let pidfile = d.path("other.pid");
    let d = d.launch(&[
        "--logfile_maxbytes=1MB",
        "--logfile_backups=2",
        "--strip_ansi",
        "--pidf",
        pidfile.to_str().unwrap(),
    ]);
    let written = wait_for(
        "the pidfile at --pidfile's path",
        DEADLINE,
        || Some(common::read(&pidfile)).filter(|s| !s.is_empty()),
        || d.log(),
    );
    assert_eq!(written.trim(), d.pid().to_string());
    let mut d = d;
    d.signal(Signal::SIGTERM);
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}\n{}", d.log());
}

#[test]
fn a_child_exit_is_logged_at_debug_as_supervisor_logs_its_sigchld() {
    let d = Daemon::start("[program:once]\ncommand=true\nstartsecs=0\nautorestart=false\n");
    d.wait_log("exited: once (exit status 0; expected)");
    d.wait_log("DEBG received SIGCHLD indicating a child quit");
}

#[test]
fn sigterm_as_soon_as_it_says_it_started_is_an_orderly_exit() {
    // A service manager may stop the daemon the moment it has written its pidfile.
    for _ in 0..5 {
        let mut d = Daemon::start("[program:a]\ncommand=sleep 600\nstartsecs=0\n");
        d.signal(Signal::SIGTERM);
        let status = d.wait_exit();
        let log = d.log();
        assert!(status.success(), "{status:?}\n{log}");
        for pid in spawned_pids(&log, "a") {
            assert!(!alive(pid), "child {pid} outlived the daemon\n{log}");
        }
    }
}
