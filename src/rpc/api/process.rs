//! A process as the JSON API shows it: getProcessInfo's struct, member for member (the same
//! builder the XML-RPC method uses), plus our extensions: `namespec`, `health`, `ready`,
//! `spawns`, bytes logged per stream, and the latest resource figures (`null` when the
//! process is not running or not sampled yet).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::ProcessInfo;
use crate::rpc::json::from_xmlrpc;
use crate::rpc::methods::info_struct;
use crate::rpc::resources::{Figures, Sample};

pub fn object(info: &ProcessInfo, now: i64, figures: &Figures) -> Value {
    let mut object = match from_xmlrpc(&info_struct(info, now)) {
        Value::Object(members) => members,
        _ => Map::new(),
    };
    let mut add = |key: &str, value: Value| {
        object.insert(key.to_string(), value);
    };
    add("namespec", info.namespec().into());
    add("health", info.health.name().into());
    add("ready", info.ready.into());
    add("spawns", info.spawns.into());
    add("stdout_bytes", info.stdout_bytes.get().into());
    add("stderr_bytes", info.stderr_bytes.get().into());
    let resources = figures.latest(info).map(SampleView::from);
    add(
        "resources",
        serde_json::to_value(resources).unwrap_or(Value::Null),
    );
    Value::Object(object)
}

/// One sample of a process's resources, as the API shows it.
#[derive(Debug, Serialize)]
pub struct SampleView {
    /// Unix seconds.
    pub at: f64,
    pub pid: i32,
    pub cpu_seconds: f64,
    pub cpu_percent: f64,
    pub rss_bytes: u64,
}

impl From<&Sample> for SampleView {
    fn from(s: &Sample) -> Self {
        SampleView {
            at: s.at,
            pid: s.pid,
            cpu_seconds: s.usage.cpu_seconds,
            cpu_percent: s.cpu_percent,
            rss_bytes: s.usage.rss_bytes,
        }
    }
}
