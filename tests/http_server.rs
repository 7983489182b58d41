//! The HTTP servers themselves: the unix socket's life (chmod, stale file, a second daemon
//! refused, removal at exit), TCP, Basic auth per server, the /RPC2 transport rules
//! (400/411/413, keep-alive), /ok.html, 404s, and sockets across a restart.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::http::{basic_auth, free_port, python, Conn};
use common::{bin, wait_for, Daemon, DEADLINE};
use nix::sys::signal::Signal;

const UNIX: &str = "[unix_http_server]\nfile=%(here)s/supervisor.sock\n";
const GET_VERSION: &[u8] =
    b"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getVersion\
    </methodName>\n<params>\n</params>\n</methodCall>\n";

fn ok_html(conn: &mut Conn, auth: &str) -> u16 {
    conn.get("/ok.html", auth).status
}

#[test]
fn unix_socket_is_chmodded_answers_and_is_removed_at_exit() {
    let mut d = Daemon::start(&format!("{UNIX}chmod=0766\n"));
    let mode = std::fs::metadata(d.socket()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o766, "socket mode {mode:o}");
    let reply = Conn::unix(&d.socket()).get("/ok.html", "");
    assert_eq!((reply.status, reply.text().as_str()), (200, "OK"));
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    let log = d.log();
    assert!(
        log.contains(
            "CRIT Server 'unix_http_server' running without any HTTP authentication checking"
        ),
        "{log}"
    );
    d.signal(Signal::SIGTERM);
    assert!(d.wait_exit().success());
    assert!(!d.socket().exists(), "socket file left behind");
}

#[test]
fn stale_socket_is_replaced() {
    let d = Daemon::prepare(UNIX);
    // A socket file nobody listens on any more, as a killed daemon leaves it.
    drop(std::os::unix::net::UnixListener::bind(d.socket()).unwrap());
    let d = d.launch(&[]);
    assert_eq!(ok_html(&mut Conn::unix(&d.socket()), ""), 200);
}

#[test]
fn a_second_daemon_on_the_same_socket_is_refused() {
    let d = Daemon::start(UNIX);
    let mut second = Command::new(bin())
        .args(["-n", "-c"])
        .arg(&d.conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_for(
        "the second daemon to give up",
        DEADLINE,
        || second.try_wait().unwrap(),
        || d.log(),
    );
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "Error: Another program is already listening on a port that one of our HTTP \
             servers is configured to use.  Shut this program down first before starting \
             supervisord.\n"
        ),
        "{stderr}"
    );
    // The first daemon still owns its socket.
    assert_eq!(ok_html(&mut Conn::unix(&d.socket()), ""), 200);
}

#[test]
fn tcp_server_on_an_ephemeral_port() {
    let port = free_port();
    let d = Daemon::start(&format!("[inet_http_server]\nport=127.0.0.1:{port}\n"));
    assert_eq!(ok_html(&mut Conn::tcp(port), ""), 200);
    let log = d.log();
    assert!(
        log.contains(
            "CRIT Server 'inet_http_server' running without any HTTP authentication checking"
        ),
        "{log}"
    );
}

#[test]
fn a_taken_port_is_refused() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let d = Daemon::prepare(&format!("[inet_http_server]\nport=127.0.0.1:{port}\n"));
    let out = Command::new(bin())
        .args(["-n", "-c"])
        .arg(&d.conf)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Another program is already listening"),
        "{stderr}"
    );
}

