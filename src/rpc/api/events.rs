//! `GET /api/v1/events`: the live feed, as server-sent events (the status page is its first
//! client).
//!
//! Why SSE and not polling: the Registry already hears every state change, so the stream
//! forwards exactly those ([`Watch`]), and an idle page costs nothing but a keep-alive comment
//! every [`KEEPALIVE`] and, while it is open, one resource sample per period. Polling would
//! ask for all 1 000 snapshots every second per open page, to find the few that changed.
//!
//! The stream: `snapshot` first (every process, as `/api/v1/processes` lists them), then
//! `change` (one or more processes, as they change), `removed` (a group went away), a fresh
//! `snapshot` whenever this client fell too far behind to be told change by change, and
//! `resources` (the recent figures of every sampled process first, then each period the
//! newest). Changes that arrive together go out in one write, so a restart of 1 000
//! processes is a few dozen chunks, not 3 000.

use std::borrow::Borrow;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use super::process::{self, SampleView};
use crate::actors::registry::{AllInfo, Change, Watch};
use crate::model::ProcessInfo;
use crate::rpc::http::error_page;
use crate::rpc::json::to_string;
use crate::rpc::resources::Viewer;
use crate::rpc::Backend;

/// How often an idle stream sends a comment, so proxies and the browser keep it open.
const KEEPALIVE: Duration = Duration::from_secs(20);
/// The most changes one write carries.
const BATCH: usize = 512;
/// The samples per process the first `resources` event carries: what a chart shows.
const CHART_POINTS: usize = 60;

/// Starts a client's stream: subscribe first, then snapshot, so no change falls between
/// the two (one that lands in both is sent twice, which the page takes in its stride).
pub async fn stream(backend: &Backend) -> HttpResponse {
    let Ok(changes) = backend.registry.send(Watch).await else {
        return error_page(StatusCode::SERVICE_UNAVAILABLE);
    };
    let Ok(all) = backend.registry.send(AllInfo).await else {
        return error_page(StatusCode::SERVICE_UNAVAILABLE);
    };
    let viewer = backend.resources.viewer();
    // `retry` is how soon the browser reconnects after the daemon restarts.
    let first = format!(
        "retry: 1000\n{}{}",
        snapshot(backend, &all),
        resources(backend, &all, CHART_POINTS)
    );
    let mut tick = tokio::time::interval(backend.resources.period());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = Feed {
        backend: backend.clone(),
        changes,
        first: Some(first),
        tick,
        _viewer: viewer,
    };
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::stream::unfold(state, |mut feed| async move {
            let text = feed.next().await?;
            Some((Ok::<_, std::io::Error>(Bytes::from(text)), feed))
        }))
}

/// One client's position in the stream.
struct Feed {
    backend: Backend,
    changes: broadcast::Receiver<Change>,
    first: Option<String>,
    /// When to send the newest resource figures.
    tick: tokio::time::Interval,
    /// Keeps the sampler running while the stream is open.
    _viewer: Viewer,
}

impl Feed {
    /// The next write; None ends the stream (the Registry is gone: the run ended).
    async fn next(&mut self) -> Option<String> {
        if let Some(first) = self.first.take() {
            // The interval's first tick is immediate: the figures just went out.
            self.tick.reset();
            return Some(first);
        }
        let received = tokio::select! {
            received = tokio::time::timeout(KEEPALIVE, self.changes.recv()) => received,
            _ = self.tick.tick() => {
                let all = self.backend.processes.borrow().all();
                return Some(resources(&self.backend, &all, 1));
            }
        };
        let change = match received {
            Err(_) => return Some(": keep-alive\n\n".into()),
            Ok(Ok(change)) => change,
            Ok(Err(RecvError::Lagged(_))) => return self.resync().await,
            Ok(Err(RecvError::Closed)) => return None,
        };
        let mut out = String::new();
        let mut batch = vec![change];
        while batch.len() < BATCH {
            match self.changes.try_recv() {
                Ok(change) => batch.push(change),
                Err(TryRecvError::Lagged(_)) => return self.resync().await,
                Err(_) => break,
            }
        }
        let mut infos = Vec::new();
        for change in batch {
            match change {
                Change::Process(info) => infos.push(info),
                Change::GroupRemoved(group) => {
                    out.push_str(&changed(&self.backend, &infos));
                    infos.clear();
                    out.push_str(&event("removed", &json!({ "group": group })));
                }
            }
        }
        out.push_str(&changed(&self.backend, &infos));
        Some(out)
    }

    /// After falling behind: the whole list again, which replaces what the page has.
    async fn resync(&mut self) -> Option<String> {
        self.changes = self.changes.resubscribe();
        let all = self.backend.registry.send(AllInfo).await.ok()?;
        Some(snapshot(&self.backend, &all))
    }
}

fn event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {}\n\n", to_string(data))
}

fn snapshot(backend: &Backend, all: &[Arc<ProcessInfo>]) -> String {
    event("snapshot", &list(backend, all))
}

fn changed(backend: &Backend, infos: &[ProcessInfo]) -> String {
    if infos.is_empty() {
        return String::new();
    }
    event("change", &list(backend, infos))
}

/// `{"now": <server seconds>, "processes": [...]}`, as `/api/v1/processes` answers. `now`
/// lets the page count uptimes on the server's clock, whatever the browser's says.
pub fn list<I: Borrow<ProcessInfo>>(backend: &Backend, infos: &[I]) -> Value {
    let now = now();
    let figures = backend.resources.figures();
    let processes: Vec<Value> = infos
        .iter()
        .map(|info| process::object(info.borrow(), now, &figures))
        .collect();
    json!({ "now": now, "processes": processes })
}

/// `{"period": seconds, "processes": {"group:name": [sample, ...]}}`: the last `points`
/// samples of each running process that has some.
fn resources(backend: &Backend, all: &[Arc<ProcessInfo>], points: usize) -> String {
    let figures = backend.resources.figures();
    let mut processes = Map::new();
    for info in all {
        let Some(history) = figures.history(info).filter(|_| info.pid > 0) else {
            continue;
        };
        let samples: Vec<SampleView> = history.recent(points).map(SampleView::from).collect();
        processes.insert(info.namespec(), json!(samples));
    }
    if processes.is_empty() {
        return String::new();
    }
    let period = backend.resources.period().as_secs();
    event(
        "resources",
        &json!({ "period": period, "processes": processes }),
    )
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
