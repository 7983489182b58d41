//! `[supervisord] sd_notify`: the daemon under a `Type=notify` unit. The test plays systemd's
//! side: it binds the datagram socket, starts the daemon with NOTIFY_SOCKET (and
//! WATCHDOG_USEC) pointing at it, and checks what arrives when.

mod common;

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::process::Command;
use std::time::{Duration, Instant};

use common::http::Conn;
use common::{Daemon, DEADLINE};
use nix::sys::signal::Signal;

const SERVER: &str = "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n\
    [rpcinterface:supervisor]\n\
    supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n";

/// systemd's end of the notification socket.
struct Systemd {
    socket: UnixDatagram,
    /// What NOTIFY_SOCKET says.
    name: String,
}

impl Systemd {
    fn at_path(d: &Daemon) -> Systemd {
        let path = d.path("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        Systemd::new(socket, path.to_string_lossy().into_owned())
    }

    fn abstract_name() -> Systemd {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("svd-test-notify-{}-{}", std::process::id(), unique());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let socket = UnixDatagram::bind_addr(&addr).expect("bind an abstract socket");
        Systemd::new(socket, format!("@{name}"))
    }

    fn new(socket: UnixDatagram, name: String) -> Systemd {
        socket.set_read_timeout(Some(DEADLINE)).unwrap();
        Systemd { socket, name }
    }

    /// Sets the daemon's environment as systemd does for `Type=notify` with `WatchdogSec=`.
    fn environment<'a>(&'a self, watchdog_usec: Option<&'a str>) -> impl FnOnce(&mut Command) + 'a {
        move |cmd| {
            cmd.env("NOTIFY_SOCKET", &self.name);
            if let Some(usec) = watchdog_usec {
                cmd.env("WATCHDOG_USEC", usec);
            }
        }
    }

    /// The next message, waiting up to the deadline.
    fn next(&self) -> String {
        let mut buf = [0u8; 4096];
        let n = self
            .socket
            .recv(&mut buf)
            .expect("a notification before the deadline");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Reads messages until one has a line for which `wanted` is true; returns that message
    /// and every one before it.
    fn until(&self, wanted: impl Fn(&str) -> bool) -> (String, Vec<String>) {
        let mut before = Vec::new();
        loop {
            let message = self.next();
            if message.lines().any(&wanted) {
                return (message, before);
            }
            before.push(message);
        }
    }

    fn until_line(&self, line: &str) -> (String, Vec<String>) {
        self.until(|l| l == line)
    }

    /// Every message already queued, without waiting.
    fn queued(&self) -> Vec<String> {
        self.socket.set_nonblocking(true).unwrap();
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.socket.recv(&mut buf) {
            all.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        self.socket.set_nonblocking(false).unwrap();
        all
    }
}

/// A number no other test run picks at the same moment (abstract names are machine-wide).
fn unique() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// An XML-RPC call with string arguments over the daemon's unix socket; the response body.
fn call(d: &Daemon, method: &str, args: &[&str]) -> String {
    let params: String = args
        .iter()
        .map(|a| format!("<param><value><string>{a}</string></value></param>"))
        .collect();
    let body = format!(
        "<?xml version='1.0'?><methodCall><methodName>{method}</methodName>\
         <params>{params}</params></methodCall>"
    );
    let mut conn = Conn::unix(&d.socket());
    conn.request(
        "POST",
        "/RPC2",
        "Content-Type: text/xml\r\n",
        Some(body.as_bytes()),
    );
    conn.response().text()
}

fn state_of(d: &Daemon, name: &str) -> String {
    let out = common::py::rpc_script(
        d,
        &format!("done(s.supervisor.getProcessInfo('{name}')['statename'])"),
    );
    out.as_str().unwrap().to_string()
}

#[test]
fn ready_once_serving_then_status_counts_and_the_watchdog() {
    let d = Daemon::prepare(&format!(
        "{SERVER}[program:up]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:broken]\ncommand=/nonexistent/program\nstartretries=0\n"
    ));
    let systemd = Systemd::at_path(&d);
    let d = d.launch_with(&[], systemd.environment(Some("200000")));
    systemd.until_line("READY=1");
    // READY=1 means the server answers.
    assert!(call(&d, "supervisor.getState", &[]).contains("RUNNING"));
    systemd.until_line("STATUS=1 of 2 programs running, 1 failed");
    // The watchdog is fed every 100 ms (half of WATCHDOG_USEC): three in a row come.
    for _ in 0..3 {
        systemd.until_line("WATCHDOG=1");
    }
    // The child sees neither the socket nor the watchdog: they are the daemon's.
    let pid = common::spawned_pids(&d.log(), "up")[0];
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let environ = String::from_utf8_lossy(&environ);
    let names: Vec<&str> = environ
        .split('\0')
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
        .collect();
    assert!(names.contains(&"SUPERVISOR_ENABLED"), "{names:?}");
    for hidden in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
        assert!(!names.contains(&hidden), "{hidden} in {names:?}");
    }
}

#[test]
fn reloading_on_sighup_and_restart_then_ready_again_and_stopping_at_shutdown() {
    let d = Daemon::prepare(&format!(
        "{SERVER}[program:up]\ncommand=sleep 1000\nstartsecs=0\n"
    ));
    let systemd = Systemd::at_path(&d);
    let mut d = d.launch_with(&[], systemd.environment(None));
    systemd.until_line("READY=1");
    d.signal(Signal::SIGHUP);
    let (reloading, _) = systemd.until_line("RELOADING=1");
    assert!(reloading.contains("\nMONOTONIC_USEC="), "{reloading:?}");
    systemd.until_line("READY=1");
    d.wait_log_count("supervisord started with pid", 2);
    assert!(call(&d, "supervisor.restart", &[]).contains("<boolean>1</boolean>"));
    systemd.until_line("RELOADING=1");
    systemd.until_line("READY=1");
    d.signal(Signal::SIGTERM);
    let (_, before) = systemd.until_line("STOPPING=1");
    assert!(before.iter().all(|m| !m.contains("READY=1")), "{before:?}");
    assert!(d.wait_exit().success());
    // Nothing is said after STOPPING=1 but what the stopping programs change.
    let after = systemd.queued();
    assert!(after.iter().all(|m| m.starts_with("STATUS=")), "{after:?}");
}

#[test]
fn settled_waits_for_the_autostart_programs() {
    let d = Daemon::prepare(&format!(
        "[supervisord]\nsd_notify_ready=settled\n\n{SERVER}\
         [program:slow]\ncommand=sleep 1000\nstartsecs=2\n\n\
         [program:manual]\ncommand=sleep 1000\nautostart=false\n"
    ));
    let systemd = Systemd::at_path(&d);
    let d = d.launch_with(&[], systemd.environment(None));
    let (ready, _) = systemd.until_line("READY=1");
    // Not before startsecs=2 had passed: the program is RUNNING when READY=1 arrives.
    assert_eq!(state_of(&d, "slow"), "RUNNING");
    assert!(
        ready.contains("STATUS=1 of 2 programs running, 0 failed"),
        "{ready:?}"
    );
}

#[test]
fn an_abstract_socket_is_written_to_as_systemd_names_it() {
    let d = Daemon::prepare(SERVER);
    let systemd = Systemd::abstract_name();
    let _d = d.launch_with(&[], systemd.environment(None));
    systemd.until_line("READY=1");
}

#[test]
fn a_flapping_program_does_not_flood_systemd_with_status() {
    let d = Daemon::prepare(&format!(
        "{SERVER}[program:flap]\ncommand=sleep 1000\nstartsecs=0\n"
    ));
    let systemd = Systemd::at_path(&d);
    let d = d.launch_with(&[], systemd.environment(None));
    systemd.until_line("READY=1");
    // Dozens of RUNNING <-> STOPPED flips a second, each seen by the daemon...
    let since = Instant::now();
    let mut flips = 0;
    while since.elapsed() < Duration::from_millis(1500) {
        call(&d, "supervisor.stopProcess", &["flap"]);
        call(&d, "supervisor.startProcess", &["flap"]);
        flips += 2;
    }
    let window = since.elapsed();
    // The last word is RUNNING's, however the seconds fell.
    let (last, before) = systemd.until_line("STATUS=1 of 1 programs running, 0 failed");
    let statuses = before
        .into_iter()
        .chain([last])
        .chain(systemd.queued())
        .filter(|m| m.starts_with("STATUS="))
        .count();
    // ...and at most one STATUS= per second of them, plus the last one, sent when its
    // second was over.
    let allowed = window.as_secs() as usize + 2;
    assert!(
        statuses <= allowed && flips > 4 * allowed,
        "{statuses} STATUS= for {flips} changes in {window:?}"
    );
}

#[test]
fn sd_notify_off_sends_nothing() {
    let d = Daemon::prepare(&format!(
        "[supervisord]\nsd_notify=off\n\n{SERVER}[program:up]\ncommand=sleep 1000\n"
    ));
    let systemd = Systemd::at_path(&d);
    let mut d = d.launch_with(&[], systemd.environment(Some("100000")));
    d.wait_log("success: up entered RUNNING state");
    d.signal(Signal::SIGHUP);
    d.wait_log_count("supervisord started with pid", 2);
    d.signal(Signal::SIGTERM);
    assert!(d.wait_exit().success());
    // Everything the daemon might have sent is queued by now: it has exited.
    assert_eq!(systemd.queued(), Vec::<String>::new());
}
