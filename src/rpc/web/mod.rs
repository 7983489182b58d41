//! The web UI: Supervisor's status page, tail page and `/ok.html`, plus what makes the page
//! live. Everything is embedded in the binary (pages built here, CSS and JS through
//! `include_str!`): no files on disk, no external fonts or scripts.
//!
//! Routes (GET and POST, as Supervisor's `supervisor_ui_handler` accepts; others 404):
//! - `/`, `/index.html`: the status page; `action`, `processname`, `message` ([`status`]).
//! - `/tail.html?processname=X[&limit=N][&channel=stderr]`: a log tail ([`tail`]).
//! - `/ok.html`: `OK`, a liveness probe target.
//! - The page's live feed is the JSON API's event stream, `/api/v1/events`
//!   ([`crate::rpc::api::events`]); its start, stop and restart buttons call the API too.
//! - `POST /ui/action`: an action performed in place, answered in JSON ([`actions`]).
//!
//! Authentication has already been checked by the HTTP layer for every one of them.

mod actions;
mod status;
mod tail;
pub(crate) mod text;

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::http::error_page;
use super::Backend;

/// The stylesheet shared by both pages.
const STYLE: &str = include_str!("assets/style.css");
/// The mark in the header, inline so that it costs no request.
const ICON: &str = "<svg class=\"logo\" viewBox=\"0 0 24 24\" aria-hidden=\"true\">\
    <rect x=\"1\" y=\"1\" width=\"22\" height=\"22\" rx=\"6\"/>\
    <path d=\"M5 13h3l2-5 4 9 2-4h3\"/></svg>";
/// The same mark as the tab's icon, so browsers do not ask for /favicon.ico.
const FAVICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' \
    viewBox='0 0 24 24'%3E%3Crect x='1' y='1' width='22' height='22' rx='6' fill='%23146c43'/%3E\
    %3Cpath d='M5 13h3l2-5 4 9 2-4h3' fill='none' stroke='white' stroke-width='2' \
    stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E";
/// The most a form body may carry; the page's forms send a few dozen bytes.
const MAX_FORM: usize = 64 * 1024;

/// Answers a UI request, or None for a path the UI does not serve (the caller sends 404).
/// Like Supervisor's handler, the path is compared without its leading slashes.
pub async fn handle(
    req: &HttpRequest,
    payload: web::Payload,
    backend: &Backend,
) -> Option<HttpResponse> {
    let (get, post) = (req.method() == Method::GET, req.method() == Method::POST);
    if !get && !post {
        return None;
    }
    let path = req.path().trim_start_matches('/');
    if !matches!(
        path,
        "" | "index.html" | "tail.html" | "ok.html" | "ui/action"
    ) {
        return None;
    }
    let form = match Form::read(req, payload).await {
        Ok(form) => form,
        Err(status) => return Some(error_page(status)),
    };
    Some(match path {
        "" | "index.html" => status::page(req, backend, &form).await,
        "tail.html" => tail::page(backend, &form).await,
        "ok.html" => HttpResponse::Ok().content_type("text/plain").body("OK"),
        "ui/action" if post => action(backend, &form).await,
        _ => error_page(StatusCode::METHOD_NOT_ALLOWED),
    })
}

/// `POST /ui/action`: what `?action=` does, minus the redirect: `{"ok":..,"message":".."}`.
async fn action(backend: &Backend, form: &Form) -> HttpResponse {
    let outcome = match form.get("action").and_then(actions::Action::parse) {
        Some(action) => actions::perform(backend, action, form.get("processname")).await,
        None => None,
    };
    let (status, ok, message) = match &outcome {
        Some(o) => (StatusCode::OK, o.ok, o.message.as_str()),
        None => (
            StatusCode::BAD_REQUEST,
            false,
            "unknown action or no process name",
        ),
    };
    HttpResponse::build(status)
        .content_type("application/json")
        .body(crate::rpc::json::to_string(
            &serde_json::json!({ "ok": ok, "message": message }),
        ))
}

/// A request's fields: the query string, then a url-encoded POST body, whose fields win
/// (web.py's `continue_request`). Among duplicates in the query the first counts.
#[derive(Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    async fn read(req: &HttpRequest, mut payload: web::Payload) -> Result<Form, StatusCode> {
        let mut form = Form::default();
        for (k, v) in text::parse_form(req.query_string()) {
            if form.get(&k).is_none() {
                form.0.push((k, v));
            }
        }
        if req.method() == Method::POST {
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
                if body.len() + chunk.len() > MAX_FORM {
                    return Err(StatusCode::PAYLOAD_TOO_LARGE);
                }
                body.extend_from_slice(&chunk);
            }
            for (k, v) in text::parse_form(&String::from_utf8_lossy(&body)) {
                form.0.retain(|(key, _)| *key != k);
                form.0.push((k, v));
            }
        }
        Ok(form)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The `<head>` both pages share, with the stylesheet inline.
fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{}</title>\n<link rel=\"icon\" href=\"{FAVICON}\">\n<style>{STYLE}</style>\n</head>\n",
        text::html(title)
    )
}
