//! Differential tests for our supervisorctl (issue #7): the stock Python supervisorctl 4.3
//! and ours run the same command lines against the same daemon state, and their stdout,
//! stderr and exit codes must be identical once pids, uptimes, the program name and the
//! Python traceback location are normalised.
//!
//! State-changing commands run as sequences that leave the daemon as they found it: the
//! Python client runs the whole sequence, then ours runs it again. A few runs target
//! Python's own supervisord, since the API (not our daemon) is the contract. Needs the
//! Python venv (scripts/setup-test-deps.sh or $SUPERVISOR_PY_VENV); fails without it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{wait_for, Daemon, DEADLINE};

/// What one client run printed and returned.
#[derive(Debug, PartialEq)]
struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn python_ctl() -> PathBuf {
    common::http::python().with_file_name("supervisorctl")
}

fn python_supervisord() -> PathBuf {
    common::http::python().with_file_name("supervisord")
}

fn our_ctl() -> &'static str {
    env!("CARGO_BIN_EXE_supervisorctl")
}

/// Replaces what legitimately differs between two runs or two implementations.
fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let mut l = body.to_string();
        // `pid 123, uptime 0:00:02` in status descriptions (the line's last field).
        if let Some(i) = l.find("pid ") {
            let digits = l[i + 4..].chars().take_while(char::is_ascii_digit).count();
            if digits > 0 && l[i + 4 + digits..].starts_with(", uptime ") {
                l.replace_range(i.., "pid N, uptime U");
            }
        }
        // The stop time of a stopped process (`Nov 22 03:07 AM`), shown to the minute.
        if l.len() > 15 && (l.ends_with(" AM") || l.ends_with(" PM")) {
            let at = l.len() - 15;
            if l.is_char_boundary(at)
                && l.as_bytes()[at + 6] == b' '
                && l.as_bytes()[at + 12] == b' '
            {
                l.replace_range(at.., "DATE");
            }
        }
        // Lines that are a bare pid (`pid`, `pid all`).
        if !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()) && l != "0" {
            l = "N".into();
        }
        // Python names the file and line where an exception arose.
        if let Some(i) = l.find(": file: ") {
            if l.starts_with("error: <class ") {
                l.truncate(i);
                l.push_str(": file: F line: L");
            }
        }
        l = l
            .replace(&python_ctl().display().to_string(), "PROG")
            .replace(our_ctl(), "PROG");
        out.push_str(&l);
        out.push_str(nl);
    }
    out
}

