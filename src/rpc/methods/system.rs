//! The system namespace: introspection from the method table, and multicall.

use super::table::{self, METHODS};
use super::{args, call_method};
use crate::rpc::faults::{Fault, FaultCode};
use crate::rpc::xmlrpc::Value;
use crate::rpc::Backend;

pub async fn call(backend: &Backend, method: &str, params: &[Value]) -> Result<Value, Fault> {
    match method {
        "listMethods" => Ok(Value::Array(
            METHODS.iter().map(|m| Value::from(m.name)).collect(),
        )),
        "methodHelp" => Ok(Value::from(spec(params)?.help)),
        "methodSignature" => {
            let spec = spec(params)?;
            let types = std::iter::once(spec.returns).chain(spec.params.iter().map(|(ty, _)| *ty));
            Ok(Value::Array(types.map(Value::from).collect()))
        }
        "multicall" => multicall(backend, params).await,
        _ => Err(Fault::new(FaultCode::UnknownMethod)),
    }
}

fn spec(params: &[Value]) -> Result<&'static table::MethodSpec, Fault> {
    table::find(args::string(params, 0)?).ok_or(Fault::new(FaultCode::SignatureUnsupported))
}

/// A multicall entry's params as Supervisor's `func(*params)` unpacks them: an array is
/// its items, a string its characters, a struct its keys; anything else raises TypeError,
/// which traverse() turns into INCORRECT_PARAMETERS (None here).
fn unpacked(params: Option<&Value>) -> Option<Vec<Value>> {
    match params {
        None => Some(Vec::new()),
        Some(Value::Array(items)) => Some(items.clone()),
        Some(Value::String(s)) => Some(s.chars().map(|c| Value::from(c.to_string())).collect()),
        Some(Value::Struct(members)) => {
            Some(members.iter().map(|(k, _)| Value::from(&**k)).collect())
        }
        Some(_) => None,
    }
}

/// Runs each call in order (waiting ones included) and lists each result as the bare value
/// or a `{faultCode, faultString}` struct, as Supervisor's multicall does.
async fn multicall(backend: &Backend, params: &[Value]) -> Result<Value, Fault> {
    let calls = params[0]
        .as_array()
        .ok_or(Fault::new(FaultCode::IncorrectParameters))?;
    let mut results = Vec::with_capacity(calls.len());
    for call in calls {
        let outcome = match call.get("methodName").and_then(Value::as_str) {
            None => Err(Fault::with(FaultCode::IncorrectParameters, "No methodName")),
            Some("system.multicall") => Err(Fault::with(
                FaultCode::IncorrectParameters,
                "Recursive system.multicall forbidden",
            )),
            Some(name) => match unpacked(call.get("params")) {
                Some(params) => call_method(backend, name, &params).await,
                None => Err(Fault::new(FaultCode::IncorrectParameters)),
            },
        };
        results.push(match outcome {
            Ok(value) => value,
            Err(fault) => Value::from_pairs([
                ("faultCode", Value::Int(fault.code.code().into())),
                ("faultString", Value::from(fault.to_string().as_str())),
            ]),
        });
    }
    Ok(Value::Array(results))
}
