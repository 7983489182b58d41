//! The `health` namespace (ours, as an rpcinterface plugin's would be): each process's
//! health-check verdict and readiness, which getProcessInfo's struct leaves out so that it
//! stays Supervisor's.

use super::args;
use crate::model::ProcessInfo;
use crate::rpc::faults::{Fault, FaultCode};
use crate::rpc::xmlrpc::Value;
use crate::rpc::Backend;

pub fn call(backend: &Backend, method: &str, params: &[Value]) -> Result<Value, Fault> {
    let table = backend.processes.borrow();
    match method {
        "getProcessHealth" => {
            let namespec = args::string(params, 0)?;
            let info = table
                .find(namespec)
                .ok_or_else(|| Fault::with(FaultCode::BadName, namespec.to_string()))?;
            Ok(health_struct(info))
        }
        "getAllProcessHealth" => Ok(Value::Array(
            table.iter().map(|info| health_struct(info)).collect(),
        )),
        _ => Err(Fault::new(FaultCode::UnknownMethod)),
    }
}

/// `{name, group, health, ready}`; health is `unchecked`, `starting`, `healthy` or
/// `unhealthy`.
fn health_struct(info: &ProcessInfo) -> Value {
    let health = info.health.name();
    Value::from_pairs([
        ("name", Value::from(&*info.name)),
        ("group", (&*info.group).into()),
        ("health", health.into()),
        ("ready", Value::Bool(info.ready)),
    ])
}
