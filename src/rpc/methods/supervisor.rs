//! The supervisor namespace (rpcinterface.py): each method turns its parameters into one
//! Registry message and the reply into Supervisor's return shape or Fault. This is the only
//! place where actor errors become fault codes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix::prelude::*;

use super::args;
use crate::actors::events::{Event, Publish};
use crate::actors::group::{Action, ActionError, MemberResult};
use crate::actors::mainlog;

use crate::actors::process::{StartError, StdinError, StopError};
use crate::actors::registry::{
    self, split_namespec, AddGroup, ConfigEntry, ConfigInfo, ControlAll, ControlGroup, ControlOne,
    GroupChangeError, Mood, Outcome, Registry, RegistryError, RemoveGroup, Reread, SendStdin,
};
use crate::config::{LogStreamConfig, LogTarget};
use crate::model::{Channel, ProcessInfo};
use crate::rpc::describe::description;
use crate::rpc::faults::{Fault, FaultCode};
use crate::rpc::logfile;
use crate::rpc::xmlrpc::{Key, Value};
use crate::rpc::Backend;

/// The RPC API version stock clients expect (getAPIVersion, getVersion).
pub const API_VERSION: &str = "3.0";
/// The Supervisor release whose behaviour we reproduce.
pub const SUPERVISOR_VERSION: &str = "4.3.0";

pub async fn call(backend: &Backend, method: &str, params: &[Value]) -> Result<Value, Fault> {
    // Every supervisor.* call is refused while stopping (rpcinterface's _update).
    if *backend.mood.borrow() != Mood::Running {
        return Err(Fault::new(FaultCode::ShutdownState));
    }
    match method {
        "getAPIVersion" | "getVersion" => Ok(API_VERSION.into()),
        "getSupervisorVersion" => Ok(SUPERVISOR_VERSION.into()),
        "getIdentification" => Ok(Value::from(backend.identifier.as_str())),
        "getState" => Ok(state(Mood::Running)),
        "getPID" => Ok(Value::capped_int(std::process::id().into())),
        "readLog" | "readMainLog" => read_main_log(backend, params),
        "clearLog" => clear_main_log(backend),
        "shutdown" => end_run(backend, Outcome::Shutdown).await,
        "restart" => end_run(backend, Outcome::Restart).await,
        "reloadConfig" => reload_config(backend).await,
        "addProcessGroup" => change_group(backend, AddGroup(args::string(params, 0)?.into())).await,
        "removeProcessGroup" => {
            change_group(backend, RemoveGroup(args::string(params, 0)?.into())).await
        }
        "getProcessInfo" => process_info(backend, args::string(params, 0)?),
        "getAllProcessInfo" => all_process_info(backend),
        "getAllConfigInfo" => all_config_info(backend).await,
        "startProcess" | "stopProcess" => {
            let action = start_or_stop(method, args::flag(params, 1, true)?);
            control_one(backend, args::string(params, 0)?, action).await
        }
        "startProcessGroup" | "stopProcessGroup" => {
            let action = start_or_stop(method, args::flag(params, 1, true)?);
            control_group(backend, args::string(params, 0)?, action).await
        }
        "startAllProcesses" | "stopAllProcesses" => {
            control_all(backend, start_or_stop(method, args::flag(params, 0, true)?)).await
        }
        "signalProcess" => signal_process(backend, params).await,
        "signalProcessGroup" => {
            signal_many(backend, Some(args::string(params, 0)?), params, 1).await
        }
        "signalAllProcesses" => signal_many(backend, None, params, 0).await,
        "clearProcessLogs" | "clearProcessLog" => {
            clear_process_logs(backend, args::string(params, 0)?).await
        }
        "clearAllProcessLogs" => control_all(backend, Action::ClearLogs).await,
        "readProcessStdoutLog" | "readProcessLog" => {
            read_process_log(backend, params, Channel::Stdout)
        }
        "readProcessStderrLog" => read_process_log(backend, params, Channel::Stderr),
        "tailProcessStdoutLog" | "tailProcessLog" => {
            tail_process_log(backend, params, Channel::Stdout)
        }
        "tailProcessStderrLog" => tail_process_log(backend, params, Channel::Stderr),
        "sendProcessStdin" => send_stdin(backend, params).await,
        "sendRemoteCommEvent" => send_remote_comm_event(backend, params).await,
        _ => Err(Fault::new(FaultCode::UnknownMethod)),
    }
}

/// The action of a start* or stop* method.
fn start_or_stop(method: &str, wait: bool) -> Action {
    if method.starts_with("start") {
        Action::Start { wait }
    } else {
        Action::Stop { wait }
    }
}

