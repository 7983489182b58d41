//! The JSON API, version 1 (`/api/v1/...`): a second face of the XML-RPC methods, not a
//! second implementation. Every action is the same `supervisor.*` call (so the same Registry
//! message, checks and faults), every process is getProcessInfo's struct plus our
//! extensions ([`process`]), and a fault is answered as
//! `{"error": {"code": 10, "name": "BAD_NAME", "message": "BAD_NAME: foo"}}` with an HTTP
//! status that fits it. Behind the same auth as everything else; README "JSON API" is the
//! reference.
//!
//! - `GET  processes`, `GET processes/NAME`
//! - `POST processes/NAME/start|stop|restart` (`?wait=false`), `POST processes/NAME/signal?signal=HUP`
//! - `GET  processes/NAME/log/stdout|stderr?offset=0&length=1024` (tailProcessStdoutLog's rules)
//! - `GET  processes/NAME/resources`: the sampled CPU and memory history
//! - `GET  events`: the live feed, server-sent events ([`events`])

pub mod events;
mod process;

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value as Json};

use crate::actors::registry::RegistryError;
use crate::model::faults::FaultCode;
use crate::model::ProcessInfo;
use crate::rpc::faults::Fault;
use crate::rpc::json::{from_xmlrpc, to_string};
use crate::rpc::methods::call_method;
use crate::rpc::web::text::parse_form;
use crate::rpc::xmlrpc::Value;
use crate::rpc::Backend;
use process::SampleView;

/// Answers `/api/REST` (`rest` is the path after `/api/`, still percent-encoded).
pub async fn handle(req: &HttpRequest, backend: &Backend, rest: &str) -> HttpResponse {
    let segments: Vec<String> = rest
        .split('/')
        .map(crate::rpc::http::percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if segments == ["v1", "events"] && req.method() == Method::GET {
        return events::stream(backend).await;
    }
    let query = parse_form(req.query_string());
    match route(req.method(), &segments, &query, backend).await {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(error) => error.response(),
    }
}

async fn route(
    method: &Method,
    segments: &[&str],
    query: &[(String, String)],
    backend: &Backend,
) -> Reply {
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let (get, post) = (method == Method::GET, method == Method::POST);
    match segments {
        ["v1", "processes"] if get => Ok(list(backend)),
        ["v1", "processes", name] if get => one(backend, name),
        ["v1", "processes", name, "start"] if post => {
            act(
                backend,
                "supervisor.startProcess",
                name,
                flag(param("wait"))?,
            )
            .await
        }
        ["v1", "processes", name, "stop"] if post => {
            act(
                backend,
                "supervisor.stopProcess",
                name,
                flag(param("wait"))?,
            )
            .await
        }
        ["v1", "processes", name, "restart"] if post => {
            restart(backend, name, flag(param("wait"))?).await
        }
        ["v1", "processes", name, "signal"] if post => signal(backend, name, param("signal")).await,
        ["v1", "processes", name, "log", stream] if get => {
            tail(backend, name, stream, param("offset"), param("length")).await
        }
        ["v1", "processes", name, "resources"] if get => resources(backend, name),
        ["v1", "events"] | ["v1", "processes", ..] => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found()),
    }
}

type Reply = Result<Json, ApiError>;

fn json_response(status: StatusCode, body: &Json) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(to_string(body))
}

/// A fault and the HTTP status it is answered with.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    fault: Fault,
}

impl ApiError {
    fn not_found() -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            fault: Fault::new(FaultCode::UnknownMethod),
        }
    }

    fn method_not_allowed() -> ApiError {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            fault: Fault::new(FaultCode::UnknownMethod),
        }
    }

    fn response(&self) -> HttpResponse {
        let body = json!({ "error": {
            "code": self.fault.code.code(),
            "name": self.fault.code.name(),
            "message": self.fault.to_string(),
        }});
        json_response(self.status, &body)
    }
}

