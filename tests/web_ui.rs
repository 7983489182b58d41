//! The web UI (issue #5). Two halves:
//! - Supervisor's URL contract, over raw HTTP: the status page, `?action=` redirects with
//!   web.py's messages, `/tail.html`, `/ok.html`, the JSON action and the API's event stream.
//! - A real browser: headless Debian Chromium driven by playwright-core (`tests/web/ui.mjs`)
//!   clicks stop and start, watches states change without a reload, follows a tail, restarts
//!   all, sees CPU and memory charts fill, and saves screenshots under `target/screenshots/`. Missing Chromium, Node or
//!   playwright-core fails the test with the command that installs them; it never skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::http::{basic_auth, free_port, Conn};
use common::{Daemon, DEADLINE};

const PROGRAMS: &str = "\
[program:clock]
command=sh -c 'i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.2; done'

[program:web]
command=sleep 1000

[program:worker]
command=sleep 1000
process_name=%(program_name)s_%(process_num)d
numprocs=2

[program:broken]
command=/nonexistent/binary
startretries=0

[program:idle]
command=sleep 1000
autostart=false
";

/// A daemon with PROGRAMS on a TCP server with credentials; returns it and its port.
fn daemon(programs: &str) -> (Daemon, u16) {
    // The port is free when picked, but another test (or a browser's debugging port) may take
    // it before the daemon binds it: then the daemon exits at once, and another port is tried.
    let mut attempts = 0;
    loop {
        let port = free_port();
        let d = Daemon::prepare(&format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\nusername=admin\npassword=s3cret\n\n{programs}"
        ));
        // Room for 1 000 children: four descriptors each, plus their log files. A sample a
        // second, so that charts fill while the browser watches.
        let conf = std::fs::read_to_string(&d.conf).expect("read config");
        std::fs::write(
            &d.conf,
            conf.replacen(
                "[supervisord]\n",
                "[supervisord]\nminfds=8192\nmetrics_sample_interval=1\n",
                1,
            ),
        )
        .expect("write config");
        match d.try_launch(&[]) {
            Ok(d) => return (d, port),
            Err(stderr) if stderr.contains("already listening") && attempts < 3 => attempts += 1,
            Err(stderr) => panic!("supervisord exited at start-up:\n{stderr}"),
        }
    }
}

fn get(port: u16, path: &str) -> common::http::Response {
    Conn::tcp(port).get(path, &basic_auth("admin", "s3cret"))
}

fn wait_state(d: &Daemon, port: u16, name: &str, state: &str) {
    let needle = format!("data-name=\"{name}\" data-s=\"{state}\"");
    common::wait_for(
        &format!("{name} {state} on the status page"),
        DEADLINE,
        || get(port, "/").text().contains(&needle).then_some(()),
        || d.log(),
    );
}

