//! `healthcheck_*` and `ready_notify` (extensions; Python Supervisor ignores them): when a
//! process counts as ready, and how its health is probed. Defaults live in the option table.

use super::load::clamp_u64;
use super::section::{value_problem, Problem, SectionReader};
use super::types::{integer, ValueResult};

/// How a process is probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Run with `/bin/sh -c`; exit 0 is healthy.
    Command(String),
    /// `http://host:port/path` (or `https://`, without checking the certificate): a 2xx or
    /// 3xx answer is healthy.
    Http {
        host: String,
        port: u16,
        path: String,
        tls: bool,
    },
    /// `tcp://host:port`: a connection is healthy.
    Tcp { host: String, port: u16 },
}

/// What a failing health check does once `retries` probes in a row have failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthAction {
    Restart,
    Stop,
    None,
}

/// A program's health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub probe: Probe,
    /// Seconds between probes.
    pub interval: u64,
    /// Seconds a probe may take before it counts as failed.
    pub timeout: u64,
    pub retries: u32,
    /// Seconds after a spawn during which failures do not count.
    pub start_period: u64,
    pub action: HealthAction,
}

/// `healthcheck_*`: `None` without a command or URL.
pub(super) fn health_check(s: &SectionReader) -> Result<Option<HealthCheck>, Problem> {
    // Every option is read (and so checked) even without a probe to use it.
    let command = s.option_text("healthcheck_command")?;
    let url = s.option_if_set("healthcheck_url", probe_url)?;
    let seconds = |name: &str| -> Result<u64, Problem> { Ok(clamp_u64(s.option(name, integer)?)) };
    let interval = seconds("healthcheck_interval")?.max(1);
    let timeout = seconds("healthcheck_timeout")?.max(1);
    let retries = u32::try_from(seconds("healthcheck_retries")?.max(1)).unwrap_or(u32::MAX);
    let start_period = seconds("healthcheck_start_period")?;
    let action = s.option("healthcheck_action", health_action)?;
    let probe = match (command, url) {
        (None, None) => return Ok(None),
        (Some(command), None) => Probe::Command(command),
        (None, Some(url)) => url,
        (Some(_), Some(_)) => {
            return Err(value_problem(
                "healthcheck_url",
                "set healthcheck_command or healthcheck_url, not both".into(),
            ))
        }
    };
    Ok(Some(HealthCheck {
        probe,
        interval,
        timeout,
        retries,
        start_period,
        action,
    }))
}

/// `ready_notify`: `sd_notify`, or left out.
pub(super) fn ready_notify(s: &SectionReader) -> Result<bool, Problem> {
    Ok(s.option_if_set("ready_notify", |text| {
        if text.eq_ignore_ascii_case("sd_notify") {
            Ok(())
        } else {
            Err(format!(
                "invalid 'ready_notify' value {} (sd_notify)",
                super::py::repr(text)
            ))
        }
    })?
    .is_some())
}

fn health_action(text: &str) -> ValueResult<HealthAction> {
    match text.to_lowercase().as_str() {
        "restart" => Ok(HealthAction::Restart),
        "stop" => Ok(HealthAction::Stop),
        "none" => Ok(HealthAction::None),
        _ => Err(format!(
            "invalid 'healthcheck_action' value {} (restart, stop or none)",
            super::py::repr(text)
        )),
    }
}

/// `http[s]://host[:port][/path]` or `tcp://host:port`.
fn probe_url(url: &str) -> ValueResult<Probe> {
    let bad = |why: &str| format!("invalid health check URL {}: {why}", super::py::repr(url));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // `[::1]:80`: an IPv6 address keeps its colons inside brackets.
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']').ok_or_else(|| bad("no ']'"))?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = port
        .map(|p| p.parse::<u16>().map_err(|_| bad("bad port")))
        .transpose()?;
    if host.is_empty() {
        return Err(bad("no host"));
    }
    match scheme.to_lowercase().as_str() {
        scheme @ ("http" | "https") => {
            let tls = scheme == "https";
            Ok(Probe::Http {
                host: host.to_string(),
                port: port.unwrap_or(if tls { 443 } else { 80 }),
                path: path.to_string(),
                tls,
            })
        }
        "tcp" => Ok(Probe::Tcp {
            host: host.to_string(),
            port: port.ok_or_else(|| bad("tcp:// needs a port"))?,
        }),
        _ => Err(bad("the scheme must be http, https or tcp")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_urls() {
        assert_eq!(
            probe_url("http://localhost:8080/health"),
            Ok(Probe::Http {
                host: "localhost".into(),
                port: 8080,
                path: "/health".into(),
                tls: false,
            })
        );
        assert_eq!(
            probe_url("HTTP://[::1]"),
            Ok(Probe::Http {
                host: "::1".into(),
                port: 80,
                path: "/".into(),
                tls: false,
            })
        );
        assert_eq!(
            probe_url("https://localhost/ok"),
            Ok(Probe::Http {
                host: "localhost".into(),
                port: 443,
                path: "/ok".into(),
                tls: true,
            })
        );
        assert_eq!(
            probe_url("tcp://127.0.0.1:5432"),
            Ok(Probe::Tcp {
                host: "127.0.0.1".into(),
                port: 5432
            })
        );
        assert!(probe_url("tcp://db").unwrap_err().contains("needs a port"));
        assert!(probe_url("ftp://x").unwrap_err().contains("scheme"));
        assert!(probe_url("localhost:80").unwrap_err().contains("no scheme"));
    }
}
