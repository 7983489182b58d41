//! supervisorctl's actions on the configuration: avail, reread, update, add, remove. Each
//! follows the stock client's `do_<action>`: the same RPCs, the same lines, the same exit
//! statuses; `avail --json` is ours, opt-in.

use super::commands::{all_process_info, no_arguments, words};
use super::controller::{exit, faults, int, namespec, text, CmdResult, Controller};
use super::transport::CallError;
use crate::rpc::json;
use crate::rpc::xmlrpc::Value;

pub(super) fn avail(c: &mut Controller, arg: &str) -> CmdResult {
    let as_json = arg.trim() == "--json";
    if !as_json && no_arguments(c, "avail", arg) {
        return Ok(());
    }
    let infos = match c.call("supervisor.getAllConfigInfo", &[]) {
        Ok(v) => v,
        Err(CallError::Fault { code, .. }) if code == faults::SHUTDOWN_STATE => {
            c.exitstatus = exit::GENERIC;
            c.output("ERROR: supervisor shutting down");
            return Ok(());
        }
        Err(e) => {
            if matches!(e, CallError::Fault { .. }) {
                c.exitstatus = exit::GENERIC;
            }
            return Err(e.into());
        }
    };
    if as_json {
        c.output(&json::encode_xmlrpc(&infos));
        return Ok(());
    }
    for info in infos.as_array().unwrap_or_default() {
        let name = namespec(&text(info, "group"), &text(info, "name"));
        let inuse = if int(info, "inuse") != 0 {
            "in use"
        } else {
            "avail"
        };
        let auto = if int(info, "autostart") != 0 {
            "auto"
        } else {
            "manual"
        };
        let priority = format!(
            "{}:{}",
            super::controller::py_str(info.get("group_prio").unwrap_or(&Value::Nil)),
            super::controller::py_str(info.get("process_prio").unwrap_or(&Value::Nil))
        );
        c.output(&format!("{name:<32} {inuse:<9} {auto:<9} {priority}"));
    }
    Ok(())
}

/// `reloadConfig`'s `[[added, changed, removed]]`.
fn config_changes(v: &Value) -> [Vec<String>; 3] {
    let lists = v
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_array)
        .unwrap_or_default();
    let names = |i: usize| -> Vec<String> {
        lists
            .get(i)
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .map(super::controller::py_str)
            .collect()
    };
    [names(0), names(1), names(2)]
}

