//! The actions that drive processes and the daemon: status, start, stop, restart, signal,
//! pid, clear, version, shutdown, reload, open, help (those on the configuration, avail,
//! reread, update, add and remove, are in config_actions.rs; tail, maintail and fg in
//! logs.rs). Each follows the stock client's `do_<action>`: the same RPCs, the same lines, the
//! same exit statuses (see the LSB notes in `controller.rs`).
//!
//! Beyond the stock client, opt-in so that default output never changes: `status --json`,
//! `avail --json`, and `--parallel` on start/stop/restart (several names at once).

use super::controller::{
    exit, faults, int, is_stopped_code, namespec, split_namespec, text, CmdResult, Controller,
    Failure, Next,
};
use super::transport::{CallError, Client};
use super::{config_actions, help, logs};
use crate::rpc::xmlrpc::Value;

/// Whether `action` names a command (the stock client's `do_*` methods, `EOF` included).
pub fn known(action: &str) -> bool {
    matches!(action, "EOF") || help::topic(action).is_some()
}

/// Runs one action.
pub fn dispatch(c: &mut Controller, action: &str, arg: &str) -> Result<Next, Failure> {
    match action {
        "help" => do_help(c, arg),
        "EOF" | "quit" | "exit" => {
            c.output("");
            return Ok(Next::Quit);
        }
        "status" => status(c, arg)?,
        "pid" => pid(c, arg)?,
        "start" => start(c, arg)?,
        "stop" => stop(c, arg)?,
        "restart" => restart(c, arg)?,
        "signal" => signal(c, arg)?,
        "clear" => clear(c, arg)?,
        "tail" => logs::tail(c, arg)?,
        "maintail" => logs::maintail(c, arg)?,
        "fg" => logs::fg(c, arg)?,
        "avail" => config_actions::avail(c, arg)?,
        "reread" => config_actions::reread(c, arg)?,
        "update" => config_actions::update(c, arg)?,
        "add" => config_actions::add(c, arg)?,
        "remove" => config_actions::remove(c, arg)?,
        "version" => version(c, arg)?,
        "shutdown" => shutdown(c, arg)?,
        "reload" => reload(c, arg)?,
        "open" => open(c, arg)?,
        other => unreachable!("unknown action {other}"),
    }
    Ok(Next::Continue)
}

pub(super) fn words(arg: &str) -> Vec<String> {
    arg.split_whitespace().map(str::to_string).collect()
}

/// Prints an action's help after a usage error (the stock client's `help_<action>()`).
fn help_of(_c: &Controller, action: &str) {
    print!("{}", help::topic(action).expect("every action has help"));
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
}

fn do_help(c: &mut Controller, arg: &str) {
    if arg.is_empty() {
        print!("{}", help::TOPICS);
    } else {
        match help::topic(arg) {
            Some(text) => print!("{text}"),
            None => c.output(&format!("*** No help on {arg}")),
        }
    }
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
}

/// Takes `flag` out of `names`, saying whether it was there.
fn take_flag(names: &mut Vec<String>, flag: &str) -> bool {
    let before = names.len();
    names.retain(|n| n != flag);
    names.len() != before
}

pub(super) fn all_process_info(c: &mut Controller) -> Result<Vec<Value>, CallError> {
    let infos = c.call("supervisor.getAllProcessInfo", &[])?;
    Ok(infos.as_array().map(<[Value]>::to_vec).unwrap_or_default())
}

