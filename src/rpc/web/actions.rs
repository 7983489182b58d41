//! The status page's actions (`?action=...`), performed through the XML-RPC methods so that
//! they behave exactly as `supervisorctl` would, and worded as Supervisor's web.py words them
//! (`Process web stopped`, `ERROR: Process web: spawn error`, `All stopped at <ctime>`), since
//! that text ends up in the `?message=` of the redirect that scripts follow.

use chrono::Local;

use crate::rpc::faults::{Fault, FaultCode};
use crate::rpc::methods::call_method;
use crate::rpc::xmlrpc::Value;
use crate::rpc::Backend;

/// An action the page can ask for: Supervisor's seven, plus group start/stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Refresh,
    StopAll,
    RestartAll,
    Start,
    Stop,
    Restart,
    ClearLog,
    /// Not in Supervisor: start every process of the group named by `processname`.
    StartGroup,
    /// Not in Supervisor: stop every process of the group named by `processname`.
    StopGroup,
}

impl Action {
    pub fn parse(name: &str) -> Option<Action> {
        Some(match name {
            "refresh" => Action::Refresh,
            "stopall" => Action::StopAll,
            "restartall" => Action::RestartAll,
            "start" => Action::Start,
            "stop" => Action::Stop,
            "restart" => Action::Restart,
            "clearlog" => Action::ClearLog,
            "startgroup" => Action::StartGroup,
            "stopgroup" => Action::StopGroup,
            _ => return None,
        })
    }
}

/// What an action did: the message to show, and whether it is good news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub message: String,
    pub ok: bool,
}

impl Outcome {
    fn ok(message: String) -> Outcome {
        Outcome { message, ok: true }
    }

    fn failed(message: String) -> Outcome {
        Outcome { message, ok: false }
    }
}

/// Performs `action` on `name`. None when Supervisor would fail the request with a 500: a
/// process action without a process name (its `make_callback` raises ValueError then).
pub async fn perform(backend: &Backend, action: Action, name: Option<&str>) -> Option<Outcome> {
    let outcome = match (action, name) {
        (Action::Refresh, _) => Outcome::ok(format!("Page refreshed at {}", ctime())),
        (Action::StopAll, _) => {
            // Per-process failures are in the result list; Supervisor reports none of them.
            let _ = call(backend, "supervisor.stopAllProcesses", &[]).await;
            Outcome::ok(format!("All stopped at {}", ctime()))
        }
        (Action::RestartAll, _) => {
            let _ = call(backend, "supervisor.stopAllProcesses", &[]).await;
            let _ = call(backend, "supervisor.startAllProcesses", &[]).await;
            Outcome::ok(format!("All restarted at {}", ctime()))
        }
        (Action::StartGroup, Some(group)) => group_action(backend, group, true).await,
        (Action::StopGroup, Some(group)) => group_action(backend, group, false).await,
        (_, Some(name)) => process_action(backend, action, name).await,
        (_, None) => return None,
    };
    Some(outcome)
}

async fn process_action(backend: &Backend, action: Action, name: &str) -> Outcome {
    let known = backend.processes.borrow().find(name).is_some();
    if !known {
        return Outcome::failed(format!("No such process named {name}"));
    }
    let arg = [Value::from(name)];
    match action {
        Action::Start => match call(backend, "supervisor.startProcess", &arg).await {
            Ok(_) => Outcome::ok(format!("Process {name} started")),
            Err(fault) => {
                Outcome::failed(format!("ERROR: Process {name}: {}", start_error(&fault)))
            }
        },
        Action::Stop => match call(backend, "supervisor.stopProcess", &arg).await {
            Ok(_) => Outcome::ok(format!("Process {name} stopped")),
            Err(fault) => Outcome::failed(unexpected(&fault)),
        },
        Action::Restart => {
            // Supervisor's multicall of stop then start: a stop that fails (the process was
            // not running) does not prevent the start.
            let _ = call(backend, "supervisor.stopProcess", &arg).await;
            match call(backend, "supervisor.startProcess", &arg).await {
                Ok(_) => Outcome::ok(format!("Process {name} restarted")),
                // Supervisor says "restarted" even then; saying why the start failed is
                // plainly more useful and changes no interface.
                Err(fault) => {
                    Outcome::failed(format!("ERROR: Process {name}: {}", start_error(&fault)))
                }
            }
        }
        Action::ClearLog => match call(backend, "supervisor.clearProcessLogs", &arg).await {
            Ok(_) => Outcome::ok(format!("Log for {name} cleared")),
            Err(fault) => Outcome::failed(unexpected(&fault)),
        },
        _ => unreachable!("not a process action: {action:?}"),
    }
}

async fn group_action(backend: &Backend, group: &str, start: bool) -> Outcome {
    let method = if start {
        "supervisor.startProcessGroup"
    } else {
        "supervisor.stopProcessGroup"
    };
    match call(backend, method, &[Value::from(group)]).await {
        Ok(results) => {
            let failures: Vec<String> = results
                .as_array()
                .unwrap_or_default()
                .iter()
                .filter(|r| {
                    r.get("status").and_then(Value::as_i64)
                        != Some(FaultCode::Success.code().into())
                })
                .map(|r| {
                    let field = |k| r.get(k).and_then(Value::as_str).unwrap_or_default();
                    format!("{} ({})", field("name"), field("description"))
                })
                .collect();
            let done = if start { "started" } else { "stopped" };
            if failures.is_empty() {
                Outcome::ok(format!("Group {group} {done}"))
            } else {
                Outcome::failed(format!(
                    "ERROR: Group {group}: not {done}: {}",
                    failures.join(", ")
                ))
            }
        }
        Err(fault) if fault.code == FaultCode::BadName => {
            Outcome::failed(format!("No such group named {group}"))
        }
        Err(fault) => Outcome::failed(unexpected(&fault)),
    }
}

async fn call(backend: &Backend, method: &str, params: &[Value]) -> Result<Value, Fault> {
    call_method(backend, method, params).await
}

/// web.py's wording of a failed start.
fn start_error(fault: &Fault) -> String {
    match fault.code {
        FaultCode::NoFile => "no such file".into(),
        FaultCode::NotExecutable => "file not executable".into(),
        FaultCode::AlreadyStarted => "already started".into(),
        FaultCode::SpawnError => "spawn error".into(),
        FaultCode::AbnormalTermination => "abnormal termination".into(),
        _ => unexpected(fault),
    }
}

/// web.py's catch-all: the fault code and the faultString (`RPCError.text`).
fn unexpected(fault: &Fault) -> String {
    format!("unexpected rpc fault [{}] {fault}", fault.code.code())
}

/// Python's `time.ctime()`: `Sun Jun 20 23:21:05 1993`, local time, day padded with a space.
fn ctime() -> String {
    Local::now().format("%a %b %e %H:%M:%S %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names() {
        assert_eq!(Action::parse("clearlog"), Some(Action::ClearLog));
        assert_eq!(Action::parse("restartall"), Some(Action::RestartAll));
        assert_eq!(Action::parse("shutdown"), None);
    }

    #[test]
    fn fault_wording_matches_web_py() {
        assert_eq!(
            start_error(&Fault::with(FaultCode::SpawnError, "web")),
            "spawn error"
        );
        assert_eq!(
            unexpected(&Fault::with(FaultCode::NotRunning, "web")),
            "unexpected rpc fault [70] NOT_RUNNING: web"
        );
        assert_eq!(
            start_error(&Fault::new(FaultCode::ShutdownState)),
            "unexpected rpc fault [6] SHUTDOWN_STATE"
        );
        assert_eq!(ctime().len(), 24);
    }
}
