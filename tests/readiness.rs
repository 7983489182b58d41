//! Readiness end to end: a child that sends READY=1 late on its own NOTIFY_SOCKET, one that
//! never does, and health checks (a command, HTTP, TCP) that fail and recover, seen in the
//! main log, by a real `childutils` listener, by our supervisorctl and over RPC, while the
//! stock supervisorctl's status stays Supervisor's.

mod common;

use std::process::Command;

use common::http::python;
use common::py::{ctl, rpc_script, CTL_SECTIONS};
use common::{alive, spawned_pids, wait_for, Daemon, DEADLINE};

/// Sleeps `argv[1]` seconds, sends READY=1 to $NOTIFY_SOCKET as sd_notify(3) does, then
/// stays up.
const NOTIFIER: &str = r#"
import os, socket, sys, time
time.sleep(float(sys.argv[1]))
addr = os.environ['NOTIFY_SOCKET']
if addr.startswith('@'):
    addr = '\0' + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b'STATUS=warming up\nREADY=1\n', addr)
time.sleep(1000)
"#;

/// A `childutils` listener appending `EVENTNAME payload` lines to `argv[1]`.
const LISTENER: &str = r#"
import sys
from supervisor import childutils
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    with open(sys.argv[1], 'a') as f:
        f.write(headers['eventname'] + ' ' + payload + '\n')
    childutils.listener.ok(sys.stdout)
"#;

/// Answers GET with 200 while the file `argv[2]` exists, else 500, on port `argv[1]`; over
/// TLS with the certificate and key in `argv[3]`, if given.
const HEALTH_SERVER: &str = r#"
import http.server, os, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if os.path.exists(sys.argv[2]) else 500)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler)
if len(sys.argv) > 3:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"#;

fn write(d: &Daemon, name: &str, text: &str) {
    std::fs::write(d.path(name), text).unwrap();
}

fn py() -> String {
    python().display().to_string()
}

/// A TCP port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_late_ready_holds_starting_and_the_waiting_start_until_it_arrives() {
    let d = Daemon::prepare(&format!(
        "[program:late]\ncommand={py} %(here)s/notifier.py 2\nready_notify=sd_notify\n\
         startsecs=20\nautostart=false\n\n{CTL_SECTIONS}",
        py = py()
    ));
    write(&d, "notifier.py", NOTIFIER);
    let d = d.launch(&[]);
    let started = std::time::Instant::now();
    let start = ctl(&d, &["start", "late"]);
    assert!(start.stdout.contains("late: started"), "{start:?}");
    // startsecs is 20: only READY=1 can have ended STARTING this soon, and not before the
    // child's 2 s of sleep.
    let took = started.elapsed().as_secs_f64();
    assert!(
        (2.0..15.0).contains(&took),
        "start took {took} s\n{}",
        d.log()
    );
    let pid = spawned_pids(&d.log(), "late")[0];
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(
        environ
            .split(|&b| b == 0)
            .any(|kv| kv.starts_with(b"NOTIFY_SOCKET=@supervisord/")),
        "the child has its own notify socket"
    );
}

#[test]
fn no_ready_within_startsecs_stops_the_child_backs_off_and_gives_up() {
    let d = Daemon::start(
        "[program:mute]\ncommand=sleep 1000\nready_notify=sd_notify\nstartsecs=1\n\
         startretries=1\nstopwaitsecs=1\n",
    );
    let log = d.wait_log("gave up: mute entered FATAL state");
    assert_eq!(
        log.matches("not ready: mute sent no READY=1 within 1 seconds (startsecs)")
            .count(),
        2,
        "{log}"
    );
    for pid in spawned_pids(&log, "mute") {
        assert!(!alive(pid), "{pid} left running");
    }
}