/// Every route of a server with credentials asks for them; the right ones (clear or {SHA})
/// pass; each server keeps its own.
#[test]
fn basic_auth_per_server() {
    let port = free_port();
    // sha1("secret") = e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n\n\
         [unix_http_server]\nfile=%(here)s/supervisor.sock\nusername=admin\n\
         password={{SHA}}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4\n\n\
         [rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
         [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"
    ));
    d.wait_log("success: sleeper entered RUNNING state");
    let tcp_ok = basic_auth("user", "123");
    let unix_ok = basic_auth("admin", "secret");
    for (name, connect, good, wrong) in [
        (
            "tcp",
            &(|| Conn::tcp(port)) as &dyn Fn() -> Conn,
            &tcp_ok,
            &unix_ok,
        ),
        ("unix", &|| Conn::unix(&d.socket()), &unix_ok, &tcp_ok),
    ] {
        for path in [
            "/ok.html",
            "/RPC2",
            "/logtail/sleeper",
            "/mainlogtail",
            "/nothing",
        ] {
            for auth in [
                "",
                wrong.as_str(),
                &basic_auth("user", ""),
                "Authorization: Digest x\r\n",
            ] {
                let reply = connect().get(path, auth);
                assert_eq!(reply.status, 401, "{name} {path} {auth:?}");
                assert_eq!(
                    reply.header("www-authenticate"),
                    Some("Basic realm=\"default\""),
                    "{name} {path}"
                );
            }
        }
        let reply = connect().get("/ok.html", good);
        assert_eq!((reply.status, reply.text().as_str()), (200, "OK"), "{name}");
        // Authenticated, the other routes answer as they would without auth.
        assert_eq!(connect().get("/RPC2", good).status, 400, "{name}");
        assert_eq!(connect().get("/nothing", good).status, 404, "{name}");
    }
    let log = d.log();
    assert!(
        !log.contains("running without any HTTP authentication"),
        "{log}"
    );
    // Supervisor logs each interface once per server.
    assert_eq!(
        log.matches("INFO RPC interface 'supervisor' initialized")
            .count(),
        2,
        "{log}"
    );
}