#[test]
fn status_page_keeps_supervisors_url_contract() {
    let (d, port) = daemon(PROGRAMS);
    wait_state(&d, port, "web", "running");

    // Auth applies to the UI as to everything else.
    let denied = Conn::tcp(port).get("/", "");
    assert_eq!(denied.status, 401);

    let page = get(port, "/index.html");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html;charset=utf-8"));
    let text = page.text();
    for needle in [
        "href=\"tail.html?processname=worker%3Aworker_0\"",
        "href=\"index.html?processname=web&amp;action=stop\"",
        "href=\"index.html?action=restartall\"",
        "href=\"index.html?action=stopall\"",
        "data-name=\"idle\" data-s=\"stopped\"",
    ] {
        assert!(text.contains(needle), "no {needle} in the page");
    }

    let stop = get(port, "/index.html?processname=web&action=stop");
    assert_eq!(stop.status, 301);
    assert_eq!(
        stop.header("location"),
        Some("http://localhost/?message=Process%20web%20stopped")
    );
    wait_state(&d, port, "web", "stopped");
    let shown = get(port, "/?message=Process%20web%20stopped").text();
    assert!(shown.contains("class=\"msg ok\" role=\"status\">Process web stopped</div>"));

    // A form POST, as the old page's form sends.
    let mut conn = Conn::tcp(port);
    let body = b"processname=web&action=start";
    conn.request(
        "POST",
        "/",
        &format!(
            "{}Content-Type: application/x-www-form-urlencoded\r\n",
            basic_auth("admin", "s3cret")
        ),
        Some(body),
    );
    let start = conn.response();
    assert_eq!(start.status, 301);
    assert!(start
        .header("location")
        .unwrap()
        .ends_with("/?message=Process%20web%20started"));

    let location = |path: &str| get(port, path).header("location").unwrap_or("").to_string();
    assert!(location("/?processname=web&action=start")
        .ends_with("?message=ERROR%3A%20Process%20web%3A%20already%20started"));
    assert!(location("/?processname=nope&action=stop")
        .ends_with("?message=No%20such%20process%20named%20nope"));
    assert!(location("/?processname=idle&action=stop")
        .ends_with("?message=unexpected%20rpc%20fault%20%5B70%5D%20NOT_RUNNING%3A%20idle"));
    assert!(location("/?processname=web&action=clearlog")
        .ends_with("?message=Log%20for%20web%20cleared"));
    assert!(location("/?action=refresh").contains("?message=Page%20refreshed%20at%20"));
    assert_eq!(get(port, "/?action=explode").status, 500);
    assert_eq!(get(port, "/?action=stop").status, 500);

    // tail.html: the last >= 1024 bytes of stdout, and Supervisor's refresh link.
    let tail = get(port, "/tail.html?processname=clock&limit=10").text();
    assert!(tail.contains("<title>Supervisor tail of process clock</title>"));
    assert!(tail.contains("tick 1\n"));
    assert!(tail.contains("href=\"tail.html?processname=clock&amp;limit=1024\""));
    assert!(get(port, "/tail.html")
        .text()
        .contains("No process name found"));
    assert!(get(port, "/tail.html?processname=nope")
        .text()
        .contains("ERROR: unexpected rpc fault [10] BAD_NAME: nope"));

    let ok = get(port, "/ok.html");
    assert_eq!((ok.status, ok.text().as_str()), (200, "OK"));
    assert_eq!(get(port, "/nothing.html").status, 404);
}

#[test]
fn action_endpoint_and_event_stream() {
    let (d, port) = daemon(PROGRAMS);
    wait_state(&d, port, "web", "running");
    let auth = basic_auth("admin", "s3cret");

    let mut events = Conn::tcp(port);
    events.request("GET", "/api/v1/events", &auth, None);
    let head = events.head();
    assert_eq!(head.header("content-type"), Some("text/event-stream"));
    let first = events.chunks_until("\n\n");
    assert!(
        first.contains("event: snapshot\ndata: {\"now\":"),
        "{first}"
    );
    assert!(first.contains("\"namespec\":\"worker:worker_1\""));

    let mut conn = Conn::tcp(port);
    conn.request(
        "POST",
        "/ui/action",
        &auth,
        Some(b"action=stop&processname=web"),
    );
    let reply = conn.response();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.text(),
        r#"{"ok":true,"message":"Process web stopped"}"#
    );
    let change = events.chunks_until("\"statename\":\"STOPPED\"");
    assert!(change.contains("event: change"), "{change}");

    let mut conn = Conn::tcp(port);
    conn.request("POST", "/ui/action", &auth, Some(b"action=launch"));
    assert_eq!(conn.response().status, 400);
}

/// Runs `tests/web/ui.mjs <scenario>` against `port`; panics with its output on failure.
fn browser(port: u16, scenario: &str, d: &Daemon) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let setup = "run scripts/setup-test-deps.sh (it installs Debian's chromium, and \
                 playwright-core with npm)";
    assert!(chromium.exists(), "no {}: {setup}", chromium.display());
    assert!(
        root.join("node_modules/playwright-core").exists(),
        "no node_modules/playwright-core: {setup}"
    );
    let output = Command::new("node")
        .arg(root.join("tests/web/ui.mjs"))
        .arg(scenario)
        .current_dir(root)
        .env("BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("UI_USER", "admin")
        .env("UI_PASS", "s3cret")
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOTS", root.join("target/screenshots"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): {setup}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{text}");
    assert!(
        output.status.success(),
        "browser scenario {scenario} failed:\n{text}\n--- main log ---\n{}",
        d.log()
    );
}

#[test]
fn browser_stop_start_tail_restart_all() {
    let (d, port) = daemon(PROGRAMS);
    wait_state(&d, port, "web", "running");
    browser(port, "status", &d);
}

#[test]
fn browser_with_a_thousand_processes() {
    let (d, port) = daemon(
        "[program:many]\ncommand=sleep 1000\nprocess_name=%(program_name)s_%(process_num)04d\n\
         numprocs=1000\nautostart=false\nstartsecs=0\n",
    );
    browser(port, "scale", &d);
}