#[test]
fn a_failing_health_check_restarts_and_recovers_seen_by_a_childutils_listener() {
    let d = Daemon::prepare(&format!(
        "[eventlistener:watch]\ncommand={py} %(here)s/listener.py %(here)s/events.txt\n\
         events=PROCESS_HEALTH\n\n\
         [program:web]\ncommand=sleep 1000\nstartsecs=0\n\
         healthcheck_command=test -f %(here)s/ok\nhealthcheck_interval=1\n\
         healthcheck_retries=2\n\n{CTL_SECTIONS}",
        py = py()
    ));
    write(&d, "listener.py", LISTENER);
    write(&d, "ok", "");
    let d = d.launch(&[]);
    d.wait_log("health: web is healthy");
    // Our client shows the health; the stock one shows Supervisor's table.
    let ours = Command::new(common::bin())
        .args(["ctl", "-c"])
        .arg(&d.conf)
        .arg("status")
        .output()
        .unwrap();
    let ours = String::from_utf8_lossy(&ours.stdout);
    assert!(ours.contains("RUNNING (healthy) pid "), "{ours}");
    let stock = ctl(&d, &["status", "web"]).stdout;
    assert!(
        stock.contains("RUNNING   pid ") && !stock.contains("health"),
        "{stock}"
    );
    let health = rpc_script(&d, "done(s.health.getProcessHealth('web'))");
    assert_eq!(health["health"], "healthy");
    assert_eq!(health["ready"], true);

    std::fs::remove_file(d.path("ok")).unwrap();
    d.wait_log("health: web is unhealthy after 2 failed checks in a row; restarting it");
    write(&d, "ok", "");
    let log = d.wait_log_count("health: web is healthy", 2);
    assert!(spawned_pids(&log, "web").len() >= 2, "{log}");
    assert!(
        log.contains("health check of web: failed (exit status 1)"),
        "{log}"
    );
    let events = wait_for(
        "three health events",
        DEADLINE,
        || {
            let text = std::fs::read_to_string(d.path("events.txt")).unwrap_or_default();
            (text.lines().count() >= 3).then_some(text)
        },
        || d.log(),
    );
    let names: Vec<&str> = events
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        names[..3],
        [
            "PROCESS_HEALTH_HEALTHY",
            "PROCESS_HEALTH_UNHEALTHY",
            "PROCESS_HEALTH_HEALTHY"
        ],
        "{events}"
    );
    assert!(
        events.contains("processname:web groupname:web pid:"),
        "{events}"
    );
}

#[test]
fn http_and_tcp_health_checks() {
    let port = free_port();
    let d = Daemon::prepare(&format!(
        "[program:api]\ncommand={py} %(here)s/server.py {port} %(here)s/ok\nstartsecs=0\n\
         healthcheck_url=http://127.0.0.1:{port}/health\nhealthcheck_interval=1\n\
         healthcheck_retries=1\nhealthcheck_action=none\nhealthcheck_start_period=3\n\n\
         [program:db]\ncommand=sleep 1000\nstartsecs=0\n\
         healthcheck_url=tcp://127.0.0.1:{port}\nhealthcheck_interval=1\n\
         healthcheck_start_period=3\n",
        py = py()
    ));
    write(&d, "server.py", HEALTH_SERVER);
    write(&d, "ok", "");
    let d = d.launch(&[]);
    d.wait_log("health: api is healthy");
    let log = d.wait_log("health: db is healthy");
    // The server's first moments fall in the start period: refusals there do not count.
    assert!(!log.contains("unhealthy"), "{log}");
    std::fs::remove_file(d.path("ok")).unwrap();
    let log = d.wait_log("health: api is unhealthy after 1 failed checks in a row");
    assert!(
        log.contains("health check of api: failed (HTTP 500)"),
        "{log}"
    );
    write(&d, "ok", "");
    let log = d.wait_log_count("health: api is healthy", 2);
    // action=none: the server was never restarted.
    assert_eq!(spawned_pids(&log, "api").len(), 1, "{log}");
}

