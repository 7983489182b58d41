//! Programs that other people wrote for Supervisor, driving our daemon as they drive
//! Python's: superlance's `memmon` and `httpok` event listeners (from PyPI, in the test venv)
//! and Debian's `prometheus-node-exporter` with its supervisord collector. Each test checks
//! what a user of that program would look at: a restart done, or metrics that agree with
//! getAllProcessInfo.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::http::{free_port, python, Conn};
use common::py::{rpc_script, CTL_SECTIONS};
use common::{spawned_pids, wait_for, Daemon, DEADLINE};

/// The RPC interface section the superlance listeners' calls need, as in Supervisor's sample.
const RPC: &str = "[rpcinterface:supervisor]\n\
    supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n";

/// A script installed in the test venv (superlance's console scripts).
fn venv_script(name: &str) -> PathBuf {
    python().with_file_name(name)
}

/// TICK_5 comes every 5 s and each listener acts on a tick: allow a few of them.
const A_FEW_TICKS: std::time::Duration = std::time::Duration::from_secs(40);

#[test]
fn memmon_restarts_the_program_over_its_memory_limit() {
    let d = Daemon::start(&format!(
        "{CTL_SECTIONS}{RPC}\
         [program:hog]\ncommand={py} -c \"import time; hog = b'x' * (64 << 20); time.sleep(600)\"\n\
         startsecs=0\n\n\
         [program:small]\ncommand=sleep 600\nstartsecs=0\n\n\
         [eventlistener:memmon]\ncommand={memmon} -p hog=32MB -p small=32MB\nevents=TICK_5\n",
        py = python().display(),
        memmon = venv_script("memmon").display(),
    ));
    wait_for(
        "memmon to restart hog",
        A_FEW_TICKS,
        || (spawned_pids(&d.log(), "hog").len() >= 2).then_some(()),
        || d.log(),
    );
    let log = d.log();
    assert!(
        log.contains("stopped: hog (terminated by SIGTERM)"),
        "{log}"
    );
    assert_eq!(spawned_pids(&log, "small").len(), 1, "{log}");
}

#[test]
fn httpok_restarts_the_program_whose_url_stops_answering_well() {
    let port = free_port();
    let d = Daemon::prepare("");
    // A web server that answers 200 until the file `sick` appears, then 500.
    let server = d.path("server.py");
    std::fs::write(
        &server,
        format!(
            "import http.server, os\n\
             class H(http.server.BaseHTTPRequestHandler):\n    \
             def do_GET(self):\n        \
             code = 500 if os.path.exists({sick:?}) else 200\n        \
             self.send_response(code); self.end_headers(); self.wfile.write(b'hi')\n    \
             def log_message(self, *a): pass\n\
             http.server.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n",
            sick = d.path("sick").display().to_string(),
        ),
    )
    .unwrap();
    std::fs::write(
        &d.conf,
        format!(
            "{}{CTL_SECTIONS}{RPC}\
             [program:web]\ncommand={py} {server}\nstartsecs=0\n\n\
             [eventlistener:httpok]\ncommand={httpok} -p web -t 2 http://127.0.0.1:{port}/\n\
             events=TICK_5\n",
            std::fs::read_to_string(&d.conf).unwrap(),
            py = python().display(),
            server = server.display(),
            httpok = venv_script("httpok").display(),
        ),
    )
    .unwrap();
    let d = d.launch(&[]);
    let answers = |d: &Daemon| {
        wait_for(
            "the web server to answer",
            DEADLINE,
            || {
                std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
                Some(Conn::tcp(port).get("/", "").status)
            },
            || d.log(),
        )
    };
    assert_eq!(answers(&d), 200);
    // Two ticks while it answers well: no restart.
    d.wait_log_count("httpok: BUSY -> ACKNOWLEDGED", 2);
    assert_eq!(spawned_pids(&d.log(), "web").len(), 1, "{}", d.log());

    std::fs::write(d.path("sick"), "").unwrap();
    wait_for(
        "httpok to restart web",
        A_FEW_TICKS,
        || (spawned_pids(&d.log(), "web").len() >= 2).then_some(()),
        || d.log(),
    );
    std::fs::remove_file(d.path("sick")).unwrap();
    assert!(d.log().contains("stopped: web (terminated by SIGTERM)"));
    assert_eq!(answers(&d), 200);
}

/// A running `prometheus-node-exporter`, killed on drop.
struct NodeExporter(Child);

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn node_exporter_supervisord_series_agree_with_get_all_process_info() {
    let d = Daemon::start(&format!(
        "{CTL_SECTIONS}\
         [program:web]\ncommand=sleep 600\nstartsecs=0\n\n\
         [program:once]\ncommand=sh -c 'exit 3'\nstartsecs=0\nautorestart=false\n\n\
         [program:worker]\ncommand=sleep 600\nprocess_name=%(program_name)s_%(process_num)d\n\
         numprocs=2\nstartsecs=0\n\n\
         [program:off]\ncommand=sleep 600\nautostart=false\n"
    ));
    d.wait_log("exited: once (exit status 3; not expected)");
    for name in ["web", "worker_0", "worker_1"] {
        d.wait_log(&format!("success: {name} entered RUNNING state"));
    }
    let port = free_port();
    let _exporter = NodeExporter(
        Command::new("/usr/bin/prometheus-node-exporter")
            .arg("--collector.disable-defaults")
            .arg("--collector.supervisord")
            .arg(format!(
                "--collector.supervisord.url=unix://{}",
                d.socket().display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run prometheus-node-exporter (scripts/setup-test-deps.sh installs it)"),
    );
    let metrics = wait_for(
        "node_exporter's metrics",
        DEADLINE,
        || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
            let text = Conn::tcp(port).get("/metrics", "").text();
            text.contains("node_supervisord_state").then_some(text)
        },
        || d.log(),
    );
    assert!(
        metrics.contains("node_scrape_collector_success{collector=\"supervisord\"} 1"),
        "{metrics}"
    );

    let info = rpc_script(&d, "done(s.supervisor.getAllProcessInfo())");
    let processes = info.as_array().unwrap();
    assert_eq!(processes.len(), 5);
    for p in processes {
        let labels = format!(
            "group=\"{}\",name=\"{}\"",
            p["group"].as_str().unwrap(),
            p["name"].as_str().unwrap()
        );
        let series = |metric: &str| sample(&metrics, metric, &labels);
        let state = p["state"].as_i64().unwrap();
        assert_eq!(
            series("node_supervisord_state"),
            Some(state as f64),
            "{labels}"
        );
        assert_eq!(
            series("node_supervisord_exit_status"),
            Some(p["exitstatus"].as_i64().unwrap() as f64),
            "{labels}"
        );
        let running = state == 20;
        assert_eq!(
            series("node_supervisord_up"),
            Some(if running { 1.0 } else { 0.0 }),
            "{labels}"
        );
        if running {
            assert_eq!(
                series("node_supervisord_start_time_seconds"),
                Some(p["start"].as_i64().unwrap() as f64),
                "{labels}"
            );
        }
    }
}

/// The value of `metric{labels}` in a Prometheus text exposition.
fn sample(text: &str, metric: &str, labels: &str) -> Option<f64> {
    let key = format!("{metric}{{{labels}}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(key.as_str()))
        .and_then(|value| value.trim().parse().ok())
}
