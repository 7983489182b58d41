//! `GET /metrics`: the processes in Prometheus' text format, on the sockets whose server
//! section says `metrics = true`. First node_exporter's supervisord collector series, with
//! its names, help texts, types and `name`/`group` labels, so that dashboards and alerts
//! built on it keep working; then ours under `supervisord_`. A scrape is a look: it samples
//! resource figures if the last sample is old ([`crate::rpc::resources`]).

mod exposition;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

use exposition::{Exposition, Kind, CONTENT_TYPE};

use crate::actors::registry::ListenerQueues;
use crate::model::{Health, ProcessInfo, ProcessState};
use crate::rpc::http::error_page;
use crate::rpc::resources::Figures;
use crate::rpc::Backend;

pub async fn handle(req: &HttpRequest, backend: &Backend) -> HttpResponse {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return error_page(StatusCode::METHOD_NOT_ALLOWED);
    }
    // Asked first: the reply is awaited, and the figures' lock is not held across it.
    let queues = backend
        .registry
        .send(ListenerQueues)
        .await
        .unwrap_or_default();
    let infos = backend.processes.borrow().all();
    let figures = backend.resources.look();
    let text = render(&infos, &figures, &queues);
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(text)
}

/// node_exporter's `isRunning`: STARTING, RUNNING and STOPPING count as up.
fn is_up(state: ProcessState) -> bool {
    matches!(
        state,
        ProcessState::Starting | ProcessState::Running | ProcessState::Stopping
    )
}

fn render(
    infos: &[std::sync::Arc<ProcessInfo>],
    figures: &Figures,
    queues: &[(String, usize)],
) -> String {
    let mut page = Exposition::default();
    // node_exporter's collector/supervisord.go, series for series.
    let per_process = |page: &mut Exposition,
                       name: &str,
                       kind: Kind,
                       help: &str,
                       value: &dyn Fn(&ProcessInfo) -> Option<f64>| {
        page.family(name, kind, help);
        for info in infos {
            if let Some(v) = value(info) {
                page.sample(name, &[("name", &info.name), ("group", &info.group)], v);
            }
        }
    };
    per_process(
        &mut page,
        "node_supervisord_up",
        Kind::Gauge,
        "Process Up",
        &|i| Some(f64::from(u8::from(is_up(i.state)))),
    );
    per_process(
        &mut page,
        "node_supervisord_state",
        Kind::Gauge,
        "Process State",
        &|i| Some(f64::from(i.state.code())),
    );
    per_process(
        &mut page,
        "node_supervisord_exit_status",
        Kind::Gauge,
        "Process Exit Status",
        &|i| Some(f64::from(i.exitstatus)),
    );
    per_process(
        &mut page,
        "node_supervisord_start_time_seconds",
        Kind::Counter,
        "Process start time",
        &|i| is_up(i.state).then_some(i.start as f64),
    );

    // Ours.
    let name = "supervisord_process_state";
    page.family(
        name,
        Kind::Gauge,
        "The process's state: 1 for the state it is in, 0 for the others",
    );
    for info in infos {
        for state in ProcessState::ALL {
            let labels = [
                ("name", &*info.name),
                ("group", &*info.group),
                ("state", state.name()),
            ];
            page.sample(name, &labels, f64::from(u8::from(info.state == state)));
        }
    }
    let name = "supervisord_process_health";
    page.family(
        name,
        Kind::Gauge,
        "The process's health check verdict: 1 for the current one, 0 for the others",
    );
    for info in infos {
        for health in Health::ALL {
            let labels = [
                ("name", &*info.name),
                ("group", &*info.group),
                ("health", health.name()),
            ];
            page.sample(name, &labels, f64::from(u8::from(info.health == health)));
        }
    }
    per_process(
        &mut page,
        "supervisord_process_spawns_total",
        Kind::Counter,
        "Children spawned for the process since it was added (restarts plus one)",
        &|i| Some(f64::from(i.spawns)),
    );
    per_process(
        &mut page,
        "supervisord_process_cpu_seconds_total",
        Kind::Counter,
        "User and system CPU time of the running child (its process group with metrics_process_group)",
        &|i| figures.latest(i).map(|s| s.usage.cpu_seconds),
    );
    per_process(
        &mut page,
        "supervisord_process_resident_memory_bytes",
        Kind::Gauge,
        "Resident memory of the running child (its process group with metrics_process_group)",
        &|i| figures.latest(i).map(|s| s.usage.rss_bytes as f64),
    );
    let name = "supervisord_process_log_bytes_total";
    page.family(
        name,
        Kind::Counter,
        "Bytes the process's children wrote on the stream, as the daemon read them",
    );
    for info in infos {
        for (stream, count) in [
            ("stdout", &info.stdout_bytes),
            ("stderr", &info.stderr_bytes),
        ] {
            let labels = [
                ("name", &*info.name),
                ("group", &*info.group),
                ("stream", stream),
            ];
            page.sample(name, &labels, count.get() as f64);
        }
    }
    let name = "supervisord_event_listener_queue_length";
    page.family(
        name,
        Kind::Gauge,
        "Events waiting in the event listener pool's queue",
    );
    for (group, length) in queues {
        page.sample(name, &[("group", group)], *length as f64);
    }
    page.into_text()
}
