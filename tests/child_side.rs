//! What a child sees of the daemon, checked from the child's side: its writes to a stream
//! logged as NONE succeed (at the default log level, where no pipe is made for it), and it
//! gets exactly fds 0, 1 and 2, whatever the daemon itself inherited.

mod common;

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;

use common::{spawned_pids, wait_for, Daemon, DEADLINE};

/// The main log level for these tests: Supervisor's default. At `debug` every stream is read
/// (its output goes into the main log), so the NONE fast path is only taken below it.
const DEFAULT_LEVEL: &[&str] = &["-e", "info"];

#[test]
fn a_child_writing_to_none_streams_runs_as_under_supervisor() {
    let d = Daemon::prepare(
        "[program:py]\ncommand=%(here)s/py-loop\nstartsecs=1\n\
         stdout_logfile=NONE\nstderr_logfile=NONE\n\n\
         [program:sh]\ncommand=sh -c 'echo out && echo err >&2 && echo done > %(here)s/sh-done'\n\
         startsecs=0\nautorestart=false\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n\
         [program:merged]\ncommand=sh -c 'echo out && echo err >&2 && echo done > %(here)s/merged-done'\n\
         startsecs=0\nautorestart=false\nredirect_stderr=true\nstdout_logfile=NONE\n",
    );
    // A Python service that prints on both streams, then says it got that far.
    let script = format!(
        "#!{}\nimport sys, time\nfor i in range(500):\n    print('line', i, flush=True)\n    \
         print('err', i, file=sys.stderr, flush=True)\nopen('{}', 'w').write('printed')\n\
         time.sleep(60)\n",
        common::http::python().display(),
        d.path("py-printed").display()
    );
    let py_loop = d.path("py-loop");
    std::fs::write(&py_loop, script).unwrap();
    std::fs::set_permissions(
        &py_loop,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let d = d.launch(DEFAULT_LEVEL);

    d.wait_log("exited: sh (exit status 0; expected)");
    d.wait_log("exited: merged (exit status 0; expected)");
    assert_eq!(d.wait_file("sh-done"), "done\n");
    d.wait_file("py-printed");
    let log = d.wait_log("success: py entered RUNNING state");
    assert!(!log.contains("exited: py"), "{log}");
    assert_eq!(spawned_pids(&log, "py").len(), 1, "{log}");
}

#[test]
fn a_child_gets_exactly_stdin_stdout_and_stderr() {
    let d = Daemon::prepare(
        "[program:logged]\ncommand=sleep 60\nstartsecs=0\n\n\
         [program:silent]\ncommand=sleep 60\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n\
         [eventlistener:listener]\ncommand=sleep 60\nstartsecs=0\nevents=TICK_60\n",
    );
    // The daemon starts with two stray fds open, not close-on-exec, as it would from a shell
    // or a parent that leaks them.
    let stray = std::fs::File::open("/dev/null").unwrap();
    let stray_fd = stray.as_raw_fd();
    let d = d.launch_with(DEFAULT_LEVEL, move |command| {
        // SAFETY: dup2 is async-signal-safe; it runs in the forked child before exec.
        unsafe {
            command.pre_exec(move || {
                for target in [10, 251] {
                    if libc::dup2(stray_fd, target) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
    });
    let daemon_fds = fds_of(d.pid());
    assert!(
        daemon_fds.contains(&10) && daemon_fds.contains(&251),
        "{daemon_fds:?}"
    );
    for name in ["logged", "silent", "listener"] {
        let log = d.wait_log(&format!("success: {name} entered RUNNING state"));
        let pid = spawned_pids(&log, name)[0];
        assert_eq!(settles_with_stdio_only(pid), [0, 1, 2], "fds of {name}");
    }
    // A NONE stream is /dev/null, open for writing.
    let log = d.log();
    let silent = spawned_pids(&log, "silent")[0];
    for fd in [1, 2] {
        let target = std::fs::read_link(format!("/proc/{silent}/fd/{fd}")).unwrap();
        assert_eq!(target.to_str(), Some("/dev/null"));
        let info = std::fs::read_to_string(format!("/proc/{silent}/fdinfo/{fd}")).unwrap();
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .map(|f| u32::from_str_radix(f.trim(), 8).unwrap())
            .unwrap();
        assert_eq!(
            flags & libc::O_ACCMODE as u32,
            libc::O_WRONLY as u32,
            "fd {fd}: {info}"
        );
    }
    drop(stray);
}

/// Children start from a thread with an fd table of its own (src/spawn/spawner.rs), which
/// holds none of the programs' pipes and log files, so a start does not copy and close them
/// all in the child: with 30 programs the daemon holds some 150 fds and that thread a handful.
#[test]
fn children_start_from_a_thread_that_holds_none_of_the_programs_fds() {
    let programs: String = (0..30)
        .map(|i| format!("[program:p{i}]\ncommand=sleep 60\nstartsecs=0\n\n"))
        .collect();
    let d = Daemon::start_with(&programs, DEFAULT_LEVEL);
    d.wait_log_count("success: p", 30);
    let daemon_fds = fds_of(d.pid());
    assert!(daemon_fds.len() > 150, "{daemon_fds:?}");
    let spawner = std::fs::read_dir(format!("/proc/{}/task", d.pid()))
        .unwrap()
        .flatten()
        .find(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|c| c.trim() == "spawner")
        })
        .expect("a thread named spawner");
    let spawner_fds: Vec<(i32, String)> = std::fs::read_dir(spawner.path().join("fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let target = std::fs::read_link(e.path()).ok()?;
            Some((
                e.file_name().to_str()?.parse().ok()?,
                target.display().to_string(),
            ))
        })
        .collect();
    // Its table was made at start-up, before any program had an fd: a few, whatever the
    // number of programs.
    assert!(spawner_fds.len() < 30, "{spawner_fds:?}");
    // Above stdio, all but its socket to the daemon are /dev/null in the place of what it
    // inherited: no program's pipe or log file, and no number a library's fd had is reused.
    let others: Vec<_> = spawner_fds
        .iter()
        .filter(|(fd, target)| *fd > 2 && target != "/dev/null")
        .collect();
    assert!(
        others.len() == 1 && others[0].1.starts_with("socket:"),
        "{spawner_fds:?}"
    );
    let main_log = std::fs::read_dir(format!("/proc/{}/fd", d.pid()))
        .unwrap()
        .flatten()
        .find(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == d.path("supervisord.log")))
        .and_then(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .expect("the main log's fd");
    assert!(
        spawner_fds.contains(&(main_log, "/dev/null".to_string())),
        "fd {main_log} (the main log in the daemon's table) in the spawner's: {spawner_fds:?}"
    );
}

/// Waits until `pid` runs `sleep` with exactly fds 0, 1 and 2; returns the fds it last had.
/// Before its exec a child's fds are not yet what it gets, and a starting `sleep` opens its
/// locale files for a moment; an inherited fd never goes away, so it fails the wait.
fn settles_with_stdio_only(pid: i32) -> Vec<i32> {
    let mut last = Vec::new();
    let settled = std::time::Instant::now() + DEADLINE;
    while std::time::Instant::now() < settled {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        last = fds_of(pid);
        if cmdline.starts_with(b"sleep\0") && last == [0, 1, 2] {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    last
}

/// The open fds of `pid`, from /proc, in order.
fn fds_of(pid: i32) -> Vec<i32> {
    wait_for(
        &format!("/proc/{pid}/fd"),
        DEADLINE,
        || {
            let mut fds: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
                .ok()?
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect();
            fds.sort_unstable();
            Some(fds)
        },
        String::new,
    )
}