fn run(program: &Path, cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    Run {
        stdout: normalise(&String::from_utf8_lossy(&out.stdout)),
        stderr: normalise(&String::from_utf8_lossy(&out.stderr)),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Runs `sequence` (each item one argv) with the Python client, then with ours, and
/// asserts every pair identical.
fn same(cwd: &Path, sequence: &[&[&str]]) {
    let py: Vec<Run> = sequence
        .iter()
        .map(|a| run(&python_ctl(), cwd, a))
        .collect();
    let rs: Vec<Run> = sequence
        .iter()
        .map(|a| run(Path::new(our_ctl()), cwd, a))
        .collect();
    for ((args, p), r) in sequence.iter().zip(&py).zip(&rs) {
        assert_eq!(
            p, r,
            "supervisorctl {args:?}: Python (left) and ours (right) differ\n\
             --- python stdout ---\n{}--- ours stdout ---\n{}",
            p.stdout, r.stdout
        );
    }
}

const PROGRAMS: &str = "\
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:cat]
command=cat
startsecs=0

[program:sleeper]
command=sleep 1000
autostart=false
startsecs=0

[program:echo]
command=sh -c 'echo hello; echo err >&2; exec sleep 1000'
startsecs=0

[program:bad]
command=/nonexistent/program
autostart=false
startretries=0

[group:grp]
programs=sleeper,echo
";

fn unix_sections() -> String {
    format!(
        "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n[supervisorctl]\n\
         serverurl=unix://%(here)s/supervisor.sock\n\n{PROGRAMS}"
    )
}

/// Our daemon on a unix socket, with cat and grp:echo running.
fn daemon() -> Daemon {
    let d = Daemon::start(&unix_sections());
    wait_running(&d.conf, &["cat", "grp:echo"]);
    d
}

fn wait_running(conf: &Path, names: &[&str]) {
    let conf = conf.to_str().expect("utf-8 path");
    wait_for(
        "programs RUNNING",
        DEADLINE,
        || {
            let out = run(
                Path::new(our_ctl()),
                Path::new("/"),
                &["-c", conf, "status"],
            );
            names
                .iter()
                .all(|n| {
                    out.stdout
                        .lines()
                        .any(|l| l.starts_with(&format!("{n} ")) && l.contains("RUNNING"))
                })
                .then_some(())
        },
        String::new,
    );
}

/// Prefixes `-c conf` to each command.
fn with_conf<'a>(conf: &'a str, commands: &[&[&'a str]]) -> Vec<Vec<&'a str>> {
    commands
        .iter()
        .map(|c| {
            let mut v = vec!["-c", conf];
            v.extend_from_slice(c);
            v
        })
        .collect()
}

fn same_with_conf(d: &Daemon, commands: &[&[&str]]) {
    let conf = d.conf.to_str().expect("utf-8 path");
    let argvs = with_conf(conf, commands);
    let refs: Vec<&[&str]> = argvs.iter().map(Vec::as_slice).collect();
    same(d.dir.path(), &refs);
}

#[test]
fn read_only_commands_match() {
    let d = daemon();
    same_with_conf(
        &d,
        &[
            &["status"],
            &["status", "cat"],
            &["status", "grp:*"],
            &["status", "grp:echo", "cat", "nope"],
            &["status", "nope"],
            &["status", "grp:nope"],
            &["status", "nope:*"],
            &["status", "all"],
            &["pid"],
            &["pid", "cat"],
            &["pid", "grp:sleeper"],
            &["pid", "nope"],
            &["pid", "all"],
            &["start", "cat"],
            &["start", "nope"],
            &["start", "grp:nope"],
            &["start", "nope:*"],
            &["start"],
            &["stop", "nope:*"],
            &["stop", "grp:sleeper"],
            &["stop"],
            &["restart"],
            &["signal"],
            &["signal", "CONT"],
            &["signal", "BAD", "cat"],
            &["signal", "CONT", "grp:sleeper"],
            &["signal", "CONT", "nope:*"],
            &["clear"],
            &["clear", "nope"],
            &["tail", "grp:echo"],
            &["tail", "grp:echo", "stderr"],
            &["tail", "-3", "grp:echo"],
            &["tail", "nope"],
            &["tail"],
            &["tail", "a", "b", "c", "d"],
            &["tail", "-x", "cat"],
            &["tail", "cat", "xx"],
            &["maintail", "-x"],
            &["maintail", "a", "b"],
            &["maintail", "x"],
            &["avail"],
            &["avail", "x"],
            &["reread"],
            &["reread", "x"],
            &["version"],
            &["version", "x"],
            &["shutdown", "x"],
            &["reload", "x"],
            &["update", "nope"],
            &["add", "nope"],
            &["add", "cat"],
            &["remove", "cat"],
            &["remove", "nope"],
            &["fg"],
            &["fg", "a", "b"],
            &["fg", "nope"],
            &["fg", "grp:sleeper"],
            &["open", "foo"],
            &["help"],
            &["help", "help"],
            &["help", "tail"],
            &["help", "maintail"],
            &["help", "nope"],
            &["?"],
            &["frob"],
            &["EOF"],
            &["quit"],
        ],
    );
    // Every action's help text.
    for action in [
        "add", "avail", "clear", "exit", "fg", "open", "pid", "quit", "reload", "remove", "reread",
        "restart", "shutdown", "signal", "start", "status", "stop", "update", "version",
    ] {
        same_with_conf(&d, &[&["help", action]]);
    }
}

/// Runs `commands` with each client on a fresh daemon of its own, so sequences that change
/// state see the same state.
fn same_on_fresh_daemons(commands: &[&[&str]]) {
    let runs: Vec<Vec<Run>> = [python_ctl(), PathBuf::from(our_ctl())]
        .iter()
        .map(|client| {
            let d = daemon();
            let conf = d.conf.to_str().expect("utf-8").to_string();
            commands
                .iter()
                .map(|c| {
                    let mut argv = vec!["-c", conf.as_str()];
                    argv.extend_from_slice(c);
                    run(client, d.dir.path(), &argv)
                })
                .collect()
        })
        .collect();
    for ((args, p), r) in commands.iter().zip(&runs[0]).zip(&runs[1]) {
        assert_eq!(
            p, r,
            "supervisorctl {args:?}: Python (left) and ours (right) differ"
        );
    }
}

#[test]
fn state_changing_sequences_match() {
    same_on_fresh_daemons(&[
        &["stop", "cat"],
        &["stop", "cat"],
        &["status"],
        &["pid", "cat"],
        &["start", "cat"],
        &["start", "cat"],
        &["restart", "cat"],
        &["stop", "grp:*"],
        &["start", "grp:*"],
        &["stop", "grp:sleeper"],
        &["start", "grp:sleeper", "cat"],
        &["signal", "CONT", "cat"],
        &["signal", "CONT", "grp:*"],
        &["signal", "CONT", "all"],
        &["clear", "cat"],
        &["clear", "all"],
        &["start", "bad"],
        &["status", "bad"],
        &["status"],
    ]);
}

#[test]
fn config_commands_match() {
    let d = daemon();
    // A new program in the config file, then commands that add and remove it again.
    let text = std::fs::read_to_string(&d.conf).expect("read conf");
    let added = "\n[program:new]\ncommand=sleep 1000\nstartsecs=0\n";
    std::fs::write(&d.conf, format!("{text}{added}")).expect("write conf");
    same_with_conf(
        &d,
        &[
            &["reread"],
            &["avail"],
            &["add", "new"],
            &["add", "new"],
            &["stop", "new"],
            &["remove", "new"],
            &["remove", "new"],
            &["update", "nope"],
            &["update", "new"],
            &["stop", "new"],
            &["remove", "new"],
            &["update"],
            &["stop", "new"],
            &["remove", "new"],
        ],
    );
}

#[test]
fn option_errors_and_unreachable_servers_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path();
    same(
        cwd,
        &[
            &["-h"],
            &["-x"],
            &["-c"],
            &["--bogus"],
            &["--help=1"],
            &["-c", "/nonexistent/supervisord.conf", "status"],
            &["-s", "foo", "status"],
            &["-s", "unix:///a", "-s", "unix:///b", "status"],
            &["-s", "localhost:9", "status"],
            &["-s", "unix:///nonexistent.sock", "status"],
            &["-s", "unix:///nonexistent.sock", "pid"],
            &["-s", "unix:///nonexistent.sock", "tail", "-f", "x"],
            &["-s", "unix:///nonexistent.sock", "version"],
            &["-s", "unix:///nonexistent.sock", "avail"],
            &["-s", "unix:///nonexistent.sock", "reread"],
            &["-s", "unix:///nonexistent.sock", "shutdown"],
            &["-s", "unix:///nonexistent.sock", "reload"],
            &["-s", "http://127.0.0.1:1", "status"],
            &["-s", "http://127.0.0.1:1", "start", "x"],
            &["-s", "http://127.0.0.1:1", "shutdown"],
            &["-s", "http://127.0.0.1:1", "update"],
        ],
    );
    // A config without [supervisorctl], and one with only [supervisorctl].
    std::fs::write(cwd.join("nosection.conf"), "[supervisord]\n").expect("write");
    std::fs::write(
        cwd.join("client.conf"),
        "[supervisorctl]\nserverurl=unix://%(here)s/none.sock\n",
    )
    .expect("write");
    same(
        cwd,
        &[
            &["-c", "nosection.conf", "status"],
            &["-c", "client.conf", "status"],
            &["-c", "client.conf", "-s", "http://127.0.0.1:1", "version"],
        ],
    );
}

#[test]
fn authentication_matches() {
    let port = common::http::free_port();
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n\n\
         [supervisorctl]\nserverurl=http://127.0.0.1:{port}\n\n{PROGRAMS}"
    ));
    let conf = d.conf.to_str().expect("utf-8");
    wait_for(
        "cat RUNNING",
        DEADLINE,
        || {
            let out = run(
                Path::new(our_ctl()),
                Path::new("/"),
                &["-c", conf, "-u", "user", "-p", "123", "status", "cat"],
            );
            out.stdout.contains("RUNNING").then_some(())
        },
        String::new,
    );
    same_with_conf(
        &d,
        &[
            &["status"],
            &["avail"],
            &["-u", "user", "-p", "bad", "version"],
            &["-u", "user", "-p", "123", "status", "cat"],
            &["-u", "user", "-p", "123", "tail", "grp:echo"],
        ],
    );
}

/// Starts a client on `tail -f`-like args, waits for `needle` on its stdout, sends Ctrl-C
/// (SIGINT) and returns what it printed.
fn interrupted_run(program: &Path, cwd: &Path, args: &[&str], needle: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("out");
    let err_path = dir.path().join("err");
    let mut child: Child = common::default_signals(&mut Command::new(program))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("out"))
        .stderr(std::fs::File::create(&err_path).expect("err"))
        .spawn()
        .expect("spawn client");
    wait_for(
        &format!("{needle:?} from {}", program.display()),
        DEADLINE,
        || {
            std::fs::read_to_string(&out_path)
                .ok()
                .filter(|s| s.contains(needle))
        },
        || std::fs::read_to_string(&out_path).unwrap_or_default(),
    );
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    let status = wait_for(
        "client to exit after Ctrl-C",
        DEADLINE,
        || child.try_wait().expect("try_wait"),
        String::new,
    );
    Run {
        stdout: normalise(&std::fs::read_to_string(&out_path).unwrap_or_default()),
        stderr: normalise(&std::fs::read_to_string(&err_path).unwrap_or_default()),
        code: status.code().unwrap_or(-1),
    }
}

