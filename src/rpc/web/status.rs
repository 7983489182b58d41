//! The status page (`/`, `/index.html`): Supervisor's StatusView, rendered whole on the
//! server so it works without JavaScript and for scripts that fetch it, then kept live by
//! `status.js` over the API's event stream ([`crate::rpc::api::events`]).
//!
//! With `action`, the page performs it and answers 301 to `/?message=...`, as web.py does.
//! Which buttons a row shows follows from its `data-s` attribute in CSS, so a state change
//! is one attribute write in the browser, not a re-render.

use actix_web::http::header::{CACHE_CONTROL, EXPIRES, LOCATION, PRAGMA};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use std::sync::Arc;

use super::actions::{self, Action};
use super::text::{html, quote};
use super::{page_head, Form, ICON};
use crate::rpc::api::events::now;

use crate::model::{ProcessInfo, ProcessState};
use crate::rpc::describe::description;
use crate::rpc::http::error_page;
use crate::rpc::Backend;

const SCRIPT: &str = include_str!("assets/status.js");
/// A row's resources cell, filled by the script from the event stream: a sparkline of CPU
/// (and memory, scaled to its own peak) over the last minutes, the latest figures, and the
/// restarts.
const RESOURCES: &str = "<svg class=\"spark\" viewBox=\"0 0 60 20\" preserveAspectRatio=\"none\" \
    aria-hidden=\"true\"><polyline class=\"mem\" points=\"\"/><polyline class=\"cpu\" points=\"\"/></svg>\
    <span class=\"figs\"></span><span class=\"restarts\"></span>";

