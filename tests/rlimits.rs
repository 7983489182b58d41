//! `rlimit_*` (ours) seen from inside the child through /proc/PID/limits: `N`, `soft:hard`,
//! `unlimited` and byte sizes; soft limits raised above the daemon's, up to its hard ones,
//! for a child of root and for one that runs as another user; and a limit the kernel refuses,
//! which the child reports on its stderr before exiting 127. scripts/test.sh also runs this
//! file on the portable spawn path.

mod common;

use std::os::unix::process::CommandExt;

use common::{spawned_pids, wait_for, Daemon, DEADLINE};

/// The daemon's own open-files limit in these tests, so that children raise theirs.
const DAEMON_NOFILE: libc::rlimit = libc::rlimit {
    rlim_cur: 1024,
    rlim_max: 4096,
};

/// `(soft, hard)` of the row `label` of /proc/`pid`/limits, once `pid` runs `sleep`.
fn limit_of(pid: i32, label: &str) -> (String, String) {
    wait_for(
        &format!("pid {pid} to exec sleep"),
        DEADLINE,
        || {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            cmdline.starts_with(b"sleep\0").then_some(())
        },
        String::new,
    );
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let row = limits
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} in {limits}"));
    let mut words = row.split_whitespace();
    let soft = words.next().unwrap().to_string();
    let hard = words.next().unwrap().to_string();
    (soft, hard)
}

fn pair(soft: &str, hard: &str) -> (String, String) {
    (soft.to_string(), hard.to_string())
}

#[test]
fn children_of_root_and_of_another_user_start_with_their_limits() {
    let d = Daemon::prepare(
        "[program:limited]\ncommand=sleep 600\nstartsecs=0\n\
         rlimit_nofile=2048\nrlimit_core=unlimited\nrlimit_stack=16MB:unlimited\n\
         rlimit_nproc=300:400\nrlimit_cpu=3600:infinity\n\n\
         [program:nobody]\ncommand=sleep 600\nstartsecs=0\nuser=nobody\n\
         rlimit_nofile=3000:4096\nrlimit_core=unlimited\nrlimit_fsize=1GB\n",
    );
    let d = d.launch_with(&[], |command| {
        // SAFETY: setrlimit is async-signal-safe; it runs in the forked child before exec.
        unsafe {
            command.pre_exec(
                || match libc::setrlimit(libc::RLIMIT_NOFILE, &DAEMON_NOFILE) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                },
            );
        }
    });
    let log = d.wait_log("success: limited entered RUNNING state");
    let limited = spawned_pids(&log, "limited")[0];
    assert_eq!(limit_of(limited, "Max open files"), pair("2048", "2048"));
    assert_eq!(
        limit_of(limited, "Max core file size"),
        pair("unlimited", "unlimited")
    );
    assert_eq!(
        limit_of(limited, "Max stack size"),
        pair("16777216", "unlimited")
    );
    assert_eq!(limit_of(limited, "Max processes"), pair("300", "400"));
    assert_eq!(limit_of(limited, "Max cpu time"), pair("3600", "unlimited"));

    let log = d.wait_log("success: nobody entered RUNNING state");
    let nobody = spawned_pids(&log, "nobody")[0];
    assert_eq!(limit_of(nobody, "Max open files"), pair("3000", "4096"));
    assert_eq!(
        limit_of(nobody, "Max core file size"),
        pair("unlimited", "unlimited")
    );
    assert_eq!(
        limit_of(nobody, "Max file size"),
        pair("1073741824", "1073741824")
    );
    let status = std::fs::read_to_string(format!("/proc/{nobody}/status")).unwrap();
    assert!(status.contains("\nUid:\t65534\t"), "{status}");
    // The daemon kept its own limit.
    assert_eq!(limit_of_daemon(&d), pair("1024", "4096"));
}

fn limit_of_daemon(d: &Daemon) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", d.pid())).unwrap();
    let row = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .unwrap();
    let words: Vec<&str> = row.split_whitespace().collect();
    pair(words[0], words[1])
}

#[test]
fn a_limit_the_kernel_refuses_is_reported_by_the_child() {
    // Above fs.nr_open (1048576 unless raised), so even root gets EPERM.
    let d = Daemon::start(
        "[program:refused]\ncommand=sleep 600\nstartsecs=1\nstartretries=0\n\
         rlimit_nofile=2000000000\nstderr_logfile=%(here)s/refused.err\n",
    );
    let log = d.wait_log("gave up: refused entered FATAL state");
    assert!(
        log.contains("exited: refused (exit status 127; not expected)"),
        "{log}"
    );
    let stderr = d.wait_file("refused.err");
    assert_eq!(
        stderr,
        "supervisor: couldn't set rlimit nofile: EPERM\n\
         supervisor: child process was not spawned\n"
    );
}