#[test]
fn tail_follow_stops_on_ctrl_c_like_python() {
    let d = daemon();
    let conf = d.conf.to_str().expect("utf-8");
    for channel in ["stdout", "stderr"] {
        let args = ["-c", conf, "tail", "-f", "grp:echo", channel];
        let needle = if channel == "stdout" { "hello" } else { "err" };
        let py = interrupted_run(&python_ctl(), d.dir.path(), &args, needle);
        let rs = interrupted_run(Path::new(our_ctl()), d.dir.path(), &args, needle);
        assert_eq!(py, rs, "tail -f grp:echo {channel}");
        assert_eq!(
            rs.stdout,
            format!("==> Press Ctrl-C to exit <==\n{needle}\n\n")
        );
    }
    // A bad name: the stream is refused and the client returns by itself.
    same_with_conf(&d, &[&["tail", "-f", "nope"]]);
}

#[test]
fn json_and_parallel_extensions() {
    let d = daemon();
    let conf = d.conf.to_str().expect("utf-8");
    let ours = |args: &[&str]| {
        let mut v = vec!["-c", conf];
        v.extend_from_slice(args);
        run(Path::new(our_ctl()), d.dir.path(), &v)
    };
    let status = ours(&["status", "--json"]);
    assert_eq!(status.code, 3, "grp:sleeper is stopped: {status:?}");
    assert!(status
        .stdout
        .starts_with("[{\"name\":\"bad\",\"group\":\"bad\""));
    assert!(status.stdout.contains("\"statename\":\"RUNNING\""));
    let one = ours(&["status", "--json", "cat", "nope"]);
    assert_eq!(one.code, 4);
    assert_eq!(one.stderr, "nope: ERROR (no such process)\n");
    assert!(one.stdout.starts_with("[{\"name\":\"cat\""), "{one:?}");
    let avail = ours(&["avail", "--json"]);
    assert_eq!(avail.code, 0);
    assert!(
        avail.stdout.contains("\"name\":\"sleeper\",")
            || avail.stdout.contains("\"name\":\"sleeper\"")
    );
    assert!(avail.stdout.contains("\"inuse\":true"));
    // Several names at once: the same lines, in the order given.
    let restarted = ours(&["restart", "--parallel", "cat", "grp:echo", "nope"]);
    assert_eq!(
        restarted.stdout,
        "cat: stopped\ngrp:echo: stopped\nnope: ERROR (no such process)\n\
         cat: started\ngrp:echo: started\nnope: ERROR (no such process)\n"
    );
    assert_eq!(restarted.code, 1);
    // `supervisord ctl` is the same program.
    let via_daemon = Command::new(common::bin())
        .args(["ctl", "-c", conf, "version"])
        .output()
        .expect("supervisord ctl");
    assert_eq!(String::from_utf8_lossy(&via_daemon.stdout), "4.3.0\n");
}