fn status(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        c.exitstatus = exit::STATUS_UNKNOWN;
        return Ok(());
    }
    let mut names = words(arg);
    let as_json = take_flag(&mut names, "--json");
    let all = all_process_info(c)?;
    let mut matching = Vec::new();
    if names.is_empty() || names.iter().any(|n| n == "all") {
        matching = all.clone();
    } else {
        for name in &names {
            let (group, process) = split_namespec(name);
            let mut found = false;
            for info in &all {
                let hit = text(info, "group") == group
                    && process.as_ref().is_none_or(|p| text(info, "name") == *p);
                if hit {
                    found = true;
                    matching.push(info.clone());
                }
            }
            if !found {
                let msg = match process {
                    None => format!("{group}: ERROR (no such group)"),
                    Some(_) => format!("{name}: ERROR (no such process)"),
                };
                // With --json, stdout carries only the document.
                if as_json {
                    eprintln!("{msg}");
                } else {
                    c.output(&msg);
                }
                c.exitstatus = exit::STATUS_UNKNOWN;
            }
        }
    }
    if as_json {
        c.output(&crate::rpc::json::encode_xmlrpc(&Value::Array(
            matching.clone(),
        )));
    } else {
        show_statuses(c, &matching);
    }
    if matching
        .iter()
        .any(|info| is_stopped_code(int(info, "state")))
    {
        c.exitstatus = exit::STATUS_NOT_RUNNING;
    }
    Ok(())
}

/// Each checked process's health word by namespec (`healthy`, ...), from our `health`
/// namespace; empty from a daemon without it (Python's), so the table stays Supervisor's.
fn health_words(c: &mut Controller) -> std::collections::HashMap<String, String> {
    let Ok(Value::Array(all)) = c.call("health.getAllProcessHealth", &[]) else {
        return Default::default();
    };
    all.iter()
        .filter(|h| text(h, "health") != "unchecked")
        .map(|h| {
            let word = match text(h, "health").as_str() {
                "starting" => "health: starting".to_string(),
                other => other.to_string(),
            };
            (namespec(&text(h, "group"), &text(h, "name")), word)
        })
        .collect()
}

/// The status table: name padded to the longest (at least 30) plus 3, state to 10; a
/// health-checked process's state says its health, as `RUNNING (healthy)`.
fn show_statuses(c: &mut Controller, infos: &[Value]) {
    let health = health_words(c);
    let specs: Vec<String> = infos
        .iter()
        .map(|i| namespec(&text(i, "group"), &text(i, "name")))
        .collect();
    let width = specs
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(30)
        + 3;
    for (spec, info) in specs.iter().zip(infos) {
        let state = match health.get(spec) {
            Some(word) => format!("{} ({word}) ", text(info, "statename")),
            None => text(info, "statename"),
        };
        c.output(&format!(
            "{spec:<width$}{state:<10}{}",
            text(info, "description")
        ));
    }
}

