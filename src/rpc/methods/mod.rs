//! The XML-RPC method table (supervisor.* and system.*): decode a call, check its name and
//! arity as Supervisor's `traverse` does, send the Registry one message, encode the reply or
//! Supervisor's Fault. supervisor.rs holds the supervisor namespace, system.rs the system
//! one, health.rs our health namespace, table.rs the published names and signatures.

mod args;
mod health;
mod supervisor;
mod system;
pub mod table;

pub(crate) use supervisor::info_struct;

use std::future::Future;
use std::pin::Pin;

use super::faults::{Fault, FaultCode};
use super::xmlrpc::{self, Value};
use super::Backend;

/// The request body could not be read as an XML-RPC call: HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// Handles one POST /RPC2 body; the Ok string is the XML response (a result or a fault).
pub async fn handle_xml(backend: &Backend, body: &[u8]) -> Result<String, BadRequest> {
    let call = match xmlrpc::decode_call(body) {
        Ok(call) => call,
        Err(e) => {
            crate::actors::mainlog::xmlrpc_unmarshallable(body);
            return Err(BadRequest(e.to_string()));
        }
    };
    if call.method.is_empty() {
        crate::actors::mainlog::xmlrpc_no_method_name(body);
        return Err(BadRequest("no method name".into()));
    }
    Ok(
        match call_method(backend, &call.method, &call.params).await {
            Ok(value) => xmlrpc::encode_response(&value),
            Err(fault) => xmlrpc::encode_fault(fault.code.code(), &fault.to_string()),
        },
    )
}

/// A boxed future, so that multicall can call back into the dispatcher.
type Reply<'a> = Pin<Box<dyn Future<Output = Result<Value, Fault>> + 'a>>;

/// Calls one method by name, with Supervisor's checks: `namespace.method` exactly, no
/// leading underscore, a published name, the right number of parameters.
pub fn call_method<'a>(backend: &'a Backend, name: &'a str, params: &'a [Value]) -> Reply<'a> {
    Box::pin(async move {
        let spec = table::find(name).ok_or(Fault::new(FaultCode::UnknownMethod))?;
        if params.len() < spec.required || params.len() > spec.params.len() {
            return Err(Fault::new(FaultCode::IncorrectParameters));
        }
        match name.split_once('.') {
            Some(("system", method)) => system::call(backend, method, params).await,
            Some(("supervisor", method)) => supervisor::call(backend, method, params).await,
            Some(("health", method)) => health::call(backend, method, params),
            _ => Err(Fault::new(FaultCode::UnknownMethod)),
        }
    })
}