pub(super) fn reread(c: &mut Controller, arg: &str) -> CmdResult {
    if no_arguments(c, "reread", arg) {
        return Ok(());
    }
    let result = match c.call("supervisor.reloadConfig", &[]) {
        Ok(v) => v,
        Err(CallError::Fault { code, string }) => {
            c.exitstatus = exit::GENERIC;
            match code {
                faults::SHUTDOWN_STATE => c.output("ERROR: supervisor shutting down"),
                faults::CANT_REREAD => c.output(&format!("ERROR: {string}")),
                _ => return Err(CallError::Fault { code, string }.into()),
            }
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let [added, changed, dropped] = config_changes(&result);
    // One line per name, sorted; a name in several lists shows its last kind.
    let mut all = std::collections::BTreeMap::new();
    for (names, kind) in [
        (added, "available"),
        (changed, "changed"),
        (dropped, "disappeared"),
    ] {
        for n in names {
            all.insert(n, kind);
        }
    }
    if all.is_empty() {
        c.output("No config updates to processes");
    }
    for (name, kind) in all {
        c.output(&format!("{name}: {kind}"));
    }
    Ok(())
}

pub(super) fn update(c: &mut Controller, arg: &str) -> CmdResult {
    let result = match c.call("supervisor.reloadConfig", &[]) {
        Ok(v) => v,
        Err(CallError::Fault { code, .. }) if code == faults::SHUTDOWN_STATE => {
            c.exitstatus = exit::GENERIC;
            c.output("ERROR: already shutting down");
            return Ok(());
        }
        Err(e) => {
            if matches!(e, CallError::Fault { .. }) {
                c.exitstatus = exit::GENERIC;
            }
            return Err(e.into());
        }
    };
    let [added, changed, removed] = config_changes(&result);
    // A set in the stock client: its order is Python's hash order, which varies by run.
    let mut wanted: Vec<String> = Vec::new();
    for w in words(arg) {
        if !wanted.contains(&w) {
            wanted.push(w);
        }
    }
    if wanted.iter().any(|w| w == "all") {
        wanted.clear();
    }
    if !wanted.is_empty() {
        let mut groups: Vec<String> = all_process_info(c)?
            .iter()
            .map(|i| text(i, "group"))
            .collect();
        groups.extend(added.iter().cloned());
        for g in &wanted {
            if !groups.contains(g) {
                c.output(&format!("ERROR: no such group: {g}"));
                c.exitstatus = exit::GENERIC;
            }
        }
    }
    let skip = |g: &String| !wanted.is_empty() && !wanted.contains(g);
    let name = |g: &str| Value::String(g.to_string());
    for g in removed.iter().filter(|g| !skip(g)) {
        let results = c.call("supervisor.stopProcessGroup", &[name(g)])?;
        c.output(&format!("{g}: stopped"));
        let failed = results
            .as_array()
            .unwrap_or_default()
            .iter()
            .any(|r| int(r, "status") as i32 == faults::FAILED);
        if failed {
            c.output(&format!("{g}: has problems; not removing"));
            c.exitstatus = exit::GENERIC;
            continue;
        }
        c.call("supervisor.removeProcessGroup", &[name(g)])?;
        c.output(&format!("{g}: removed process group"));
    }
    for g in changed.iter().filter(|g| !skip(g)) {
        c.call("supervisor.stopProcessGroup", &[name(g)])?;
        c.output(&format!("{g}: stopped"));
        c.call("supervisor.removeProcessGroup", &[name(g)])?;
        c.call("supervisor.addProcessGroup", &[name(g)])?;
        c.output(&format!("{g}: updated process group"));
    }
    for g in added.iter().filter(|g| !skip(g)) {
        c.call("supervisor.addProcessGroup", &[name(g)])?;
        c.output(&format!("{g}: added process group"));
    }
    Ok(())
}

pub(super) fn add(c: &mut Controller, arg: &str) -> CmdResult {
    for name in words(arg) {
        match c.call("supervisor.addProcessGroup", &[Value::String(name.clone())]) {
            Ok(_) => c.output(&format!("{name}: added process group")),
            Err(CallError::Fault { code, string }) => match code {
                faults::SHUTDOWN_STATE => {
                    c.output("ERROR: shutting down");
                    c.exitstatus = exit::GENERIC;
                }
                faults::ALREADY_ADDED => c.output("ERROR: process group already active"),
                faults::BAD_NAME => {
                    c.output(&format!("ERROR: no such process/group: {name}"));
                    c.exitstatus = exit::GENERIC;
                }
                _ => {
                    c.exitstatus = exit::GENERIC;
                    return Err(CallError::Fault { code, string }.into());
                }
            },
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

pub(super) fn remove(c: &mut Controller, arg: &str) -> CmdResult {
    for name in words(arg) {
        match c.call(
            "supervisor.removeProcessGroup",
            &[Value::String(name.clone())],
        ) {
            Ok(_) => c.output(&format!("{name}: removed process group")),
            Err(CallError::Fault { code, string }) => {
                c.exitstatus = exit::GENERIC;
                match code {
                    faults::STILL_RUNNING => {
                        c.output(&format!("ERROR: process/group still running: {name}"))
                    }
                    faults::BAD_NAME => c.output(&format!("ERROR: no such process/group: {name}")),
                    _ => return Err(CallError::Fault { code, string }.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