#[test]
fn rpc2_transport_rules() {
    let d = Daemon::start(UNIX);
    let sock = d.socket();
    // Not POST: 400, on /RPC2 and below it (Supervisor matches the prefix).
    assert_eq!(Conn::unix(&sock).get("/RPC2", "").status, 400);
    assert_eq!(Conn::unix(&sock).get("/RPC2/sub", "").status, 400);
    // No Content-Length: 411, also for a chunked body.
    let mut c = Conn::unix(&sock);
    c.send(b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert_eq!(c.response().status, 411);
    let mut c = Conn::unix(&sock);
    c.send(b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assert_eq!(c.response().status, 411);
    // Too large: 413 before the body is read, and the connection is closed.
    let mut c = Conn::unix(&sock);
    c.send(b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40000000\r\n\r\n");
    let reply = c.response();
    assert_eq!(reply.status, 413);
    assert!(reply.text().contains("Request Entity Too Large"));
    assert!(c.closed_within(DEADLINE));
}

/// Several requests on one connection, as supervisorctl and childutils listeners make them.
#[test]
fn keep_alive_over_one_connection() {
    let d = Daemon::start(UNIX);
    let mut c = Conn::unix(&d.socket());
    let mut statuses = Vec::new();
    for _ in 0..2 {
        c.request(
            "POST",
            "/RPC2",
            "Content-Type: text/xml\r\n",
            Some(GET_VERSION),
        );
        let reply = c.response();
        assert_ne!(reply.header("connection"), Some("close"));
        if reply.status == 200 {
            assert_eq!(reply.header("content-type"), Some("text/xml"));
            assert!(
                reply.text().contains("<methodResponse>"),
                "{}",
                reply.text()
            );
        }
        statuses.push(reply.status);
    }
    // 200 once methods.rs answers getVersion; the transport is what is tested here.
    assert_eq!(statuses[0], statuses[1]);
    assert!(matches!(statuses[0], 200 | 400), "{statuses:?}");
    assert_eq!(ok_html(&mut c, ""), 200);
}

/// A body that comes after its head, a piece at a time (a slow client, or one writing head
/// and body apart), is waited for and answered like one sent in a single write.
#[test]
fn a_body_sent_in_pieces_after_its_head_is_answered() {
    let d = Daemon::start(UNIX);
    let mut c = Conn::unix(&d.socket());
    let head = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
        GET_VERSION.len()
    );
    c.send(head.as_bytes());
    let (first, rest) = GET_VERSION.split_at(GET_VERSION.len() / 2);
    for piece in [first, rest] {
        std::thread::sleep(Duration::from_millis(200));
        c.send(piece);
    }
    let reply = c.response();
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("<string>"), "{}", reply.text());
}

/// The stock client's own connection class over AF_UNIX (Host: localhost) reuses its socket.
#[test]
fn python_client_keeps_its_unix_connection() {
    let d = Daemon::start(UNIX);
    let script = "import sys\n\
        from supervisor.xmlrpc import UnixStreamHTTPConnection\n\
        c = UnixStreamHTTPConnection('localhost')\n\
        c.socketfile = sys.argv[1]\n\
        socks = []\n\
        for _ in range(3):\n\
        \x20   c.request('GET', '/ok.html')\n\
        \x20   r = c.getresponse()\n\
        \x20   assert (r.status, r.read()) == (200, b'OK'), r.status\n\
        \x20   socks.append(id(c.sock))\n\
        assert len(set(socks)) == 1, socks\n\
        print('same connection')\n";
    let out = Command::new(python())
        .args(["-c", script])
        .arg(d.socket())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "same connection\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ok_html_and_not_found() {
    let d = Daemon::start(UNIX);
    let sock = d.socket();
    let mut c = Conn::unix(&sock);
    c.request("POST", "/ok.html", "", Some(b"a=b"));
    assert_eq!(c.response().text(), "OK");
    assert_eq!(Conn::unix(&sock).get("/ok.html?x=1", "").status, 200);
    // "/" is the status page since the web UI (#5); see tests/web_ui.rs.
    for path in ["/ok.htmlx", "/index.htm", "/images/icon.png", "/ui/nothing"] {
        let reply = Conn::unix(&sock).get(path, "");
        assert_eq!(reply.status, 404, "{path}");
        assert!(
            reply.text().contains("<p>Error code 404."),
            "{}",
            reply.text()
        );
    }
    let mut c = Conn::unix(&sock);
    c.request("PUT", "/ok.html", "", Some(b""));
    assert_eq!(c.response().status, 404);
}

/// A half-open client that never finishes its request head holds up nobody.
#[test]
fn a_silent_client_does_not_block_others() {
    let d = Daemon::start(UNIX);
    let mut silent = Conn::unix(&d.socket());
    silent.send(b"GET /ok.html HTTP/1.1\r\nHost: loc");
    assert_eq!(ok_html(&mut Conn::unix(&d.socket()), ""), 200);
    drop(silent);
}

/// A restart keeps the unix socket (same options), opens a newly configured TCP server, and
/// each answers from the new run.
#[test]
fn sockets_across_a_restart() {
    let d = Daemon::start(UNIX);
    let mut kept = Conn::unix(&d.socket());
    assert_eq!(ok_html(&mut kept, ""), 200);
    let port = free_port();
    let conf = std::fs::read_to_string(&d.conf).unwrap();
    std::fs::write(
        &d.conf,
        format!(
            "{conf}\n[inet_http_server]\nport=127.0.0.1:{port}\nusername=u\npassword=p\n\n\
             [program:late]\ncommand=sleep 1000\nstartsecs=0\n"
        ),
    )
    .unwrap();
    d.signal(Signal::SIGHUP);
    d.wait_log("success: late entered RUNNING state");
    assert_eq!(ok_html(&mut Conn::unix(&d.socket()), ""), 200);
    assert_eq!(ok_html(&mut Conn::tcp(port), ""), 401);
    assert_eq!(ok_html(&mut Conn::tcp(port), &basic_auth("u", "p")), 200);
    // The new run's Registry answers: the program added by the restart is known.
    let mut tail = Conn::unix(&d.socket());
    tail.request("GET", "/logtail/late", "", None);
    assert_eq!(tail.head().status, 200);
    // A connection from the old run was closed with it.
    assert!(kept.closed_within(Duration::from_secs(5)));
}