impl From<Fault> for ApiError {
    fn from(fault: Fault) -> ApiError {
        use FaultCode as F;
        let status = match fault.code {
            F::BadName => StatusCode::NOT_FOUND,
            F::BadArguments | F::BadSignal | F::IncorrectParameters => StatusCode::BAD_REQUEST,
            F::AlreadyStarted | F::NotRunning | F::StillRunning | F::AlreadyAdded => {
                StatusCode::CONFLICT
            }
            F::ShutdownState => StatusCode::SERVICE_UNAVAILABLE,
            F::UnknownMethod => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError { status, fault }
    }
}

fn bad_arguments(detail: String) -> ApiError {
    Fault::with(FaultCode::BadArguments, detail).into()
}

/// `?wait=`: true unless `false` or `0`.
fn flag(text: Option<&str>) -> Result<bool, ApiError> {
    match text {
        None | Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(bad_arguments(format!(
            "wait must be true or false, not {other}"
        ))),
    }
}

fn int(text: Option<&str>, key: &str, default: i64) -> Result<i64, ApiError> {
    text.map_or(Ok(default), |t| {
        t.parse()
            .map_err(|_| bad_arguments(format!("{key} must be an integer, not {t}")))
    })
}

async fn call(backend: &Backend, method: &str, params: &[Value]) -> Result<Value, ApiError> {
    Ok(call_method(backend, method, params).await?)
}

fn list(backend: &Backend) -> Json {
    // A look samples if the figures are stale; its lock is released before the list reads.
    drop(backend.resources.look());
    let infos = backend.processes.borrow().all();
    events::list(backend, &infos)
}

/// The process `name`, from the table getProcessInfo reads, with its BAD_NAME fault.
fn find(backend: &Backend, name: &str) -> Result<Arc<ProcessInfo>, ApiError> {
    let found = backend.processes.borrow().get(name);
    found.map_err(|RegistryError::BadName(name)| Fault::with(FaultCode::BadName, name).into())
}

fn one(backend: &Backend, name: &str) -> Reply {
    let info = find(backend, name)?;
    let figures = backend.resources.look();
    Ok(process::object(&info, events::now(), &figures))
}

async fn act(backend: &Backend, method: &str, name: &str, wait: bool) -> Reply {
    call(backend, method, &[Value::from(name), Value::Bool(wait)]).await?;
    one(backend, name)
}

/// Stop if running, then start: supervisorctl's restart.
async fn restart(backend: &Backend, name: &str, wait: bool) -> Reply {
    let stopped = call(
        backend,
        "supervisor.stopProcess",
        &[Value::from(name), Value::Bool(true)],
    )
    .await;
    match stopped {
        Err(e) if e.fault.code != FaultCode::NotRunning => return Err(e),
        _ => {}
    }
    act(backend, "supervisor.startProcess", name, wait).await
}

async fn signal(backend: &Backend, name: &str, signal: Option<&str>) -> Reply {
    let signal = signal.ok_or_else(|| bad_arguments("no signal given (?signal=HUP)".into()))?;
    let params = [Value::from(name), Value::from(signal)];
    call(backend, "supervisor.signalProcess", &params).await?;
    one(backend, name)
}

/// tailProcess*Log: `{"bytes": text, "offset": next offset, "overflow": bool}`.
async fn tail(
    backend: &Backend,
    name: &str,
    stream: &str,
    offset: Option<&str>,
    length: Option<&str>,
) -> Reply {
    let method = match stream {
        "stdout" => "supervisor.tailProcessStdoutLog",
        "stderr" => "supervisor.tailProcessStderrLog",
        _ => return Err(ApiError::not_found()),
    };
    let params = [
        Value::from(name),
        Value::Int(int(offset, "offset", 0)?),
        Value::Int(int(length, "length", 1024)?),
    ];
    let reply = from_xmlrpc(&call(backend, method, &params).await?);
    let part = |i: usize| reply.get(i).cloned().unwrap_or(Json::Null);
    Ok(json!({ "bytes": part(0), "offset": part(1), "overflow": part(2) }))
}

/// `{"period": seconds, "samples": [...]}`, oldest first; empty while nothing was sampled.
fn resources(backend: &Backend, name: &str) -> Reply {
    let info = find(backend, name)?;
    let figures = backend.resources.look();
    let samples: Vec<SampleView> = figures
        .history(&info)
        .map(|h| h.samples().map(SampleView::from).collect())
        .unwrap_or_default();
    Ok(json!({ "period": backend.resources.period().as_secs(), "samples": samples }))
}
