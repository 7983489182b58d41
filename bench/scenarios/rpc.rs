//! XML-RPC and HTTP from the client's side: calls per second over one or many kept-alive
//! connections, and the latency of log tails.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{latencies, Figure, Scale};
use crate::client::{first_byte, Client};
use crate::daemons::{Daemon, Kind};

/// Calls of `method` per second over `connections` kept-alive connections, one client thread
/// each, for a 2 s window. Calls still under way when the window closes are waited for and
/// counted, so a daemon that answers slower than the window is still measured.
pub fn calls_per_second(socket: &Path, connections: usize, method: &str) -> f64 {
    let window = Duration::from_secs(2);
    let start = Instant::now();
    let calls: usize = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..connections)
            .map(|_| {
                scope.spawn(|| {
                    let mut client = Client::new(socket);
                    let mut calls = 0;
                    while start.elapsed() < window {
                        client.call_raw(method, &[]).expect(method);
                        calls += 1;
                    }
                    calls
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().expect("client")).sum()
    });
    calls as f64 / start.elapsed().as_secs_f64()
}

pub fn tail_latency(kind: Kind, _: Scale) -> Vec<Figure> {
    let mut d = Daemon::start(
        kind,
        "[program:talker]\ncommand=sh -c 'seq 1 5000; exec sleep 100000'\nstartsecs=0\n\
         stdout_logfile=%(here)s/talker.log\n",
    );
    let log = d.path("talker.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) < 20_000
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (rpc, _) = latencies(200, || {
        d.client
            .call(
                "supervisor.tailProcessStdoutLog",
                &["talker".into(), 0.into(), 1024.into()],
            )
            .expect("tail");
    });
    let socket = d.path("sock");
    let (http, _) = latencies(50, || {
        first_byte(&socket, "/logtail/talker").expect("logtail");
    });
    d.stop();
    vec![
        Figure::new("tailProcessStdoutLog latency, median", "ms", rpc),
        Figure::new("GET /logtail first byte, median", "ms", http),
    ]
}
