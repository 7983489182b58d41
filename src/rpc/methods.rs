//! The XML-RPC method table (supervisor.* and system.*): decode a call, send the Registry one
//! message, encode the reply or Supervisor's Fault.

use super::Backend;

/// The request body could not be read as an XML-RPC call: HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// Handles one POST /RPC2 body; the Ok string is the XML response (a result or a fault).
pub async fn handle_xml(backend: &Backend, body: &[u8]) -> Result<String, BadRequest> {
    let _ = (backend, body);
    Err(BadRequest("not implemented".into()))
}
