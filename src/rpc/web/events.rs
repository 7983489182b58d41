//! `GET /ui/events`: the status page's live feed, as server-sent events.
//!
//! Why SSE and not polling: the Registry already hears every state change, so the stream
//! forwards exactly those ([`Watch`]), and an idle page costs nothing but a keep-alive comment
//! every [`KEEPALIVE`]. Polling would ask for all 1 000 snapshots every second per open page,
//! on the supervision thread, to find the few that changed.
//!
//! The stream: `snapshot` first (every process), then `change` (one or more processes, as
//! they change), `removed` (a group went away), and a fresh `snapshot` whenever this client
//! fell too far behind to be told change by change. Changes that arrive together go out in
//! one write, so a restart of 1 000 processes is a few dozen chunks, not 3 000.

use std::borrow::Borrow;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use bytes::Bytes;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use super::text::json;

use crate::actors::registry::{AllInfo, Change, Watch};
use crate::model::ProcessInfo;
use crate::rpc::describe::description;
use crate::rpc::http::error_page;
use crate::rpc::Backend;

/// How often an idle stream sends a comment, so proxies and the browser keep it open.
const KEEPALIVE: Duration = Duration::from_secs(20);
/// The most changes one write carries.
const BATCH: usize = 512;

/// Starts a client's stream: subscribe first, then snapshot, so no change falls between
/// the two (one that lands in both is sent twice, which the page takes in its stride).
pub async fn stream(backend: &Backend) -> HttpResponse {
    let Ok(changes) = backend.registry.send(Watch).await else {
        return error_page(StatusCode::SERVICE_UNAVAILABLE);
    };
    let Ok(all) = backend.registry.send(AllInfo).await else {
        return error_page(StatusCode::SERVICE_UNAVAILABLE);
    };
    // `retry` is how soon the browser reconnects after the daemon restarts.
    let first = format!("retry: 1000\n{}", snapshot(&all));
    let state = Feed {
        backend: backend.clone(),
        changes,
        first: Some(first),
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
}

impl Feed {
    /// The next write; None ends the stream (the Registry is gone: the run ended).
    async fn next(&mut self) -> Option<String> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        let change = match tokio::time::timeout(KEEPALIVE, self.changes.recv()).await {
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
                    out.push_str(&changed(&infos));
                    infos.clear();
                    out.push_str(&format!(
                        "event: removed\ndata: {{\"group\":{}}}\n\n",
                        json(&group)
                    ));
                }
            }
        }
        out.push_str(&changed(&infos));
        Some(out)
    }

    /// After falling behind: the whole list again, which replaces what the page has.
    async fn resync(&mut self) -> Option<String> {
        self.changes = self.changes.resubscribe();
        let all = self.backend.registry.send(AllInfo).await.ok()?;
        Some(snapshot(&all))
    }
}

fn snapshot(all: &[Arc<ProcessInfo>]) -> String {
    format!("event: snapshot\ndata: {}\n\n", list(all))
}

fn changed(infos: &[ProcessInfo]) -> String {
    if infos.is_empty() {
        return String::new();
    }
    format!("event: change\ndata: {}\n\n", list(infos))
}

/// `{"now": <server seconds>, "processes": [...]}`. `now` lets the page count uptimes on
/// the server's clock, whatever the browser's says.
fn list<I: Borrow<ProcessInfo>>(infos: &[I]) -> String {
    let now = now();
    let mut out = format!("{{\"now\":{now},\"processes\":[");
    for (i, info) in infos.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&process(info.borrow(), now));
    }
    out.push_str("]}");
    out
}

/// One process, with getProcessInfo's field names where there is one.
pub fn process(info: &ProcessInfo, now: i64) -> String {
    format!(
        "{{\"name\":{},\"group\":{},\"process\":{},\"statename\":{},\"state\":{},\"pid\":{},\
         \"start\":{},\"description\":{},\"health\":{}}}",
        json(&info.namespec()),
        json(&info.group),
        json(&info.name),
        json(info.state.name()),
        info.state.code(),
        info.pid,
        info.start,
        json(&description(info, now)),
        json(info.health.word().unwrap_or_default()),
    )
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProcessState;

    #[test]
    fn process_json() {
        let info = ProcessInfo {
            name: "a".into(),
            group: "g".into(),
            state: ProcessState::Running,
            start: 100,
            stop: 0,
            pid: 7,
            exitstatus: 0,
            spawnerr: String::new(),
            stdout_logfile: None,
            stderr_logfile: None,
            ready: false,
            health: crate::model::Health::Unchecked,
            ..ProcessInfo::not_started("".into(), "".into())
        };
        assert_eq!(
            process(&info, 105),
            r#"{"name":"g:a","group":"g","process":"a","statename":"RUNNING","state":20,"pid":7,"start":100,"description":"pid 7, uptime 0:00:05","health":""}"#
        );
        assert_eq!(changed(&[]), "");
        assert!(snapshot(&[Arc::new(info)]).starts_with("event: snapshot\ndata: {\"now\":"));
    }
}