/// GET or POST `/` and `/index.html`.
pub async fn page(req: &HttpRequest, backend: &Backend, form: &Form) -> HttpResponse {
    if let Some(action) = form.get("action") {
        // Unknown actions and process actions without a name are web.py's ValueError: 500.
        let Some(action) = Action::parse(action) else {
            return error_page(StatusCode::INTERNAL_SERVER_ERROR);
        };
        let Some(outcome) = actions::perform(backend, action, form.get("processname")).await else {
            return error_page(StatusCode::INTERNAL_SERVER_ERROR);
        };
        let location = format!("{}/?message={}", server_url(req), quote(&outcome.message));
        return HttpResponse::MovedPermanently()
            .insert_header((LOCATION, location))
            .finish();
    }
    let infos = backend.processes.borrow().all();
    HttpResponse::Ok()
        .content_type("text/html;charset=utf-8")
        .insert_header((PRAGMA, "no-cache"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .insert_header((EXPIRES, "Thu, 01 Jan 1970 00:00:00 GMT"))
        .body(render(&backend.identifier, &infos, form.get("message")))
}

/// http.py's `get_server_url`: `http://` and the Host header, without a default port.
fn server_url(req: &HttpRequest) -> String {
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| req.app_config().host().to_string());
    let host = host.strip_suffix(":80").unwrap_or(&host);
    format!("http://{host}")
}

/// Whether a message reads as a failure (a redirect carries no flag, only the text).
fn is_error(message: &str) -> bool {
    message.starts_with("ERROR")
        || message.starts_with("unexpected")
        || message.starts_with("No such")
}

/// The whole page.
pub fn render(identifier: &str, infos: &[Arc<ProcessInfo>], message: Option<&str>) -> String {
    let now = now();
    let mut out = String::with_capacity(16_384 + infos.len() * 900);
    out.push_str(&page_head("Supervisor Status"));
    out.push_str(&format!(
        "<body class=\"status\">\n<header class=\"top\"><div class=\"wrap\">\
         <a class=\"brand\" href=\"./\">{ICON}<span>Supervisor</span></a>\
         <span class=\"ident\">{}</span>\
         <span class=\"live\" id=\"live\" data-live=\"off\" title=\"Live updates\">\
         <i></i><span>static</span></span></div></header>\n<main class=\"wrap\">\n",
        html(identifier)
    ));
    match message {
        Some(m) => out.push_str(&format!(
            "<div id=\"msg\" class=\"msg {}\" role=\"status\">{}</div>\n",
            if is_error(m) { "err" } else { "ok" },
            html(m)
        )),
        None => out.push_str("<div id=\"msg\" class=\"msg\" role=\"status\" hidden></div>\n"),
    }
    out.push_str(
        "<div class=\"bar\">\
         <input id=\"filter\" type=\"search\" placeholder=\"Filter by name or state\" \
         autocomplete=\"off\" spellcheck=\"false\" aria-label=\"Filter processes\">\
         <span class=\"global\">\
         <a class=\"btn\" data-action=\"refresh\" href=\"index.html?action=refresh\">Refresh</a>\
         <a class=\"btn\" data-action=\"restartall\" data-confirm=\"Restart every process?\" \
         href=\"index.html?action=restartall\">Restart all</a>\
         <a class=\"btn danger\" data-action=\"stopall\" data-confirm=\"Stop every process?\" \
         href=\"index.html?action=stopall\">Stop all</a></span></div>\n",
    );
    out.push_str(&format!(
        "<p class=\"summary\" id=\"summary\">{}</p>\n",
        html(&summary(infos))
    ));
    out.push_str(
        "<table class=\"procs\" id=\"procs\"><thead><tr><th class=\"c-state\">State</th>\
         <th class=\"c-name\">Name</th><th class=\"c-desc\">Description</th>\
         <th class=\"c-res\">CPU · Memory</th>\
         <th class=\"c-act\">Actions</th></tr></thead>\n",
    );
    for members in infos.chunk_by(|a, b| a.group == b.group) {
        group(&mut out, members, now);
    }
    out.push_str("</table>\n");
    out.push_str(&format!(
        "<p class=\"empty\" id=\"empty\"{}>No programs to manage</p>\n\
         <p class=\"empty\" id=\"nomatch\" hidden>No process matches the filter</p>\n",
        if infos.is_empty() { "" } else { " hidden" }
    ));
    // Templates for processes and groups that appear after the page was served (a group
    // added by `update`): the script clones them, so rows have one definition, this one.
    out.push_str("<template id=\"tpl-group\">");
    group_open(&mut out, "", true);
    out.push_str("</tbody></template>\n<template id=\"tpl-row\">");
    row(&mut out, &template_info(), 0);
    out.push_str("</template>\n</main>\n");
    out.push_str(&format!(
        "<footer class=\"wrap\">supervisord {} &middot; compatible with Supervisor 4.3</footer>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}

/// A group's `<tbody>`: a header with group actions unless it is one process named after
/// its group (a plain `[program:x]`), where the row's own buttons say it all.
fn group(out: &mut String, members: &[Arc<ProcessInfo>], now: i64) {
    let name = &members[0].group;
    let headed = members.len() > 1 || members[0].name != *name;
    group_open(out, name, headed);
    for info in members {
        row(out, info, now);
    }
    out.push_str("</tbody>\n");
}

fn group_open(out: &mut String, name: &str, headed: bool) {
    out.push_str(&format!("<tbody data-group=\"{}\">", html(name)));
    if headed {
        let q = html(&quote(name));
        out.push_str(&format!(
            "<tr class=\"ghead\"><th colspan=\"5\"><div class=\"gh\">\
             <span class=\"gname\">{}</span><span class=\"gcount\"></span>\
             <span class=\"gact\">\
             <a class=\"btn sm\" data-action=\"startgroup\" \
             href=\"index.html?processname={q}&amp;action=startgroup\">Start group</a>\
             <a class=\"btn sm\" data-action=\"stopgroup\" \
             href=\"index.html?processname={q}&amp;action=stopgroup\">Stop group</a>\
             </span></div></th></tr>",
            html(name)
        ));
    }
}

/// One process row. Every action link works without the script (Supervisor's URLs); the
/// script intercepts them and performs them in place.
fn row(out: &mut String, info: &ProcessInfo, now: i64) {
    let namespec = info.namespec();
    let q = html(&quote(&namespec));
    let state = info.state.name().to_ascii_lowercase();
    let badge = match info.health.word() {
        Some(word) => format!("{state} · {word}"),
        None => state.clone(),
    };
    out.push_str(&format!(
        "<tr class=\"proc\" data-name=\"{name}\" data-s=\"{state}\">\
         <td class=\"c-state\"><span class=\"badge\">{badge}</span></td>\
         <td class=\"c-name\"><a class=\"pname\" href=\"tail.html?processname={q}\" \
         title=\"{name}\">{short}</a></td>\
         <td class=\"c-desc\">{desc}</td>\
         <td class=\"c-res\">{RESOURCES}</td>\
         <td class=\"c-act\"><span class=\"ctl\">\
         <a class=\"btn a-start\" data-action=\"start\" \
         href=\"index.html?processname={q}&amp;action=start\">Start</a>\
         <a class=\"btn a-stop\" data-action=\"stop\" \
         href=\"index.html?processname={q}&amp;action=stop\">Stop</a>\
         <a class=\"btn a-restart\" data-action=\"restart\" \
         href=\"index.html?processname={q}&amp;action=restart\">Restart</a></span>\
         <span class=\"logs\">\
         <a class=\"a-tail\" href=\"tail.html?processname={q}\">stdout</a>\
         <a class=\"a-tail\" href=\"tail.html?processname={q}&amp;channel=stderr\">stderr</a>\
         <a class=\"a-clear\" data-action=\"clearlog\" \
         href=\"index.html?processname={q}&amp;action=clearlog\">clear</a></span></td></tr>",
        name = html(&namespec),
        short = html(&info.name),
        desc = html(&description(info, now)),
    ));
}

fn template_info() -> ProcessInfo {
    ProcessInfo {
        state: ProcessState::Unknown,
        ..ProcessInfo::not_started("".into(), "".into())
    }
}

/// `3 running · 1 stopped`, in state order.
fn summary(infos: &[Arc<ProcessInfo>]) -> String {
    use ProcessState as S;
    let order = [
        S::Running,
        S::Starting,
        S::Backoff,
        S::Stopping,
        S::Exited,
        S::Fatal,
        S::Stopped,
        S::Unknown,
    ];
    order
        .iter()
        .filter_map(|s| {
            let n = infos.iter().filter(|i| i.state == *s).count();
            (n > 0).then(|| format!("{n} {}", s.name().to_ascii_lowercase()))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str, state: ProcessState) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            state,
            ..template_info()
        }
    }

    #[test]
    fn rows_carry_supervisors_links() {
        let infos = [
            info("g", "a", ProcessState::Running),
            info("g", "b", ProcessState::Stopped),
            info("web", "web", ProcessState::Fatal),
        ];
        let infos = infos.map(Arc::new);
        let page = render("supervisor", &infos, Some("Process <x> stopped"));
        assert!(page.contains("href=\"index.html?processname=g%3Aa&amp;action=stop\""));
        assert!(page.contains("href=\"tail.html?processname=web\""));
        assert!(page.contains("data-name=\"g:b\" data-s=\"stopped\""));
        assert!(page.contains("Process &lt;x&gt; stopped"));
        // The group of two has a header; the plain program does not.
        assert_eq!(
            page.matches("class=\"ghead\"").count(),
            2,
            "g, and the template"
        );
        assert!(page.contains("1 running · 1 fatal · 1 stopped"));
    }

    #[test]
    fn messages_read_as_errors() {
        assert!(is_error("ERROR: Process a: spawn error"));
        assert!(is_error("unexpected rpc fault [70] NOT_RUNNING: a"));
        assert!(!is_error("Process a stopped"));
    }
}
