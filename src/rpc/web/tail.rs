//! The tail page (`/tail.html?processname=X[&limit=N]`): Supervisor's TailView, the last
//! `max(limit, 1024)` bytes of the process's stdout read with readProcessStdoutLog, and a
//! Refresh link. Beyond it: `&channel=stderr` shows stderr instead, and `tail.js` follows the
//! log as it grows by reading the `/logtail` stream.

use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::HttpResponse;

use super::text::{html, quote};
use super::{page_head, Form, ICON};
use crate::rpc::faults::FaultCode;
use crate::rpc::methods::call_method;
use crate::rpc::xmlrpc::Value;
use crate::rpc::Backend;

const SCRIPT: &str = include_str!("assets/tail.js");

/// The least a tail shows, and the default (web.py's `-1024`).
const MIN_LIMIT: i64 = 1024;

/// GET or POST `/tail.html`.
pub async fn page(backend: &Backend, form: &Form) -> HttpResponse {
    let name = form.get("processname");
    // web.py: `min(-1024, -int(limit))` when limit is all digits, else -1024.
    let limit = form
        .get("limit")
        .filter(|l| l.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|l| l.parse::<i64>().ok())
        .map_or(MIN_LIMIT, |l| l.max(MIN_LIMIT));
    let stderr = form.get("channel") == Some("stderr");
    let body = match name {
        None => Err("No process name found".to_string()),
        Some(name) => read(backend, name, limit, stderr).await,
    };
    HttpResponse::Ok()
        .content_type("text/html;charset=utf-8")
        .insert_header((PRAGMA, "no-cache"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(render(name, limit, stderr, &body))
}

/// The last `limit` bytes, or web.py's wording of why not.
async fn read(backend: &Backend, name: &str, limit: i64, stderr: bool) -> Result<String, String> {
    let method = if stderr {
        "supervisor.readProcessStderrLog"
    } else {
        "supervisor.readProcessStdoutLog"
    };
    let params = [
        Value::from(name),
        Value::from(-limit as i32),
        Value::from(0),
    ];
    match call_method(backend, method, &params).await {
        Ok(text) => Ok(text.as_str().unwrap_or_default().to_string()),
        Err(fault) if fault.code == FaultCode::NoFile => Err(format!("No file for {name}")),
        Err(fault) => Err(format!(
            "ERROR: unexpected rpc fault [{}] {fault}",
            fault.code.code()
        )),
    }
}

/// The page; `body` is the log text, or Err with the message shown in its place (which the
/// script replaces once the log has output).
fn render(name: Option<&str>, limit: i64, stderr: bool, body: &Result<String, String>) -> String {
    let (log, body) = match body {
        Ok(text) => ("1", text.as_str()),
        Err(message) => ("0", message.as_str()),
    };
    let title = format!("Supervisor tail of process {}", name.unwrap_or("None"));
    let mut out = page_head(&title);
    out.push_str(&format!(
        "<body class=\"tail\">\n<header class=\"top\"><div class=\"wrap\">\
         <a class=\"brand\" href=\"./\">{ICON}<span>Supervisor</span></a>\
         <span class=\"live\" id=\"live\" data-live=\"off\"><i></i><span>static</span></span>\
         </div></header>\n<main class=\"wrap\">\n"
    ));
    let channel = if stderr { "stderr" } else { "stdout" };
    match name {
        Some(name) => {
            let q = html(&quote(name));
            let on = |c: &str| if c == channel { " on" } else { "" };
            let raw = if stderr { "/stderr" } else { "" };
            out.push_str(&format!(
                "<div class=\"tailbar\"><a class=\"back\" href=\"./\">&larr; All processes</a>\
                 <h1 class=\"tname\">{name_html}</h1>\
                 <nav class=\"tabs\">\
                 <a class=\"tab{out_on}\" href=\"tail.html?processname={q}\">stdout</a>\
                 <a class=\"tab{err_on}\" href=\"tail.html?processname={q}&amp;channel=stderr\">stderr</a>\
                 </nav><span class=\"grow\"></span>\
                 <label class=\"follow\"><input type=\"checkbox\" id=\"follow\" checked> Follow</label>\
                 <a class=\"btn sm\" id=\"refresh_anchor\" \
                 href=\"tail.html?processname={q}&amp;limit={limit}{chan}\">Refresh</a>\
                 <a class=\"btn sm\" href=\"logtail/{q}{raw}\" target=\"_blank\">Raw tail -f</a></div>\n",
                name_html = html(name),
                out_on = on("stdout"),
                err_on = on("stderr"),
                chan = if stderr { "&amp;channel=stderr" } else { "" },
            ));
            out.push_str(&format!(
                "<pre id=\"tailbody\" class=\"log\" data-name=\"{}\" data-channel=\"{channel}\" \
                 data-log=\"{log}\">{}</pre>\n",
                html(name),
                html(body)
            ));
        }
        None => out.push_str(&format!(
            "<pre id=\"tailbody\" class=\"log\">{}</pre>\n",
            html(body)
        )),
    }
    out.push_str(&format!(
        "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_keeps_supervisors_title_and_refresh_link() {
        let page = render(Some("g:a"), 2048, false, &Ok("line <1>\n".into()));
        assert!(page.contains("<title>Supervisor tail of process g:a</title>"));
        assert!(page.contains("href=\"tail.html?processname=g%3Aa&amp;limit=2048\""));
        assert!(page.contains("line &lt;1&gt;\n</pre>"));
        let none = render(None, 1024, false, &Err("No process name found".into()));
        assert!(none.contains("No process name found</pre>"));
        assert!(!none.contains("refresh_anchor"));
    }
}
