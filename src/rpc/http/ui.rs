//! The web UI's routes. For now only `/ok.html` (a liveness probe target, Supervisor's
//! `OKView`); the status page, tail page and static files plug in here later, behind the same
//! authentication as everything else.

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse};

/// Answers a UI request, or None for a path the UI does not serve (the caller sends 404).
/// Like Supervisor's `supervisor_ui_handler.match`, only GET and POST reach a view, and the
/// path is compared without its leading slashes.
pub(super) fn handle(req: &HttpRequest) -> Option<HttpResponse> {
    if req.method() != Method::GET && req.method() != Method::POST {
        return None;
    }
    match req.path().trim_start_matches('/') {
        "ok.html" => Some(HttpResponse::Ok().content_type("text/plain").body("OK")),
        _ => None,
    }
}
