//! The real Python `supervisorctl` 4.3 against our daemon, one test per group of commands
//! (reference 1.5): the exact stdout and exit code Supervisor 4.3 gives, with only pids and
//! uptimes normalised. The expected texts were taken from Python supervisord 4.3 run on the
//! same configs. Where Supervisor's order of results for `all` depends on its dict order and
//! timing, the lines are compared sorted. Transports: the unix socket, and TCP with a plain
//! and a `{SHA}` password.

mod common;

use std::io::Write;

use common::http::free_port;
use common::py::{ctl, ctl_conf, row, rpc_script, Running, CTL_SECTIONS};
use common::Daemon;

const PROGRAMS: &str = "\
[program:cat]\ncommand=cat\nstartsecs=0\n\n\
[program:quick]\ncommand=/bin/sh -c \"echo hi; exit 1\"\nstartsecs=1\nstartretries=0\nautostart=false\n\n\
[program:noexec]\ncommand=/nonexistent/x\nautostart=false\n\n\
[program:notx]\ncommand=/etc/passwd\nautostart=false\n\n\
[group:g]\nprograms=a,b\n\n\
[program:a]\ncommand=sleep 1000\nstartsecs=0\n\n\
[program:b]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n\n";

fn daemon() -> Daemon {
    let d = Daemon::start(&format!("{CTL_SECTIONS}{PROGRAMS}"));
    d.wait_log("success: cat entered RUNNING state");
    d.wait_log("success: a entered RUNNING state");
    d
}

fn sorted(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    lines
}

/// Asserts stdout (normalised) and the exit code of one supervisorctl run.
#[track_caller]
fn check(d: &Daemon, args: &[&str], stdout: &str, code: i32) {
    let out = ctl(d, args);
    assert_eq!(
        (out.out().as_str(), out.code),
        (stdout, code),
        "supervisorctl {args:?}\nstderr: {}\n--- main log ---\n{}",
        out.stderr,
        d.log()
    );
}

const RUNNING: &str = "pid N, uptime U";
const QUICK_FATAL: &str = "Exited too quickly (process log may have details)";

#[test]
fn status_output_and_exit_codes() {
    let d = daemon();
    let all = [
        row("cat", "RUNNING", RUNNING),
        row("g:a", "RUNNING", RUNNING),
        row("g:b", "STOPPED", "Not started"),
        row("noexec", "STOPPED", "Not started"),
        row("notx", "STOPPED", "Not started"),
        row("quick", "STOPPED", "Not started"),
    ]
    .concat();
    check(&d, &["status"], &all, 3);
    check(&d, &["status", "cat"], &row("cat", "RUNNING", RUNNING), 0);
    check(
        &d,
        &["status", "nosuch"],
        "nosuch: ERROR (no such process)\n",
        4,
    );
    check(
        &d,
        &["status", "g:*"],
        &[
            row("g:a", "RUNNING", RUNNING),
            row("g:b", "STOPPED", "Not started"),
        ]
        .concat(),
        3,
    );
    check(
        &d,
        &["status", "cat", "nosuch"],
        &format!(
            "nosuch: ERROR (no such process)\n{}",
            row("cat", "RUNNING", RUNNING)
        ),
        4,
    );
    check(&d, &["start", "quick"], "quick: ERROR (spawn error)\n", 7);
    check(
        &d,
        &["status", "quick"],
        &row("quick", "FATAL", QUICK_FATAL),
        3,
    );
    // A stopped process shows its stop time, `Mon DD HH:MM AM`.
    check(&d, &["stop", "cat"], "cat: stopped\n", 0);
    let out = ctl(&d, &["status", "cat"]);
    assert_eq!(out.code, 3);
    let desc = out.stdout.trim_end().split("STOPPED   ").nth(1).unwrap();
    let shape: String = desc
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                '9'
            } else if c.is_ascii_alphabetic() {
                'a'
            } else {
                c
            }
        })
        .collect();
    assert_eq!(shape, "aaa 99 99:99 aa", "{desc:?}");
}

