//! The daemon under hostile and unlucky conditions: what a client or a child does never
//! loses data, hangs the daemon or grows it without bound.

mod common;

use common::py::rpc_script;
use common::{wait_for, Daemon, DEADLINE};

const UNIX: &str = "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n";

/// A connection to the daemon's unix socket that has sent one XML-RPC call `body`.
fn posted(d: &Daemon, body: &str) -> common::http::Conn {
    let mut conn = common::http::Conn::unix(&d.socket());
    conn.request(
        "POST",
        "/RPC2",
        "Content-Type: text/xml\r\n",
        Some(body.as_bytes()),
    );
    conn
}

/// `fault` is Fault FAILED (30) and its faultString says `text`.
fn assert_failed(fault: &serde_json::Value, text: &str) {
    assert_eq!(fault["faultCode"], 30, "{fault}");
    let string = fault["faultString"].as_str().unwrap_or_default();
    assert!(string.contains(text), "{fault}");
}

#[test]
fn send_process_stdin_delivers_every_byte_in_order_past_the_pipe_buffer() {
    let d = Daemon::start(&format!(
        "{UNIX}[program:cat]\ncommand=cat\nstartsecs=0\nstdout_logfile=%(here)s/cat.log\n\n\
         [program:deaf]\ncommand=sleep 600\nstartsecs=0\n"
    ));
    d.wait_log("success: cat entered RUNNING state");
    d.wait_log("success: deaf entered RUNNING state");
    // 100 000 numbered bytes at once, then more right behind them: well past the 64 KiB
    // that a pipe takes before the child reads.
    let out = rpc_script(
        &d,
        "data = ''.join('%07d\\n' % i for i in range(12500))\n\
         first = s.supervisor.sendProcessStdin('cat', data)\n\
         second = s.supervisor.sendProcessStdin('cat', 'the end\\n')\n\
         done([first, second, len(data)])",
    );
    assert_eq!(out, serde_json::json!([true, true, 100_000]));
    let expected: String =
        (0..12500).map(|i| format!("{i:07}\n")).collect::<String>() + "the end\n";
    let log = wait_for(
        "all of it in cat.log",
        DEADLINE,
        || {
            let text = std::fs::read_to_string(d.path("cat.log")).ok()?;
            (text.len() >= expected.len()).then_some(text)
        },
        || d.log(),
    );
    assert!(log == expected, "cat.log differs ({} bytes)", log.len());

    // A child that never reads: what it has not taken is bounded, with a clear fault.
    let out = rpc_script(
        &d,
        "mb = 'x' * (1 << 20)\n\
         done([call('supervisor.sendProcessStdin', 'deaf', mb) for _ in range(6)])",
    );
    let replies = out.as_array().unwrap();
    assert_eq!(replies[..4], [true, true, true, true], "{out}");
    assert_failed(&replies[4], "FAILED: deaf: ");
    assert_eq!(replies[5], replies[4], "{out}");
}

#[test]
fn sigusr1_leaves_the_daemon_and_its_children_running() {
    let d = Daemon::start_with(
        "[program:a]\ncommand=sleep 600\nstartsecs=0\n",
        &["-e", "blather"],
    );
    let log = d.wait_log("success: a entered RUNNING state");
    let child = common::spawned_pids(&log, "a")[0];
    d.signal(nix::sys::signal::Signal::SIGUSR1);
    // The line Supervisor writes (at blather) for a signal that means nothing to it; then
    // proof that the daemon still answers: it stops its child on SIGTERM.
    d.wait_log("received SIGUSR1 indicating nothing");
    assert!(common::alive(child));
    d.signal(nix::sys::signal::Signal::SIGTERM);
    d.wait_log("stopped: a (terminated by SIGTERM)");
}

/// `n` programs whose shell leaves a grandchild holding the output pipes, as an ordinary
/// `sh -c 'server & ...'` wrapper does.
fn wrappers(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[program:w{i}]\ncommand=sh -c 'sleep 600 & echo started; sleep 600'\n\
                 startsecs=0\nstopwaitsecs=5\n\n"
            )
        })
        .collect()
}

