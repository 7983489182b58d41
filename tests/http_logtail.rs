//! `/logtail/<name>[/channel]` and `/mainlogtail`: where a stream starts, following growth,
//! truncation, rotation, 404s, and that a stream ends with its client.
//!
//! The program's log file is at a known path and the tests write to it themselves (the
//! program only sleeps), so every byte the stream must show is under the test's control.

mod common;

use std::io::Write;
use std::path::Path;

use common::http::{free_port, python, Conn};
use common::{wait_for, Daemon, DEADLINE};
use nix::sys::signal::Signal;

const CONF: &str = "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n\
    [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n\
    stdout_logfile=%(here)s/out.log\nstderr_logfile=NONE\n";

fn running() -> Daemon {
    let d = Daemon::start(CONF);
    d.wait_log("success: sleeper entered RUNNING state");
    d
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

/// Opens a stream and checks its head.
fn open_tail(d: &Daemon, path: &str) -> Conn {
    let mut c = Conn::unix(&d.socket());
    c.request("GET", path, "", None);
    let head = c.head();
    assert_eq!(head.status, 200, "{path}");
    assert_eq!(
        head.header("content-type"),
        Some("text/plain;charset=utf-8")
    );
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    assert_eq!(head.header("x-accel-buffering"), Some("no"));
    assert!(head
        .header("last-modified")
        .is_some_and(|v| v.ends_with(" GMT")));
    c
}

/// How many of the daemon's descriptors are open on `path`.
fn open_fds(pid: i32, path: &Path) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == path))
        .count()
}

#[test]
fn starts_1024_bytes_before_the_end_and_follows() {
    let d = running();
    let log = d.path("out.log");
    let text: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
    append(&log, &text);
    let mut c = open_tail(&d, "/logtail/sleeper");
    let mut first = Vec::new();
    while first.len() < 1024 {
        first.extend(c.chunk().expect("a chunk"));
    }
    assert_eq!(first, text[3000 - 1024..]);
    append(&log, b"new output\n");
    assert_eq!(c.chunks_until("new output\n"), "new output\n");
}

#[test]
fn truncation_is_announced() {
    let d = running();
    let log = d.path("out.log");
    append(&log, b"before truncation\n");
    let mut c = open_tail(&d, "/logtail/sleeper:sleeper/stdout");
    c.chunks_until("before truncation\n");
    std::fs::write(&log, b"after\n").unwrap();
    let text = c.chunks_until("after\n");
    assert_eq!(text, "==> File truncated <==\nafter\n");
}

#[test]
fn rotation_is_followed() {
    let d = running();
    let log = d.path("out.log");
    append(&log, b"one\n");
    let mut c = open_tail(&d, "/logtail/sleeper");
    c.chunks_until("one\n");
    std::fs::rename(&log, d.path("out.log.1")).unwrap();
    // Written to the old file after the rename: still sent, before the new file's text.
    append(&d.path("out.log.1"), b"two\n");
    append(&log, b"three\n");
    assert_eq!(c.chunks_until("three\n"), "two\nthree\n");
}

#[test]
fn unknown_names_and_missing_files_are_404() {
    let d = running();
    for path in [
        "/logtail/nosuch",
        "/logtail/nosuch/stderr",
        "/logtail/sleeper/stderr",
        "/logtail/sleeper/other",
        "/logtail/",
        "/logtail",
    ] {
        let reply = Conn::unix(&d.socket()).get(path, "");
        assert_eq!(reply.status, 404, "{path}");
    }
    let mut c = Conn::unix(&d.socket());
    c.request("POST", "/logtail/sleeper", "", Some(b""));
    assert_eq!(c.response().status, 400);
}

#[test]
fn mainlogtail_streams_the_main_log() {
    let d = running();
    let mut c = open_tail(&d, "/mainlogtail");
    let first = c.chunk().expect("a chunk");
    assert!(first.len() <= 1024);
    d.signal(Signal::SIGUSR2);
    c.chunks_until("received SIGUSR2 indicating log reopen request");
}

#[test]
fn a_stream_ends_with_its_client() {
    let d = running();
    let log = d.path("out.log");
    append(&log, b"x\n");
    // The log writer opens the file on its own thread, maybe after RUNNING is logged: count
    // from once it has.
    let before = wait_for(
        "the log writer to open its file",
        DEADLINE,
        || Some(open_fds(d.pid(), &log)).filter(|n| *n >= 1),
        || d.log(),
    );
    let mut c = open_tail(&d, "/logtail/sleeper");
    c.chunks_until("x\n");
    assert_eq!(open_fds(d.pid(), &log), before + 1);
    drop(c);
    wait_for(
        "the tail to close its file",
        DEADLINE,
        || (open_fds(d.pid(), &log) == before).then_some(()),
        || d.log(),
    );
}

/// `supervisorctl tail -f`'s own HTTP client (supervisor.http_client, chunked, Basic auth)
/// follows a stream over TCP.
#[test]
fn stock_tail_client_follows() {
    let port = free_port();
    let d = Daemon::start(&format!(
        "{CONF}\n[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n"
    ));
    d.wait_log("success: sleeper entered RUNNING state");
    append(&d.path("out.log"), b"already there\n");
    let script = "import os, sys\n\
        from supervisor import http_client\n\
        from supervisor.medusa import asyncore_25 as asyncore\n\
        class L(http_client.Listener):\n\
        \x20   text = b''\n\
        \x20   def feed(self, url, data):\n\
        \x20       self.text += data\n\
        \x20       print(data.decode(), end='', flush=True)\n\
        \x20       if b'appended' in self.text:\n\
        \x20           os._exit(0)\n\
        \x20   def error(self, url, error):\n\
        \x20       print('error', error, flush=True)\n\
        \x20       os._exit(1)\n\
        h = http_client.HTTPHandler(L(), 'user', '123')\n\
        h.get(sys.argv[1], '/logtail/sleeper')\n\
        asyncore.loop()\n";
    let mut client = std::process::Command::new(python())
        .args(["-c", script, &format!("http://127.0.0.1:{port}")])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(client.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line, "already there\n");
    append(&d.path("out.log"), b"appended\n");
    let status = wait_for(
        "the client to see it",
        DEADLINE,
        || client.try_wait().unwrap(),
        || d.log(),
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert_eq!(rest, "appended\n");
}

/// An open stream does not hold up the daemon's exit.
#[test]
fn shutdown_with_an_open_stream() {
    let mut d = running();
    append(&d.path("out.log"), b"x\n");
    let mut c = open_tail(&d, "/logtail/sleeper");
    c.chunks_until("x\n");
    d.signal(Signal::SIGTERM);
    assert!(d.wait_exit().success());
    assert!(c.closed_within(DEADLINE));
}