/// Python's own supervisord: the API is the contract, so our client must work against it.
#[test]
fn against_python_supervisord() {
    let d = Daemon::prepare(&unix_sections());
    let mut daemon = Command::new(python_supervisord())
        .args(["-n", "-c"])
        .arg(&d.conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn Python supervisord");
    let conf = d.conf.to_str().expect("utf-8");
    wait_for(
        "Python supervisord serving",
        DEADLINE,
        || {
            let out = run(&python_ctl(), Path::new("/"), &["-c", conf, "status"]);
            (out.stdout.contains("cat ") && out.stdout.contains("RUNNING")).then_some(())
        },
        String::new,
    );
    wait_running(&d.conf, &["cat", "grp:echo"]);
    same_with_conf(
        &d,
        &[
            &["status"],
            &["status", "nope"],
            &["avail"],
            &["version"],
            &["pid", "nope"],
            &["stop", "cat"],
            &["start", "cat"],
            &["signal", "BAD", "cat"],
            &["tail", "grp:echo"],
            &["tail", "nope"],
            &["reread"],
            &["clear", "nope"],
            &["fg", "grp:sleeper"],
        ],
    );
    let shutdown = run(
        Path::new(our_ctl()),
        d.dir.path(),
        &["-c", conf, "shutdown"],
    );
    assert_eq!(shutdown.stdout, "Shut down\n");
    let _ = wait_for(
        "Python supervisord to exit",
        Duration::from_secs(20),
        || daemon.try_wait().expect("try_wait"),
        String::new,
    );
    // Shut down: both clients now find no socket.
    same_with_conf(&d, &[&["status"], &["shutdown"]]);
}

#[test]
fn shutdown_and_reload_match() {
    // Each client shuts down a daemon of its own (same config shape).
    let outputs: Vec<Run> = [python_ctl(), PathBuf::from(our_ctl())]
        .iter()
        .map(|client| {
            let mut d = daemon();
            let conf = d.conf.to_str().expect("utf-8").to_string();
            let reload = run(client, d.dir.path(), &["-c", &conf, "reload"]);
            d.wait_log_count("RPC interface 'supervisor' initialized", 2);
            wait_running(&d.conf, &["cat", "grp:echo"]);
            let shutdown = run(client, d.dir.path(), &["-c", &conf, "shutdown"]);
            d.wait_exit();
            assert_eq!(reload.stdout, "Restarted supervisord\n");
            shutdown
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[1].stdout, "Shut down\n");
}