/// Kills what the wrappers left behind, on drop: each program's process group, named by the
/// main log at `log`.
struct Leftovers {
    log: std::path::PathBuf,
    programs: usize,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        let log = common::read(&self.log);
        for i in 0..self.programs {
            for pid in common::spawned_pids(&log, &format!("w{i}")) {
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }
}

#[test]
fn grandchildren_holding_the_pipes_delay_neither_exit_nor_restart() {
    const N: usize = 12;
    let mut d = Daemon::start(&wrappers(N));
    let _leftovers = Leftovers {
        log: d.path("supervisord.log"),
        programs: N,
    };
    for i in 0..N {
        d.wait_log(&format!("success: w{i} entered RUNNING state"));
    }
    // A restart: every program is stopped, then started again from the re-read config.
    d.signal(nix::sys::signal::Signal::SIGHUP);
    for i in 0..N {
        d.wait_log_count(&format!("success: w{i} entered RUNNING state"), 2);
    }
    // The exit. Each wrapper's stop used to wait up to 2 s per stream for its pipes' EOF,
    // one program after another: far past the deadline of wait_exit.
    d.signal(nix::sys::signal::Signal::SIGTERM);
    let status = d.wait_exit();
    let log = d.log();
    assert!(status.success(), "{log}");
    for i in 0..N {
        assert_eq!(
            log.matches(&format!("stopped: w{i} (terminated by SIGTERM)"))
                .count(),
            2,
            "{log}"
        );
    }
}

/// The daemon's peak resident memory so far, in bytes (VmHWM).
fn peak_rss(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
fn reply_memory_is_bounded_whatever_clients_ask() {
    let d = Daemon::start(&format!(
        "{UNIX}[program:big]\ncommand=sleep 600\nstartsecs=0\nstdout_logfile=%(here)s/big.log\n\
         stdout_logfile_maxbytes=0\n"
    ));
    d.wait_log("success: big entered RUNNING state");
    let line =
        "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz012345678\n";
    std::fs::write(
        d.path("big.log"),
        line.repeat(26 * 1024 * 1024 / line.len()),
    )
    .unwrap();

    // One small request asking for twenty reads of the whole 26 MB log.
    let out = rpc_script(
        &d,
        "calls = [{'methodName': 'supervisor.readProcessStdoutLog', 'params': ['big', 0, 0]}] * 20\n\
         replies = s.system.multicall(calls)\n\
         done([len(r) if isinstance(r, str) else r for r in replies])",
    );
    let replies = out.as_array().unwrap();
    assert_eq!(
        replies[0].as_u64(),
        Some((26 * 1024 * 1024 / line.len() * line.len()) as u64)
    );
    for fault in &replies[1..] {
        assert_failed(fault, "read less at a time");
    }

    // Thirty clients that ask for the whole log and never read the reply.
    let body = "<?xml version='1.0'?><methodCall><methodName>supervisor.readProcessStdoutLog\
                </methodName><params><param><value><string>big</string></value></param>\
                <param><value><int>0</int></value></param><param><value><int>0</int></value>\
                </param></params></methodCall>";
    let mut idle: Vec<common::http::Conn> = (0..30).map(|_| posted(&d, body)).collect();
    // Each reply has begun (its head is in), so its read is done and waits to be sent.
    for conn in &mut idle {
        assert_eq!(conn.head().status, 200);
    }
    // Meanwhile the daemon answers others, and refuses further big reads while those wait.
    let out = rpc_script(
        &d,
        "done([s.supervisor.getState()['statename'], call('supervisor.readProcessStdoutLog', 'big', 0, 0)])",
    );
    assert_eq!(out[0], "RUNNING");
    assert_failed(&out[1], "read less at a time");
    let peak = peak_rss(d.pid());
    assert!(peak < 512 * 1024 * 1024, "peak RSS {} MiB", peak >> 20);
    drop(idle);
}

/// A small tmpfs mounted at `path`, unmounted on drop.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(path: std::path::PathBuf) -> SmallDisk {
        std::fs::create_dir_all(&path).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=128k", "tmpfs"])
            .arg(&path)
            .status()
            .expect("run mount");
        assert!(status.success(), "mount a tmpfs (the test runs as root)");
        SmallDisk(path)
    }