#[test]
fn start_stop_restart() {
    let d = daemon();
    check(&d, &["start", "cat"], "cat: ERROR (already started)\n", 0);
    check(
        &d,
        &["start", "nosuch"],
        "nosuch: ERROR (no such process)\n",
        1,
    );
    check(
        &d,
        &["start", "noexec"],
        "noexec: ERROR (no such file)\n",
        1,
    );
    check(
        &d,
        &["start", "notx"],
        "notx: ERROR (file is not executable)\n",
        1,
    );
    // The exit code is the client's: NOT_RUNNING on stop is not an error for supervisorctl.
    check(&d, &["stop", "g:b"], "g:b: ERROR (not running)\n", 0);
    check(&d, &["stop", "b"], "b: ERROR (no such process)\n", 1);
    check(&d, &["start", "g:*"], "g:b: started\n", 0);
    check(&d, &["stop", "g:*"], "g:a: stopped\ng:b: stopped\n", 0);
    check(
        &d,
        &["restart", "g:a"],
        "g:a: ERROR (not running)\ng:a: started\n",
        0,
    );
    check(&d, &["restart", "cat"], "cat: stopped\ncat: started\n", 0);
    check(
        &d,
        &["start", "g:b", "cat"],
        "g:b: started\ncat: ERROR (already started)\n",
        0,
    );
    let out = ctl(&d, &["stop", "all"]);
    assert_eq!(
        sorted(&out.stdout),
        ["cat: stopped", "g:a: stopped", "g:b: stopped"]
    );
    assert_eq!(out.code, 0);
    let out = ctl(&d, &["start", "all"]);
    assert_eq!(
        sorted(&out.stdout),
        [
            "cat: started",
            "g:a: started",
            "g:b: started",
            "noexec: ERROR (no such file)",
            "notx: ERROR (file is not executable)",
            "quick: ERROR (spawn error)"
        ]
    );
    assert_eq!(out.code, 7);
    let out = ctl(&d, &["restart", "all"]);
    assert_eq!(
        sorted(&out.stdout),
        [
            "cat: started",
            "cat: stopped",
            "g:a: started",
            "g:a: stopped",
            "g:b: started",
            "g:b: stopped",
            "noexec: ERROR (no such file)",
            "notx: ERROR (file is not executable)",
            "quick: ERROR (spawn error)"
        ]
    );
    assert_eq!(out.code, 7);
    let usage = ctl(&d, &["start"]);
    assert!(usage
        .stdout
        .starts_with("Error: start requires a process name\n"));
    assert_eq!(usage.code, 2);
    let usage = ctl(&d, &["stop"]);
    assert!(usage
        .stdout
        .starts_with("Error: stop requires a process name\n"));
    assert_eq!(usage.code, 1);
}

