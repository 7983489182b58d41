//! The web UI's hook into the HTTP routes: every path the front end does not route itself
//! comes here, and [`crate::rpc::web`] answers the ones it serves (status page, tail page,
//! `/ok.html`, the live feed), behind the same authentication as everything else.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::rpc::Backend;

/// Answers a UI request, or None for a path the UI does not serve (the caller sends 404).
pub(super) async fn handle(
    req: &HttpRequest,
    payload: web::Payload,
    backend: &Backend,
) -> Option<HttpResponse> {
    crate::rpc::web::handle(req, payload, backend).await
}