/// Sends `msg` to the Registry; a lost mailbox is a FAILED fault.
async fn ask<M>(backend: &Backend, msg: M) -> Result<M::Result, Fault>
where
    M: Message + Send + 'static,
    M::Result: Send,
    Registry: Handler<M>,
{
    backend
        .registry
        .send(msg)
        .await
        .map_err(|e| Fault::with(FaultCode::Failed, e.to_string()))
}

fn bad_name(RegistryError::BadName(name): RegistryError) -> Fault {
    Fault::with(FaultCode::BadName, name)
}

fn state(mood: Mood) -> Value {
    Value::from_pairs([
        ("statecode", Value::Int(mood.code().into())),
        ("statename", mood.name().into()),
    ])
}

fn text(bytes: &[u8]) -> Value {
    // Child output need not be UTF-8; an XML string must be.
    Value::from(String::from_utf8_lossy(bytes).into_owned())
}

fn read_main_log(backend: &Backend, params: &[Value]) -> Result<Value, Fault> {
    let (offset, length) = (args::int(params, 0)?, args::int(params, 1)?);
    let path = backend.mainlog.path().filter(|p| p.exists());
    let path = path.ok_or_else(|| no_file(backend.mainlog.path()))?;
    Ok(text(&logfile::read_file(&path, offset, length)?))
}

fn no_file(path: Option<PathBuf>) -> Fault {
    match path {
        Some(p) => Fault::with(FaultCode::NoFile, p.display().to_string()),
        None => Fault::new(FaultCode::NoFile),
    }
}

fn clear_main_log(backend: &Backend) -> Result<Value, Fault> {
    // Supervisor writes this just before its handler reopens the removed file, so the
    // cleared log does not show it; stdout (with -n) does.
    mainlog::reopening_log_file();
    match backend.mainlog.clear() {
        Ok(()) => Ok(true.into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Fault::new(FaultCode::NoFile)),
        Err(_) => Err(Fault::new(FaultCode::Failed)),
    }
}

async fn end_run(backend: &Backend, outcome: Outcome) -> Result<Value, Fault> {
    ask(backend, registry::Stop(outcome))
        .await?
        .map_err(|e| Fault::with(FaultCode::CantReread, e))?;
    Ok(true.into())
}

async fn reload_config(backend: &Backend) -> Result<Value, Fault> {
    let diff = ask(backend, Reread)
        .await?
        .map_err(|e| Fault::with(FaultCode::CantReread, e))?;
    let names = |v: Vec<String>| Value::Array(v.into_iter().map(Value::from).collect());
    Ok(Value::Array(vec![Value::Array(vec![
        names(diff.added),
        names(diff.changed),
        names(diff.removed),
    ])]))
}

async fn change_group<M>(backend: &Backend, msg: M) -> Result<Value, Fault>
where
    M: Message<Result = Result<(), GroupChangeError>> + Send + 'static,
    Registry: Handler<M>,
{
    ask(backend, msg).await?.map_err(|e| match e {
        GroupChangeError::BadName(n) => Fault::with(FaultCode::BadName, n),
        GroupChangeError::AlreadyAdded(n) => Fault::with(FaultCode::AlreadyAdded, n),
        GroupChangeError::StillRunning(n) => Fault::with(FaultCode::StillRunning, n),
    })?;
    Ok(true.into())
}