#[test]
fn signal_pid_clear_version_avail() {
    let d = daemon();
    check(&d, &["signal", "CONT", "cat"], "cat: signalled\n", 0);
    check(
        &d,
        &["signal", "FOO", "cat"],
        "cat: ERROR (bad signal name)\n",
        1,
    );
    check(
        &d,
        &["signal", "HUP", "g:b"],
        "g:b: ERROR (not running)\n",
        7,
    );
    check(
        &d,
        &["signal", "HUP", "nosuch"],
        "nosuch: ERROR (no such process)\n",
        1,
    );
    check(&d, &["signal", "CONT", "g:*"], "g:a: signalled\n", 0);
    check(
        &d,
        &["signal", "FOO", "g:*"],
        "g:a: ERROR (bad signal name)\n",
        1,
    );
    let out = ctl(&d, &["signal", "CONT", "all"]);
    assert_eq!(sorted(&out.stdout), ["cat: signalled", "g:a: signalled"]);
    let out = ctl(&d, &["signal", "FOO", "all"]);
    assert_eq!(
        sorted(&out.stdout),
        [
            "cat: ERROR (bad signal name)",
            "g:a: ERROR (bad signal name)"
        ]
    );
    assert_eq!(out.code, 1);
    let usage = ctl(&d, &["signal"]);
    assert!(usage
        .stdout
        .starts_with("Error: signal requires a signal name and a process name\n"));

    check(&d, &["pid"], &format!("{}\n", d.pid()), 0);
    let info = rpc_script(&d, "done(s.supervisor.getProcessInfo('cat')['pid'])");
    check(&d, &["pid", "cat"], &format!("{info}\n"), 0);
    check(&d, &["pid", "nosuch"], "No such process nosuch\n", 1);
    let out = ctl(&d, &["pid", "all"]);
    let pids: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(pids.len(), 6, "{pids:?}");
    assert!(pids.contains(&info.to_string().as_str()));
    assert_eq!(pids.iter().filter(|p| **p == "0").count(), 4);

    check(&d, &["clear", "cat"], "cat: cleared\n", 0);
    check(
        &d,
        &["clear", "nosuch"],
        "nosuch: ERROR (no such process)\n",
        1,
    );
    let out = ctl(&d, &["clear", "all"]);
    assert_eq!(
        sorted(&out.stdout),
        [
            "cat: cleared",
            "g:a: cleared",
            "g:b: cleared",
            "noexec: cleared",
            "notx: cleared",
            "quick: cleared"
        ]
    );
    check(&d, &["version"], "4.3.0\n", 0);
    let avail = |name: &str, auto: &str| format!("{name:<32} in use    {auto:<9} 999:999\n");
    check(
        &d,
        &["avail"],
        &[
            avail("g:a", "auto"),
            avail("g:b", "manual"),
            avail("cat", "auto"),
            avail("noexec", "manual"),
            avail("notx", "manual"),
            avail("quick", "manual"),
        ]
        .concat(),
        0,
    );
}

#[test]
fn tail_and_maintail_with_unicode_and_invalid_utf8() {
    let d = Daemon::start(&format!(
        "{CTL_SECTIONS}[program:uni]\ncommand=/bin/sh -c \"printf 'h\\303\\251llo \\342\\234\\223\\n'; \
         printf 'err\\n' >&2; printf 'bad \\366\\n'\"\nstartsecs=0\nautorestart=false\n\n\
         [program:\u{fc}n\u{ef}]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:nolog]\ncommand=sleep 1000\nstartsecs=0\nstdout_logfile=NONE\n"
    ));
    d.wait_log("exited: uni (exit status 0; expected)");
    d.wait_log("success: \u{fc}n\u{ef} entered RUNNING state");
    // supervisorctl prints the log text plus a newline of its own.
    check(
        &d,
        &["tail", "uni"],
        "h\u{e9}llo \u{2713}\nbad \u{fffd}\n\n",
        0,
    );
    check(&d, &["tail", "-6", "uni"], "bad \u{fffd}\n\n", 0);
    check(&d, &["tail", "uni", "stderr"], "err\n\n", 0);
    check(
        &d,
        &["tail", "nosuch"],
        "nosuch: ERROR (no such process name)\n",
        1,
    );
    check(&d, &["tail", "uni", "foo"], "Error: bad channel 'foo'\n", 1);
    check(&d, &["tail", "nolog"], "nolog: ERROR (no log file)\n", 1);
    check(
        &d,
        &["status", "\u{fc}n\u{ef}"],
        &row("\u{fc}n\u{ef}", "RUNNING", RUNNING),
        0,
    );
    let out = ctl(&d, &["maintail"]);
    assert!(
        out.stdout.contains("supervisord started with pid"),
        "{out:?}"
    );
    assert_eq!(out.code, 0);
    let out = ctl(&d, &["maintail", "-30"]);
    assert_eq!((out.stdout.len(), out.code), (31, 0), "{out:?}");
    assert!(d.log().contains(&out.stdout[..30]), "{out:?}");
}

