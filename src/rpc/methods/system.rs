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
            Some(name) => {
                let params = call.get("params").and_then(Value::as_array).unwrap_or(&[]);
                call_method(backend, name, params).await
            }
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
