//! What a Process tells the outside world: a snapshot of its state ([`ProcessInfo`]) and the
//! notification sent on every transition ([`StateChanged`]).

use std::path::Path;
use std::sync::Arc;

use actix::Message;

use super::{ByteCount, Health, ProcessState};

/// A process as getProcessInfo shows it, minus what is computed at query time (`now`,
/// `description`). A new one is made on every transition and the table keeps the latest, so
/// the names and paths are shared with the Process rather than copied each time.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessInfo {
    pub name: Arc<str>,
    pub group: Arc<str>,
    pub state: ProcessState,
    /// Wall-clock seconds of the last spawn; 0 if never started.
    pub start: i64,
    /// Wall-clock seconds of the last exit; 0 if never stopped.
    pub stop: i64,
    /// 0 when not running.
    pub pid: i32,
    /// The last exit code; -1 when killed by a signal.
    pub exitstatus: i32,
    /// Why the last spawn failed, or "".
    pub spawnerr: String,
    pub stdout_logfile: Option<Arc<Path>>,
    pub stderr_logfile: Option<Arc<Path>>,
    /// Ready for its dependents: RUNNING, and healthy or notified ready where so configured
    /// (an extension, as `health` is; getProcessInfo shows neither).
    pub ready: bool,
    pub health: Health,
    /// Children spawned since the process was added (an extension, for the metrics).
    pub spawns: u32,
    /// Bytes its children wrote on stdout and stderr since then (0 for a stream whose output
    /// goes straight to /dev/null, which the daemon never reads).
    pub stdout_bytes: ByteCount,
    pub stderr_bytes: ByteCount,
}

impl ProcessInfo {
    /// A process that exists but has never run.
    pub fn not_started(name: Arc<str>, group: Arc<str>) -> ProcessInfo {
        ProcessInfo {
            name,
            group,
            state: ProcessState::Stopped,
            start: 0,
            stop: 0,
            pid: 0,
            exitstatus: 0,
            spawnerr: String::new(),
            stdout_logfile: None,
            stderr_logfile: None,
            ready: false,
            health: Health::Unchecked,
            spawns: 0,
            stdout_bytes: ByteCount::default(),
            stderr_bytes: ByteCount::default(),
        }
    }

    /// `group:name`, the name supervisorctl shows and accepts.
    pub fn namespec(&self) -> String {
        namespec(&self.group, &self.name)
    }
}

/// Supervisor's `make_namespec`: `name` when the group has the process's name, else
/// `group:name`.
pub fn namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_string()
    } else {
        format!("{group}:{name}")
    }
}

/// An `essential` process ended for good (FATAL, or EXITED with no restart to come): the
/// daemon stops everything and exits with `status`.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct EssentialEnded {
    pub name: Arc<str>,
    pub state: ProcessState,
    pub status: i32,
}

/// A process changed state. `from` and `tries` feed the PROCESS_STATE_* event payloads.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct StateChanged {
    pub info: ProcessInfo,
    pub from: ProcessState,
    /// For EXITED: whether the exit code was expected.
    pub expected: bool,
    /// Consecutive failed starts (the `tries:` of STARTING/BACKOFF events).
    pub tries: u32,
    /// The child the transition concerns, as Supervisor renders its events: for EXITED and
    /// STOPPED the one just reaped, although `info.pid` is already 0.
    pub pid: i32,
}