#[test]
fn tail_f_follows_and_fg_round_trips_stdin() {
    let d = daemon();
    let tail = Running::start(&d, &["tail", "-f", "cat"]);
    tail.wait_output("==> Press Ctrl-C to exit <==\n");
    rpc_script(
        &d,
        "done(s.supervisor.sendProcessStdin('cat', 'followed\\n'))",
    );
    tail.wait_output("followed\n");

    let mut fg = Running::start(&d, &["fg", "cat"]);
    fg.wait_output("==> Press Ctrl-C to exit <==\n");
    let mut stdin = fg.child.stdin.take().unwrap();
    stdin.write_all("from fg \u{e9}\n".as_bytes()).unwrap();
    stdin.flush().unwrap();
    fg.wait_output("from fg \u{e9}\n");
    drop(stdin); // EOF: supervisorctl leaves foreground mode.
    fg.wait_output("Exiting foreground\n");
    check(
        &d,
        &["fg", "nosuch"],
        "ERROR: bad process name supplied\n",
        1,
    );
    check(&d, &["fg", "g:b"], "ERROR: process not running\n", 1);
}

#[test]
fn reread_update_add_remove() {
    let d = Daemon::start(&format!(
        "{CTL_SECTIONS}[program:keep]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:change]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:gone]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [group:g]\nprograms=a\n\n[program:a]\ncommand=sleep 1000\nstartsecs=0\n"
    ));
    for name in ["keep", "change", "gone", "a"] {
        d.wait_log(&format!("success: {name} entered RUNNING state"));
    }
    check(&d, &["reread"], "No config updates to processes\n", 0);
    check(
        &d,
        &["remove", "g"],
        "ERROR: process/group still running: g\n",
        1,
    );
    check(&d, &["stop", "g:*"], "g:a: stopped\n", 0);
    check(&d, &["remove", "g"], "g: removed process group\n", 0);
    check(&d, &["remove", "g"], "ERROR: no such process/group: g\n", 1);
    check(&d, &["add", "g"], "g: added process group\n", 0);
    check(
        &d,
        &["add", "g"],
        "ERROR: process group already active\n",
        0,
    );
    check(
        &d,
        &["add", "nosuch"],
        "ERROR: no such process/group: nosuch\n",
        1,
    );

    let keep_pid = || rpc_script(&d, "done(s.supervisor.getProcessInfo('keep')['pid'])");
    let before = keep_pid();
    let conf = std::fs::read_to_string(&d.conf).unwrap();
    let conf = conf.replace("[program:gone]", "[program:new]").replace(
        "[program:change]\ncommand=sleep 1000",
        "[program:change]\ncommand=sleep 999",
    );
    std::fs::write(&d.conf, conf).unwrap();
    check(
        &d,
        &["reread"],
        "change: changed\ngone: disappeared\nnew: available\n",
        0,
    );
    let out = ctl(&d, &["avail"]);
    assert!(
        out.stdout
            .contains(&format!("{:<32} avail     auto      999:999\n", "new")),
        "{}",
        out.stdout
    );
    check(
        &d,
        &["update"],
        "gone: stopped\ngone: removed process group\nchange: stopped\n\
         change: updated process group\nnew: added process group\n",
        0,
    );
    d.wait_log("success: new entered RUNNING state");
    assert_eq!(keep_pid(), before, "update restarted an unchanged program");
    check(&d, &["reread"], "No config updates to processes\n", 0);
    check(&d, &["update"], "", 0);
    check(
        &d,
        &["status"],
        &[
            row("change", "RUNNING", RUNNING),
            row("g:a", "RUNNING", RUNNING),
            row("keep", "RUNNING", RUNNING),
            row("new", "RUNNING", RUNNING),
        ]
        .concat(),
        0,
    );
}