/// getProcessInfo's struct, fields in Supervisor's order.
pub(crate) fn info_struct(info: &ProcessInfo, now: i64) -> Value {
    let path = |p: &Option<Arc<Path>>| {
        Value::from(
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
    };
    Value::from_pairs([
        ("name", Value::from(&*info.name)),
        ("group", (&*info.group).into()),
        ("start", Value::capped_int(info.start)),
        ("stop", Value::capped_int(info.stop)),
        ("now", Value::capped_int(now)),
        ("state", Value::Int(info.state.code().into())),
        ("statename", info.state.name().into()),
        ("spawnerr", info.spawnerr.as_str().into()),
        ("exitstatus", Value::capped_int(info.exitstatus.into())),
        ("logfile", path(&info.stdout_logfile)),
        ("stdout_logfile", path(&info.stdout_logfile)),
        ("stderr_logfile", path(&info.stderr_logfile)),
        ("pid", Value::capped_int(info.pid.into())),
        ("description", description(info, now).into()),
    ])
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Every process's snapshot, read from the table the Registry publishes.
fn all_infos(backend: &Backend) -> Vec<Arc<ProcessInfo>> {
    backend.processes.borrow().all()
}

fn process_info(backend: &Backend, namespec: &str) -> Result<Value, Fault> {
    let info = backend.processes.borrow().get(namespec).map_err(bad_name)?;
    Ok(info_struct(&info, now()))
}

fn all_process_info(backend: &Backend) -> Result<Value, Fault> {
    let now = now();
    Ok(Value::Array(
        all_infos(backend)
            .iter()
            .map(|i| info_struct(i, now))
            .collect(),
    ))
}

async fn all_config_info(backend: &Backend) -> Result<Value, Fault> {
    let entries = ask(backend, ConfigInfo).await?;
    let running = all_infos(backend);
    Ok(Value::Array(
        entries.iter().map(|e| config_struct(e, &running)).collect(),
    ))
}

/// One getAllConfigInfo struct. `None` shows as "none" and AUTO as "auto" (XML-RPC has no
/// nil); an AUTO log of a running group shows the file actually in use.
fn config_struct(entry: &ConfigEntry, running: &[Arc<ProcessInfo>]) -> Value {
    let p = &entry.process;
    let live = running
        .iter()
        .find(|i| *i.group == *entry.group && *i.name == *p.name);
    let logfile = |target: &LogTarget, actual: Option<&Option<Arc<Path>>>| -> Value {
        match (target, actual) {
            (LogTarget::Path(path), _) => path.display().to_string().into(),
            (LogTarget::Auto, Some(Some(path))) => path.display().to_string().into(),
            (LogTarget::Auto, _) => "auto".into(),
            (LogTarget::None | LogTarget::Syslog, _) => "none".into(),
        }
    };
    let stderr_target = if p.redirect_stderr {
        &LogTarget::None
    } else {
        &p.stderr.logfile
    };
    let opt = |s: Option<String>| Value::from(s.unwrap_or_else(|| "none".into()));
    let mut fields = pairs([
        ("autostart", Value::Bool(p.autostart)),
        (
            "directory",
            opt(p.directory.as_ref().map(|d| d.display().to_string())),
        ),
        (
            "uid",
            p.uid
                .map(|u| Value::capped_int(u.into()))
                .unwrap_or_else(|| "none".into()),
        ),
        ("command", p.command.as_str().into()),
        (
            "exitcodes",
            Value::Array(
                p.exitcodes
                    .iter()
                    .map(|c| Value::Int((*c).into()))
                    .collect(),
            ),
        ),
        ("group", entry.group.as_str().into()),
        ("group_prio", Value::capped_int(entry.group_priority.into())),
        ("inuse", Value::Bool(entry.inuse)),
        ("killasgroup", Value::Bool(p.killasgroup)),
        ("name", p.name.as_str().into()),
        ("process_prio", Value::capped_int(p.priority.into())),
        ("redirect_stderr", Value::Bool(p.redirect_stderr)),
        (
            "startretries",
            Value::capped_int(p.startretries.map_or(-1, i64::from)),
        ),
        ("startsecs", Value::capped_int(p.startsecs as i64)),
    ]);
    let stdout_log = logfile(&p.stdout.logfile, live.map(|i| &i.stdout_logfile));
    fields.extend(stream_fields(STDOUT_FIELDS, &p.stdout, stdout_log));
    fields.extend([
        ("stopsignal".into(), Value::Int(p.stopsignal.into())),
        (
            "stopwaitsecs".into(),
            Value::capped_int(p.stopwaitsecs as i64),
        ),
    ]);
    let stderr_log = logfile(stderr_target, live.map(|i| &i.stderr_logfile));
    fields.extend(stream_fields(STDERR_FIELDS, &p.stderr, stderr_log));
    fields.push(("serverurl".into(), opt(p.serverurl.clone())));
    Value::Struct(fields)
}

/// Struct members from `(name, value)` pairs.
fn pairs<const N: usize>(items: [(&'static str, Value); N]) -> Vec<(Key, Value)> {
    items.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

/// The six fields of one stream in getAllConfigInfo, in Supervisor's order; full names, so
/// a grep for any of them finds it.
const STDOUT_FIELDS: [&str; 6] = [
    "stdout_capture_maxbytes",
    "stdout_events_enabled",
    "stdout_logfile",
    "stdout_logfile_backups",
    "stdout_logfile_maxbytes",
    "stdout_syslog",
];
const STDERR_FIELDS: [&str; 6] = [
    "stderr_capture_maxbytes",
    "stderr_events_enabled",
    "stderr_logfile",
    "stderr_logfile_backups",
    "stderr_logfile_maxbytes",
    "stderr_syslog",
];

/// One stream's fields of getAllConfigInfo, named by `names` (STDOUT_FIELDS or STDERR_FIELDS).
fn stream_fields(
    names: [&'static str; 6],
    stream: &LogStreamConfig,
    logfile: Value,
) -> Vec<(Key, Value)> {
    let values = [
        Value::capped_int(stream.capture_maxbytes as i64),
        Value::Bool(stream.events_enabled),
        logfile,
        Value::capped_int(stream.logfile_backups.into()),
        Value::capped_int(stream.logfile_maxbytes as i64),
        Value::Bool(stream.syslog),
    ];
    names.into_iter().map(Key::from).zip(values).collect()
}

/// The fault for one failed action on `namespec`, worded as rpcinterface words it.
fn action_fault(namespec: &str, error: ActionError) -> Fault {
    let name = || namespec.to_string();
    match error {
        ActionError::Start(e) => match e {
            StartError::NoFile(msg) => Fault::with(FaultCode::NoFile, msg),
            StartError::NotExecutable(msg) => Fault::with(FaultCode::NotExecutable, msg),
            StartError::AlreadyStarted => Fault::with(FaultCode::AlreadyStarted, name()),
            StartError::UnknownState(_) => Fault::with(
                FaultCode::Failed,
                format!("{namespec} is in an unknown process state"),
            ),
            StartError::SpawnError => Fault::with(FaultCode::SpawnError, name()),
            StartError::AbnormalTermination => Fault::with(FaultCode::AbnormalTermination, name()),
            StartError::ShuttingDown => Fault::new(FaultCode::ShutdownState),
        },
        ActionError::Stop(StopError::NotRunning) => Fault::with(FaultCode::NotRunning, name()),
        ActionError::Stop(StopError::Failed(msg)) => Fault::with(FaultCode::Failed, msg),
    }
}

/// startProcess / stopProcess on one name; `group:*` goes to the group variant.
async fn control_one(backend: &Backend, namespec: &str, action: Action) -> Result<Value, Fault> {
    if let (group, None) = split_namespec(namespec) {
        return control_group(backend, group, action).await;
    }
    let reply = ask(
        backend,
        ControlOne {
            namespec: namespec.into(),
            action,
        },
    )
    .await?
    .map_err(bad_name)?;
    reply.map_err(|e| action_fault(namespec, e))?;
    Ok(true.into())
}

async fn control_group(backend: &Backend, group: &str, action: Action) -> Result<Value, Fault> {
    let results = ask(
        backend,
        ControlGroup {
            group: group.into(),
            action,
        },
    )
    .await?
    .map_err(bad_name)?;
    Ok(results_array(results))
}

async fn control_all(backend: &Backend, action: Action) -> Result<Value, Fault> {
    Ok(results_array(ask(backend, ControlAll { action }).await?))
}

/// make_allfunc's result list: `{name, group, status, description}` per process.
fn results_array(results: Vec<MemberResult>) -> Value {
    Value::Array(
        results
            .into_iter()
            .map(|r| {
                let namespec = if r.group == r.name {
                    r.name.clone()
                } else {
                    format!("{}:{}", r.group, r.name)
                };
                let (status, description) = match r.result {
                    Ok(()) => (FaultCode::Success.code(), "OK".to_string()),
                    // make_allfunc puts RPCError.text here: the whole `NAME: detail`.
                    Err(e) => {
                        let fault = action_fault(&namespec, e);
                        (fault.code.code(), fault.to_string())
                    }
                };
                Value::from_pairs([
                    ("name", Value::from(r.name)),
                    ("group", r.group.into()),
                    ("status", Value::Int(status.into())),
                    ("description", description.into()),
                ])
            })
            .collect(),
    )
}

/// signalProcessGroup / signalAllProcesses (`group` None). Supervisor checks the signal
/// per process (make_allfunc over signalProcess), so a bad one is not a fault of the call
/// but a BAD_SIGNAL result for each signallable process, and `[]` when none is.
async fn signal_many(
    backend: &Backend,
    group: Option<&str>,
    params: &[Value],
    i: usize,
) -> Result<Value, Fault> {
    let fault = match args::signal(params, i) {
        Ok((sig, _)) => {
            return match group {
                Some(group) => control_group(backend, group, Action::Signal(sig)).await,
                None => control_all(backend, Action::Signal(sig)).await,
            }
        }
        Err(fault) if fault.code == FaultCode::BadSignal => fault,
        Err(fault) => return Err(fault),
    };
    let infos = all_infos(backend);
    if let Some(group) = group {
        if !infos.iter().any(|info| &*info.group == group) {
            return Err(Fault::with(FaultCode::BadName, group));
        }
    }
    Ok(Value::Array(
        infos
            .iter()
            .filter(|info| group.is_none_or(|g| &*info.group == g) && info.state.is_signallable())
            .map(|info| {
                Value::from_pairs([
                    ("name", Value::from(&*info.name)),
                    ("group", (&*info.group).into()),
                    ("status", Value::Int(fault.code.code().into())),
                    ("description", fault.to_string().into()),
                ])
            })
            .collect(),
    ))
}

async fn signal_process(backend: &Backend, params: &[Value]) -> Result<Value, Fault> {
    let namespec = args::string(params, 0)?;
    if let (group, None) = split_namespec(namespec) {
        return signal_many(backend, Some(group), params, 1).await;
    }
    // The name is checked before the signal, as Supervisor does.
    backend.processes.borrow().get(namespec).map_err(bad_name)?;
    let (sig, _) = args::signal(params, 1)?;
    control_one(backend, namespec, Action::Signal(sig)).await
}

async fn clear_process_logs(backend: &Backend, namespec: &str) -> Result<Value, Fault> {
    let reply = ask(
        backend,
        ControlOne {
            namespec: namespec.into(),
            action: Action::ClearLogs,
        },
    )
    .await?;
    reply
        .map_err(bad_name)?
        .map_err(|_| Fault::with(FaultCode::Failed, namespec))?;
    Ok(true.into())
}

fn log_path(backend: &Backend, namespec: &str, channel: Channel) -> Result<Option<PathBuf>, Fault> {
    backend
        .processes
        .borrow()
        .log_file(namespec, channel)
        .map_err(bad_name)
}

fn read_process_log(backend: &Backend, params: &[Value], channel: Channel) -> Result<Value, Fault> {
    let namespec = args::string(params, 0)?;
    let (offset, length) = (args::int(params, 1)?, args::int(params, 2)?);
    let path = log_path(backend, namespec, channel)?;
    match path {
        Some(path) if path.exists() => Ok(text(&logfile::read_file(&path, offset, length)?)),
        other => Err(no_file(other)),
    }
}

fn tail_process_log(backend: &Backend, params: &[Value], channel: Channel) -> Result<Value, Fault> {
    let namespec = args::string(params, 0)?;
    let (offset, length) = (args::int(params, 1)?, args::int(params, 2)?);
    let (data, offset, overflow) = match log_path(backend, namespec, channel)? {
        Some(path) if path.exists() => logfile::tail_file(&path, offset, length)?,
        _ => (Vec::new(), 0, false),
    };
    Ok(Value::Array(vec![
        text(&data),
        Value::capped_int(offset),
        Value::Bool(overflow),
    ]))
}

async fn send_stdin(backend: &Backend, params: &[Value]) -> Result<Value, Fault> {
    let namespec = args::string(params, 0)?;
    let data = match params.get(1) {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(Value::Base64(b)) => b.clone(),
        // Supervisor's own check: `RPCError(Faults.INCORRECT_PARAMETERS, chars)`.
        Some(other) => {
            return Err(match args::python_str(other) {
                Some(shown) => Fault::with(FaultCode::IncorrectParameters, shown),
                None => Fault::new(FaultCode::IncorrectParameters),
            })
        }
        None => return Err(Fault::new(FaultCode::IncorrectParameters)),
    };
    let reply = ask(
        backend,
        SendStdin {
            namespec: namespec.into(),
            data,
        },
    )
    .await?
    .map_err(bad_name)?;
    match reply {
        Ok(()) => Ok(true.into()),
        Err(StdinError::NotRunning) => Err(Fault::with(FaultCode::NotRunning, namespec)),
        Err(StdinError::Closed) => Err(Fault::with(FaultCode::NoFile, namespec)),
        Err(e @ StdinError::Full { .. }) => {
            Err(Fault::with(FaultCode::Failed, format!("{namespec}: {e}")))
        }
    }
}

/// sendRemoteCommEvent(type, data): a REMOTE_COMMUNICATION event for the listeners; True.
async fn send_remote_comm_event(backend: &Backend, params: &[Value]) -> Result<Value, Fault> {
    // Supervisor only formats both into the event, so any value is accepted.
    let (typ, data) = (args::display(&params[0]), args::display(&params[1]));
    ask(backend, Publish(Event::remote_communication(&typ, &data))).await?;
    Ok(true.into())
}