#[test]
fn an_https_check_accepts_a_self_signed_certificate_and_reads_the_status() {
    let port = free_port();
    let d = Daemon::prepare(&format!(
        "[program:secure]\ncommand={py} %(here)s/server.py {port} %(here)s/ok %(here)s/cert.pem\n\
         startsecs=0\nhealthcheck_url=https://localhost:{port}/health\n\
         healthcheck_interval=1\nhealthcheck_retries=1\nhealthcheck_action=none\n\
         healthcheck_start_period=3\n",
        py = py()
    ));
    write(&d, "server.py", HEALTH_SERVER);
    write(&d, "ok", "");
    let cert = d.path("cert.pem");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&cert)
        .arg("-out")
        .arg(d.path("only-cert.pem"))
        .output()
        .expect("openssl (Debian package openssl) must be installed");
    assert!(made.status.success(), "{made:?}");
    // One file with the key and the certificate, for load_cert_chain.
    let only_cert = std::fs::read_to_string(d.path("only-cert.pem")).unwrap();
    let key = std::fs::read_to_string(&cert).unwrap();
    std::fs::write(&cert, key + &only_cert).unwrap();
    let d = d.launch(&[]);
    d.wait_log("health check of secure: passed (HTTP 200)");
    std::fs::remove_file(d.path("ok")).unwrap();
    d.wait_log("health check of secure: failed (HTTP 500)");
}

#[test]
fn a_dependent_waits_until_its_dependency_is_healthy() {
    let d = Daemon::start(
        "[program:db]\ncommand=sleep 1000\nstartsecs=0\n\
         healthcheck_command=test -f %(here)s/ok\nhealthcheck_interval=1\n\
         healthcheck_action=none\n\n\
         [program:web]\ncommand=sleep 1000\nstartsecs=0\ndepends_on=db\n",
    );
    d.wait_log("success: db entered RUNNING state");
    // RUNNING is not ready while the check has not passed: web is held back.
    d.wait_log_count("health check of db: failed", 2);
    assert!(!d.log().contains("spawned: 'web'"), "{}", d.log());
    write(&d, "ok", "");
    let log = d.wait_log("spawned: 'web'");
    assert!(
        log.find("health: db is healthy") < log.find("spawned: 'web'"),
        "{log}"
    );
}

#[test]
fn a_tcp_check_reads_no_environment_file() {
    let port = free_port();
    let d = Daemon::prepare(&format!(
        "[program:api]\ncommand={py} %(here)s/server.py {port} %(here)s/ok\nstartsecs=0\n\
         environment_file=%(here)s/api.env\nhealthcheck_url=tcp://127.0.0.1:{port}\n\
         healthcheck_interval=1\nhealthcheck_retries=1\nhealthcheck_start_period=3\n",
        py = py()
    ));
    write(&d, "server.py", HEALTH_SERVER);
    write(&d, "api.env", "MODE=test\n");
    let d = d.launch(&[]);
    d.wait_log("health: api is healthy");
    // The spawn needed the file; a TCP probe does not, so its loss changes nothing.
    std::fs::remove_file(d.path("api.env")).unwrap();
    let log = d.wait_log_count("health check of api: passed (connected)", 3);
    assert!(!log.contains("environment_file"), "{log}");
}

#[test]
fn a_check_command_runs_as_the_programs_user_with_its_umask() {
    if !nix::unistd::Uid::current().is_root() {
        return; // user= needs root; daemon.rs covers the refusal.
    }
    let nobody = nix::unistd::User::from_name("nobody")
        .unwrap()
        .expect("user nobody");
    let d = Daemon::start(&format!(
        "[program:api]\ncommand=sleep 1000\nstartsecs=0\nuser=nobody\numask=027\n\
         healthcheck_command=echo \"as $(id -u):$(id -g) umask $(umask)\"; \
         test \"$(id -u)\" = {uid} && test \"$(umask)\" = 0027\n\
         healthcheck_interval=1\nhealthcheck_retries=1\n",
        uid = nobody.uid
    ));
    let log = d.wait_log("health: api is healthy");
    let expected = format!("as {}:{} umask 0027", nobody.uid, nobody.gid);
    assert!(log.contains(&expected), "{log}");
}