#[test]
fn shutdown_state_then_a_stopped_daemon() {
    let mut d = Daemon::start(&format!(
        "{CTL_SECTIONS}[program:stubborn]\ncommand=/bin/sh -c \"trap '' TERM; while :; do sleep 0.1; done\"\n\
         startsecs=0\nstopwaitsecs=3\n"
    ));
    d.wait_log("success: stubborn entered RUNNING state");
    check(&d, &["shutdown"], "Shut down\n", 0);
    // While the stubborn child is waited for, every call is refused with SHUTDOWN_STATE.
    for args in [&["status"][..], &["stop", "stubborn"], &["version"]] {
        let out = ctl(&d, args);
        assert!(
            out.stdout.starts_with(
                "error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: "
            ),
            "{args:?}: {out:?}"
        );
        assert_eq!(out.code, 1);
    }
    assert!(d.wait_exit().success());
    let sock = d.socket();
    let gone = format!("unix://{} no such file\n", sock.display());
    let out = ctl(&d, &["status"]);
    assert_eq!((out.stdout.as_str(), out.code), (gone.as_str(), 4));
    let out = ctl(&d, &["version"]);
    assert_eq!((out.stdout.as_str(), out.code), (gone.as_str(), 7));
}

#[test]
fn reload_restarts_the_daemon() {
    let d = daemon();
    check(&d, &["reload"], "Restarted supervisord\n", 0);
    d.wait_log_count("success: cat entered RUNNING state", 2);
    check(&d, &["status", "cat"], &row("cat", "RUNNING", RUNNING), 0);
}

fn tcp_daemon(password: &str) -> (Daemon, u16) {
    let port = free_port();
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword={password}\n\n\
         [supervisorctl]\n\n[program:cat]\ncommand=cat\nstartsecs=0\n"
    ));
    d.wait_log("success: cat entered RUNNING state");
    (d, port)
}

fn tcp_ctl(d: &Daemon, port: u16, user: &[&str], args: &[&str]) -> common::py::Ctl {
    let url = format!("http://127.0.0.1:{port}");
    let mut all = vec!["-s", url.as_str()];
    all.extend_from_slice(user);
    all.extend_from_slice(args);
    ctl(d, &all)
}

#[test]
fn tcp_with_plain_password() {
    let (d, port) = tcp_daemon("pass");
    let ok = tcp_ctl(&d, port, &["-u", "user", "-p", "pass"], &["status"]);
    assert_eq!((ok.out(), ok.code), (row("cat", "RUNNING", RUNNING), 0));
    let ok = tcp_ctl(&d, port, &["-u", "user", "-p", "pass"], &["stop", "cat"]);
    assert_eq!((ok.stdout.as_str(), ok.code), ("cat: stopped\n", 0));
    for user in [&["-u", "user", "-p", "wrong"][..], &[]] {
        let denied = tcp_ctl(&d, port, user, &["status"]);
        assert!(
            denied.stdout.starts_with(
                "Server requires authentication\nerror: <class 'xmlrpc.client.ProtocolError'>, \
                 <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: file: "
            ),
            "{denied:?}"
        );
        assert_eq!(denied.code, 1);
    }
}

#[test]
fn tcp_with_sha_password_and_refused_connection() {
    // sha1("pass")
    let (mut d, port) = tcp_daemon("{SHA}9d4e1e23bd5b727046a9e3b4b7db57bd8d6ee684");
    let ok = tcp_ctl(&d, port, &["-u", "user", "-p", "pass"], &["status"]);
    assert_eq!((ok.out(), ok.code), (row("cat", "RUNNING", RUNNING), 0));
    let ok = tcp_ctl(&d, port, &["-u", "user", "-p", "pass"], &["shutdown"]);
    assert_eq!((ok.stdout.as_str(), ok.code), ("Shut down\n", 0));
    assert!(d.wait_exit().success());
    let conf = d.conf.clone();
    let url = format!("http://127.0.0.1:{port}");
    let out = ctl_conf(&conf, &["-s", &url, "-u", "user", "-p", "pass", "status"]);
    assert_eq!(
        (out.stdout.as_str(), out.code),
        (format!("{url} refused connection\n").as_str(), 4)
    );
}