fn pid(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    let names = words(arg);
    if names.is_empty() {
        let pid = c.call("supervisor.getPID", &[])?;
        c.output(&super::controller::py_str(&pid));
    } else if names.iter().any(|n| n == "all") {
        for info in all_process_info(c)? {
            c.output(&int(&info, "pid").to_string());
        }
    } else {
        for name in &names {
            match c.call("supervisor.getProcessInfo", &[Value::String(name.clone())]) {
                Ok(info) => {
                    let pid = int(&info, "pid");
                    c.output(&pid.to_string());
                    if pid == 0 {
                        c.exitstatus = exit::NOT_RUNNING;
                    }
                }
                Err(CallError::Fault { code, .. }) if code == faults::BAD_NAME => {
                    c.exitstatus = exit::GENERIC;
                    c.output(&format!("No such process {name}"));
                }
                Err(e @ CallError::Fault { .. }) => {
                    c.exitstatus = exit::GENERIC;
                    return Err(e.into());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// One line of output and how it moves the exit status, so that work done in parallel
/// can be reported in the order the names were given.
enum Effect {
    None,
    /// `set_exitstatus_from_xmlrpc_fault(code, ignored)`.
    Fault(i32, Option<i32>),
    Set(i32),
}

type Lines = Vec<(String, Effect)>;

/// A result struct's outcome line (`_startresult`, `_signalresult`, `_clearresult`).
fn result_line(kind: Kind, r: &Value) -> Result<String, Failure> {
    let name = namespec(&text(r, "group"), &text(r, "name"));
    let code = int(r, "status") as i32;
    let err = |why: &str| Ok(format!("{name}: ERROR ({why})"));
    match (kind, code) {
        (_, faults::BAD_NAME) => err("no such process"),
        (Kind::Start, faults::NO_FILE) => err("no such file"),
        (Kind::Start, faults::NOT_EXECUTABLE) => err("file is not executable"),
        (Kind::Start, faults::ALREADY_STARTED) => err("already started"),
        (Kind::Start, faults::SPAWN_ERROR) => err("spawn error"),
        (Kind::Start, faults::ABNORMAL_TERMINATION) => err("abnormal termination"),
        (Kind::Start, faults::SUCCESS) => Ok(format!("{name}: started")),
        (Kind::Stop | Kind::Signal, faults::BAD_SIGNAL) => err("bad signal name"),
        (Kind::Stop | Kind::Signal, faults::NOT_RUNNING) => err("not running"),
        (Kind::Stop, faults::SUCCESS) => Ok(format!("{name}: stopped")),
        (Kind::Signal, faults::SUCCESS) => Ok(format!("{name}: signalled")),
        (Kind::Stop | Kind::Signal, faults::FAILED) => Ok(text(r, "description")),
        (Kind::Clear, faults::FAILED) => err("failed"),
        (Kind::Clear, faults::SUCCESS) => Ok(format!("{name}: cleared")),
        _ => Err(Failure::Raised(
            "ValueError",
            format!("Unknown result code {code} for {name}"),
        )),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Start,
    Stop,
    Signal,
    Clear,
}

impl Kind {
    /// The fault that does not change the exit status (already in the wanted state).
    fn ignored(self) -> Option<i32> {
        match self {
            Kind::Start => Some(faults::ALREADY_STARTED),
            Kind::Stop => Some(faults::NOT_RUNNING),
            Kind::Signal | Kind::Clear => None,
        }
    }
}

/// The lines for a list of result structs (a group or `all` call).
fn results_lines(kind: Kind, results: &Value, out: &mut Lines) -> Result<(), Failure> {
    for r in results.as_array().unwrap_or_default() {
        let line = result_line(kind, r)?;
        out.push((line, Effect::Fault(int(r, "status") as i32, kind.ignored())));
    }
    Ok(())
}

/// A fault on a single-process call, turned into a result struct as the stock client does.
fn fault_result(group: &str, process: &str, code: i32, string: &str) -> Value {
    Value::from_pairs([
        ("status", Value::Int(code.into())),
        ("name", Value::String(process.into())),
        ("group", Value::String(group.into())),
        ("description", Value::String(string.into())),
    ])
}

/// start/stop/signal of one name (`group:*` or a process), on its own client.
fn act_on_name(
    client: &mut Client,
    kind: Kind,
    name: &str,
    sig: Option<&str>,
) -> (Lines, Result<(), Failure>) {
    let mut lines = Lines::new();
    let (group, process) = split_namespec(name);
    let params = |target: &str| {
        let mut p = vec![Value::String(target.into())];
        if let Some(sig) = sig {
            p.push(Value::String(sig.into()));
        }
        p
    };
    let result = match process {
        None => {
            let method = match kind {
                Kind::Start => "supervisor.startProcessGroup",
                Kind::Stop => "supervisor.stopProcessGroup",
                _ => "supervisor.signalProcessGroup",
            };
            match client.call(method, &params(&group)) {
                Ok(results) => results_lines(kind, &results, &mut lines),
                Err(CallError::Fault { code, .. }) if code == faults::BAD_NAME => {
                    let status = match kind {
                        Kind::Start => exit::INVALID_ARGS,
                        _ => exit::GENERIC,
                    };
                    lines.push((
                        format!("{group}: ERROR (no such group)"),
                        Effect::Set(status),
                    ));
                    Ok(())
                }
                Err(e @ CallError::Fault { .. }) if kind != Kind::Signal => {
                    lines.push((String::new(), Effect::Set(exit::GENERIC)));
                    Err(e.into())
                }
                Err(e) => Err(e.into()),
            }
        }
        Some(process) => {
            let method = match kind {
                Kind::Start => "supervisor.startProcess",
                Kind::Stop => "supervisor.stopProcess",
                _ => "supervisor.signalProcess",
            };
            match client.call(method, &params(name)) {
                Ok(_) => {
                    let verb = match kind {
                        Kind::Start => "started",
                        Kind::Stop => "stopped",
                        _ => "signalled",
                    };
                    lines.push((
                        format!("{}: {verb}", namespec(&group, &process)),
                        Effect::None,
                    ));
                    Ok(())
                }
                Err(CallError::Fault { code, string }) => {
                    let r = fault_result(&group, &process, code, &string);
                    result_line(kind, &r).map(|line| {
                        lines.push((line, Effect::Fault(code, kind.ignored())));
                    })
                }
                Err(e) => Err(e.into()),
            }
        }
    };
    (lines, result)
}

/// Applies lines in order; an empty line only moves the exit status.
fn emit(c: &mut Controller, lines: Lines) {
    for (line, effect) in lines {
        if !line.is_empty() {
            c.output(&line);
        }
        match effect {
            Effect::None => {}
            Effect::Fault(code, ignored) => c.exit_from_fault(code, ignored),
            Effect::Set(status) => c.exitstatus = status,
        }
    }
}

/// start/stop/signal of each name, in order; with `parallel`, all calls at once on
/// separate connections, reported in the order given.
fn act_on_names(
    c: &mut Controller,
    kind: Kind,
    names: &[String],
    sig: Option<&str>,
    parallel: bool,
) -> CmdResult {
    if parallel && names.len() > 1 {
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = names
                .iter()
                .map(|name| {
                    let mut client = c.new_client();
                    s.spawn(move || act_on_name(&mut client, kind, name, sig))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("worker thread"))
                .collect()
        });
        for (lines, result) in outcomes {
            emit(c, lines);
            result?;
        }
        return Ok(());
    }
    for name in names {
        let (lines, result) = act_on_name(c.client(), kind, name, sig);
        emit(c, lines);
        result?;
    }
    Ok(())
}

fn start(c: &mut Controller, arg: &str) -> CmdResult {
    start_or_stop(c, arg, Kind::Start)
}

fn stop(c: &mut Controller, arg: &str) -> CmdResult {
    start_or_stop(c, arg, Kind::Stop)
}

fn start_or_stop(c: &mut Controller, arg: &str, kind: Kind) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    let mut names = words(arg);
    let parallel = take_flag(&mut names, "--parallel");
    let (action, all_method) = match kind {
        Kind::Start => ("start", "supervisor.startAllProcesses"),
        _ => ("stop", "supervisor.stopAllProcesses"),
    };
    if names.is_empty() {
        c.output(&format!("Error: {action} requires a process name"));
        c.exitstatus = match kind {
            Kind::Start => exit::INVALID_ARGS,
            _ => exit::GENERIC,
        };
        help_of(c, action);
        return Ok(());
    }
    if names.iter().any(|n| n == "all") {
        let results = c.call(all_method, &[])?;
        let mut lines = Lines::new();
        let r = results_lines(kind, &results, &mut lines);
        emit(c, lines);
        return r;
    }
    act_on_names(c, kind, &names, None, parallel)
}

fn restart(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    if words(arg).is_empty() {
        c.output("Error: restart requires a process name");
        c.exitstatus = exit::GENERIC;
        help_of(c, "restart");
        return Ok(());
    }
    stop(c, arg)?;
    start(c, arg)
}

fn signal(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    let args = words(arg);
    if args.len() < 2 {
        c.output("Error: signal requires a signal name and a process name");
        help_of(c, "signal");
        c.exitstatus = exit::GENERIC;
        return Ok(());
    }
    let sig = &args[0];
    let names = &args[1..];
    if names.iter().any(|n| n == "all") {
        let results = c.call(
            "supervisor.signalAllProcesses",
            &[Value::String(sig.clone())],
        )?;
        let mut lines = Lines::new();
        let r = results_lines(Kind::Signal, &results, &mut lines);
        emit(c, lines);
        return r;
    }
    act_on_names(c, Kind::Signal, names, Some(sig), false)
}

fn clear(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    let names = words(arg);
    if names.is_empty() {
        c.output("Error: clear requires a process name");
        c.exitstatus = exit::GENERIC;
        help_of(c, "clear");
        return Ok(());
    }
    let mut lines = Lines::new();
    if names.iter().any(|n| n == "all") {
        let results = c.call("supervisor.clearAllProcessLogs", &[])?;
        let r = results_lines(Kind::Clear, &results, &mut lines);
        emit(c, lines);
        return r;
    }
    for name in &names {
        let (group, process) = split_namespec(name);
        match c.call(
            "supervisor.clearProcessLogs",
            &[Value::String(name.clone())],
        ) {
            Ok(_) => {
                let process = process.unwrap_or_else(|| "None".into());
                c.output(&format!("{}: cleared", namespec(&group, &process)));
            }
            Err(CallError::Fault { code, string }) => {
                let process = process.unwrap_or_else(|| "None".into());
                let r = fault_result(&group, &process, code, &string);
                c.output(&result_line(Kind::Clear, &r)?);
                c.exit_from_fault(code, None);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// `Error: X accepts no arguments` and the action's help, for argument-less actions.
pub(super) fn no_arguments(c: &mut Controller, action: &str, arg: &str) -> bool {
    if arg.is_empty() {
        return false;
    }
    c.output(&format!("Error: {action} accepts no arguments"));
    c.exitstatus = exit::GENERIC;
    help_of(c, action);
    true
}

fn version(c: &mut Controller, arg: &str) -> CmdResult {
    if no_arguments(c, "version", arg) {
        return Ok(());
    }
    if !c.upcheck()? {
        return Ok(());
    }
    let v = c.call("supervisor.getSupervisorVersion", &[])?;
    c.output(&super::controller::py_str(&v));
    Ok(())
}

/// shutdown and reload: confirm in the shell, call, word the outcome.
fn shutdown(c: &mut Controller, arg: &str) -> CmdResult {
    if no_arguments(c, "shutdown", arg) {
        return Ok(());
    }
    if !confirm(c, "Really shut the remote supervisord process down y/N? ")? {
        return Ok(());
    }
    match c.call("supervisor.shutdown", &[]) {
        Ok(_) => c.output("Shut down"),
        Err(CallError::Fault { code, .. }) if code == faults::SHUTDOWN_STATE => {
            c.output("ERROR: already shutting down")
        }
        Err(e @ CallError::Fault { .. }) => {
            c.exitstatus = exit::GENERIC;
            return Err(e.into());
        }
        Err(CallError::Io(e)) => {
            c.exitstatus = exit::GENERIC;
            let url = &c.options.serverurl;
            match e.raw_os_error() {
                Some(libc::ECONNREFUSED) => c.output(&format!(
                    "ERROR: {url} refused connection (already shut down?)"
                )),
                Some(libc::ENOENT) => {
                    c.output(&format!("ERROR: {url} no such file (already shut down?)"))
                }
                _ => return Err(CallError::Io(e).into()),
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

fn reload(c: &mut Controller, arg: &str) -> CmdResult {
    if no_arguments(c, "reload", arg) {
        return Ok(());
    }
    if !confirm(c, "Really restart the remote supervisord process y/N? ")? {
        return Ok(());
    }
    match c.call("supervisor.restart", &[]) {
        Ok(_) => c.output("Restarted supervisord"),
        Err(CallError::Fault { code, string }) => {
            c.exitstatus = exit::GENERIC;
            if code != faults::SHUTDOWN_STATE {
                return Err(CallError::Fault { code, string }.into());
            }
            c.output("ERROR: already shutting down");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// In the shell, ask `y/N?`; on the command line, go ahead.
fn confirm(c: &Controller, question: &str) -> Result<bool, Failure> {
    if !c.options.interactive {
        return Ok(true);
    }
    match super::term::ask(question) {
        Some(answer) => Ok(answer.to_lowercase().starts_with('y')),
        None => Err(Failure::Raised("EOFError", String::new())),
    }
}

fn open(c: &mut Controller, arg: &str) -> CmdResult {
    let url = arg.trim();
    let scheme = url
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    if scheme != "unix" && scheme != "http" {
        c.output("ERROR: url must be http:// or unix://");
        c.exitstatus = exit::GENERIC;
        return Ok(());
    }
    c.options.serverurl = url.to_string();
    c.reconnect();
    let old = c.exitstatus;
    let r = status(c, "");
    c.exitstatus = old;
    r
}