    /// Fills what is left of it; returns the filler's path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.0.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        while file.write(&[0u8; 4096]).is_ok_and(|n| n > 0) {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn child_output_written_while_the_disk_is_full_arrives_once_it_has_room() {
    let d = Daemon::prepare(&format!(
        "[program:talker]\ncommand={} -u -c \"import time\n\
         \tfor i in range(300): print('line', i); time.sleep(0.01)\n\
         \topen('%(here)s/talked', 'w').close(); time.sleep(600)\"\n\
         startsecs=0\nautostart=false\nstdout_logfile=%(here)s/disk/talker.log\n\
         stdout_logfile_maxbytes=0\n\n{UNIX}",
        common::http::python().display()
    ));
    let disk = SmallDisk::mount(d.path("disk"));
    let filler = disk.fill();
    let d = d.launch(&[]);
    rpc_script(&d, "done(s.supervisor.startProcess('talker'))");
    d.wait_log("cannot write stdout log of talker");
    // All 300 lines are said while there is no room for them; then room comes back.
    wait_for(
        "the talker to finish",
        DEADLINE,
        || d.path("talked").exists().then_some(()),
        || d.log(),
    );
    std::fs::remove_file(filler).unwrap();
    d.wait_log("stdout log of talker is written again; no output was lost");
    let expected: String = (0..300).map(|i| format!("line {i}\n")).collect();
    assert_eq!(common::read(&d.path("disk/talker.log")), expected);
}

#[test]
fn idle_connections_never_take_the_fds_that_programs_and_the_control_socket_need() {
    let d = Daemon::prepare(&format!(
        "{UNIX}[program:a]\ncommand=sleep 600\nstartsecs=0\n\n\
         [program:late]\ncommand=sleep 600\nstartsecs=0\nautostart=false\n"
    ));
    // Run under a low fd limit, as a small container would.
    let d = d.launch_with(&["--minfds", "100"], |command| {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe; it runs in the forked child before exec.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 256,
                    rlim_max: 256,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    });
    d.wait_log("success: a entered RUNNING state");
    // Twice the limit in keep-alive connections, each used once and left open.
    let body = "<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName>\
                <params></params></methodCall>";
    let mut open = Vec::new();
    for _ in 0..512 {
        let mut conn = posted(&d, body);
        assert_eq!(conn.response().status, 200);
        open.push(conn);
    }
    let log = d.wait_log("unix_http_server has");
    assert!(log.contains("closed the one idle the longest"), "{log}");
    // The control socket still answers and programs still start.
    let out = rpc_script(&d, "done(s.supervisor.startProcess('late'))");
    assert_eq!(out, true);
    let log = d.wait_log("success: late entered RUNNING state");
    assert!(!log.contains("too many open files"), "{log}");
}

#[test]
fn a_multicall_of_a_hundred_thousand_calls_is_answered_as_python_answers_it() {
    let d = Daemon::start(UNIX);
    let out = rpc_script(
        &d,
        "calls = [{'methodName': 'supervisor.getAPIVersion', 'params': []}] * 100000\n\
         body = xmlrpc.client.dumps((calls,), 'system.multicall')\n\
         replies = s.system.multicall(calls)\n\
         done([len(body), len(replies), replies[0], replies[-1]])",
    );
    assert!(out[0].as_u64().unwrap() > 20_000_000, "{out}");
    assert_eq!(out[1], 100_000);
    assert_eq!(out[2], "3.0");
    assert_eq!(out[3], "3.0");
}
