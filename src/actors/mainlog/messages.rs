//! Every line Supervisor 4.3 writes to its main log, one function each, with Supervisor's exact
//! wording and level. Callers write `mainlog::spawned(&name, pid)`; tests pin each text.
//!
//! Grouped by where Supervisor emits them: process.py (one child), supervisord.py (the daemon),
//! options.py (start-up and config), http.py / xmlrpc.py / rpcinterface.py, dispatchers.py and the
//! event-listener pool. A `%r` in Supervisor's template is rendered with [`py_repr`].

use std::path::Path;

use tracing::{debug, error, info, trace, warn};

use crate::config::{ConfigNote, HealthAction};
use crate::model::{ExitHow, ProcessState};

use super::{BLATHER, CRIT};

/// options.py `decode_wait_status`: `exit status 1`, `terminated by SIGTERM`,
/// `terminated by SIGSEGV (core dumped)`.
pub fn exit_description(how: ExitHow) -> String {
    match how {
        ExitHow::Code(code) => format!("exit status {code}"),
        ExitHow::Signal { sig, core } => {
            let core = if core { " (core dumped)" } else { "" };
            format!("terminated by {}{core}", signame(sig))
        }
    }
}

/// options.py `signame`: Python's name for a signal on Linux, or `signal N`.
pub fn signame(sig: i32) -> String {
    let name = match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        20 => "SIGTSTP",
        21 => "SIGTTIN",
        22 => "SIGTTOU",
        23 => "SIGURG",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        28 => "SIGWINCH",
        29 => "SIGPOLL",
        30 => "SIGPWR",
        31 => "SIGSYS",
        34 => "SIGRTMIN",
        64 => "SIGRTMAX",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}

/// Python's `repr()` of a string, for Supervisor's `%r` templates.
pub use crate::config::py::repr as py_repr;

/// Python's `repr()` of bytes: `b'...'`.
pub fn py_bytes_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::from("b");
    out.push(quote as char);
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if b == quote => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote as char);
    out
}

fn path_repr(path: &Path) -> String {
    py_repr(&path.to_string_lossy())
}

// ---- process.py: one child ----------------------------------------------------------------

/// `spawnerr: can't find command 'foo'` (INFO), whenever a spawn fails.
pub fn spawnerr(msg: &str) {
    info!("spawnerr: {msg}");
}

/// `process 'web' already running` (WARN): a spawn was asked for while a pid is live.
pub fn already_running(name: &str) {
    warn!("process '{name}' already running");
}

/// `spawned: 'web' with pid 4711` (INFO).
pub fn spawned(name: &str, pid: i32) {
    info!("spawned: '{name}' with pid {pid}");
}

/// `success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)`.
pub fn entered_running(name: &str, startsecs: u64) {
    info!(
        "success: {name} entered RUNNING state, process has stayed up for > than {startsecs} seconds (startsecs)"
    );
}

/// `gave up: web entered FATAL state, too many start retries too quickly` (INFO).
pub fn gave_up(name: &str) {
    info!("gave up: {name} entered FATAL state, too many start retries too quickly");
}

/// `exited: web (exit status 0; expected)` (INFO) or `exited: web (terminated by SIGKILL; not
/// expected)` (WARN). An exit during startsecs is always "not expected".
pub fn exited(name: &str, how: &str, expected: bool) {
    if expected {
        info!("exited: {name} ({how}; expected)");
    } else {
        warn!("exited: {name} ({how}; not expected)");
    }
}

/// `stopped: web (terminated by SIGTERM)`: INFO when the exit status is in exitcodes, else WARN.
pub fn stopped(name: &str, how: &str, expected: bool) {
    if expected {
        info!("stopped: {name} ({how})");
    } else {
        warn!("stopped: {name} ({how})");
    }
}

/// `waiting for web to stop` (INFO), every 2 s while STOPPING.
pub fn waiting_for_stop(name: &str) {
    info!("waiting for {name} to stop");
}

/// `killing 'web' (4711) with SIGKILL` (WARN): stopwaitsecs ran out.
pub fn killing(name: &str, pid: i32, sig: i32) {
    warn!("killing '{name}' ({pid}) with {}", signame(sig));
}

/// `killing web (pid 4711) with signal SIGTERM` (DEBG), or `... (pid 4711) process group with
/// signal SIGTERM` with stopasgroup/killasgroup: every stop or kill signal sent.
pub fn killing_with(name: &str, pid: i32, as_group: bool, sig: i32) {
    let group = if as_group { "process group " } else { "" };
    debug!(
        "killing {name} (pid {pid}) {group}with signal {}",
        signame(sig)
    );
}

/// `Attempted to kill web, which is in BACKOFF state.` (DEBG): BACKOFF -> STOPPED.
pub fn kill_in_backoff(name: &str) {
    debug!("Attempted to kill {name}, which is in BACKOFF state.");
}

/// `attempted to kill web with sig SIGTERM but it wasn't running` (DEBG).
/// Returns the text, which a stop request also answers with (Fault FAILED).
pub fn kill_not_running(name: &str, sig: i32) -> String {
    let msg = format!(
        "attempted to kill {name} with sig {} but it wasn't running",
        signame(sig)
    );
    debug!("{msg}");
    msg
}

/// `unable to signal web (pid 4711), it probably just exited on its own: <error>` (DEBG): ESRCH
/// on a stop signal.
pub fn kill_esrch(name: &str, pid: i32, err: &str) {
    debug!("unable to signal {name} (pid {pid}), it probably just exited on its own: {err}");
}

/// `unknown problem killing web (4711):<error>` (CRIT): the process goes UNKNOWN.
/// Returns the text, which the stop request also answers with (Fault FAILED).
pub fn kill_failed(name: &str, pid: i32, err: &str) -> String {
    let msg = format!("unknown problem killing {name} ({pid}):{err}");
    error!(target: CRIT, "{msg}");
    msg
}

/// `sending web (pid 4711) sig SIGHUP` (DEBG): signalProcess.
pub fn sending_signal(name: &str, pid: i32, sig: i32) {
    debug!("sending {name} (pid {pid}) sig {}", signame(sig));
}

/// `unable to signal web (pid 4711), it probably just now exited on its own: <error>` (DEBG).
pub fn signal_esrch(name: &str, pid: i32, err: &str) {
    debug!("unable to signal {name} (pid {pid}), it probably just now exited on its own: {err}");
}

/// `unknown problem sending sig web (4711):<error>` (CRIT) — Supervisor's wording, name and all.
/// Returns the text, which signalProcess also answers with (Fault FAILED).
pub fn signal_failed(name: &str, pid: i32, err: &str) -> String {
    let msg = format!("unknown problem sending sig {name} ({pid}):{err}");
    error!(target: CRIT, "{msg}");
    msg
}

// ---- supervisord.py: the daemon ---------------------------------------------------------------

/// What a signal to supervisord means (supervisord.py `handle_signal`); decides wording and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalMeaning {
    /// TERM, INT, QUIT (WARN).
    Exit,
    /// HUP (WARN).
    Restart,
    /// HUP while shutting down (WARN).
    RestartIgnored,
    /// CHLD (DEBG).
    ChildQuit,
    /// USR2 (INFO).
    LogReopen,
    /// Anything else (BLAT).
    Nothing,
}

/// `received SIGTERM indicating exit request` and its siblings.
pub fn received_signal(sig: i32, meaning: SignalMeaning) {
    let s = signame(sig);
    match meaning {
        SignalMeaning::Exit => warn!("received {s} indicating exit request"),
        SignalMeaning::Restart => warn!("received {s} indicating restart request"),
        SignalMeaning::RestartIgnored => {
            warn!("ignored {s} indicating restart request (shutdown in progress)")
        }
        SignalMeaning::ChildQuit => debug!("received {s} indicating a child quit"),
        SignalMeaning::LogReopen => info!("received {s} indicating log reopen request"),
        SignalMeaning::Nothing => trace!(target: BLATHER, "received {s} indicating nothing"),
    }
}

/// `received SIGCHLD indicating a child quit` (DEBG), once per child reaped: Supervisor logs
/// it once per SIGCHLD, which the kernel coalesces, so one line per exit is the exact count.
pub fn child_quit() {
    received_signal(libc::SIGCHLD, SignalMeaning::ChildQuit);
}

/// `waiting for web, api to die` (INFO), every 3 s during shutdown.
pub fn waiting_for_die(names: &[String]) {
    info!("waiting for {} to die", names.join(", "));
}

/// `web state: STOPPING` (BLAT), after each `waiting for ... to die`.
pub fn process_state(name: &str, statename: &str) {
    trace!(target: BLATHER, "{name} state: {statename}");
}

/// `reaped unknown pid 99 (exit status 0)` (INFO).
pub fn reaped_unknown_pid(pid: i32, how: &str) {
    info!("reaped unknown pid {pid} ({how})");
}

/// `waitpid error 10; a process may not be cleaned up properly` (CRIT): an errno other than
/// ECHILD/EINTR.
pub fn waitpid_error(errno: i32) {
    error!(target: CRIT, "waitpid error {errno}; a process may not be cleaned up properly");
}

/// `EINTR during reap` (BLAT).
pub fn eintr_during_reap() {
    trace!(target: BLATHER, "EINTR during reap");
}

// ---- options.py: start-up, daemonizing, config ------------------------------------------------

/// `supervisord started with pid 42` (INFO), once the pidfile is written.
pub fn supervisord_started(pid: u32) {
    info!("supervisord started with pid {pid}");
}

/// `could not write pidfile /run/supervisord.pid` (CRIT).
pub fn could_not_write_pidfile(path: &Path) {
    error!(target: CRIT, "could not write pidfile {}", path.display());
}

/// `supervisord forked; parent exiting` (BLAT).
pub fn forked_parent_exiting() {
    trace!(target: BLATHER, "supervisord forked; parent exiting");
}

/// `daemonizing the supervisord process` (INFO).
pub fn daemonizing() {
    info!("daemonizing the supervisord process");
}

/// `can't chdir into '/x': <error>` (CRIT), for `directory=` while daemonizing.
pub fn cant_chdir(dir: &Path, err: &str) {
    error!(target: CRIT, "can't chdir into {}: {err}", path_repr(dir));
}

/// `set current directory: '/x'` (INFO).
pub fn set_current_directory(dir: &Path) {
    info!("set current directory: {}", path_repr(dir));
}

/// `Supervisor is running as root.  Privileges were not dropped ...` (CRIT).
pub fn running_as_root() {
    error!(
        target: CRIT,
        "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."
    );
}

/// `Set uid to user 1000 succeeded` (INFO). Supervisor prints the numeric uid.
pub fn set_uid(uid: u32) {
    info!("Set uid to user {uid} succeeded");
}

/// `Increased RLIMIT_NOFILE limit to 1024` (INFO), for minfds / minprocs.
pub fn increased_limit(resource: &str, min_limit: u64) {
    info!("Increased {resource} limit to {min_limit}");
}

/// What the config reader found worth saying, worded as Supervisor words it.
pub fn config_note(note: &ConfigNote) {
    match note {
        ConfigNote::IncludedFile(file) => included_extra_file(file),
        ConfigNote::NoFileMatches(pattern) => no_file_matches_include(pattern),
        ConfigNote::SyslogLogfileDeprecated {
            section,
            logfile_key,
            syslog_key,
        } => syslog_logfile_deprecated(section, logfile_key, syslog_key),
        ConfigNote::AutoLogWithoutRollover {
            section,
            logfile_key,
        } => auto_log_without_rollover(section, logfile_key),
        ConfigNote::RedirectStderrLogfileIgnored { section } => {
            redirect_stderr_logfile_ignored(section)
        }
        ConfigNote::ListenerCaptureIgnored { section } => listener_capture_ignored(section),
    }
}

/// `Included extra file "/etc/supervisor/conf.d/web.conf" during parsing` (INFO).
pub fn included_extra_file(file: &str) {
    info!("Included extra file \"{file}\" during parsing");
}

/// `No file matches via include "conf.d/*.conf"` (WARN).
pub fn no_file_matches_include(pattern: &str) {
    warn!("No file matches via include \"{pattern}\"");
}

/// `For [program:web], stdout_logfile=syslog but this is deprecated ...` (WARN).
pub fn syslog_logfile_deprecated(section: &str, logfile_key: &str, syslog_key: &str) {
    warn!(
        "For [{section}], {logfile_key}=syslog but this is deprecated and will be removed.  Use {syslog_key}=true to enable syslog instead."
    );
}

/// `For [program:web], AUTO logging used for stdout_logfile without rollover, ...` (WARN).
pub fn auto_log_without_rollover(section: &str, logfile_key: &str) {
    warn!(
        "For [{section}], AUTO logging used for {logfile_key} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"
    );
}

/// `For [program:web], redirect_stderr=true but stderr_logfile has also been set ...` (WARN).
pub fn redirect_stderr_logfile_ignored(section: &str) {
    warn!(
        "For [{section}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"
    );
}

/// `For [eventlistener:x], stdout_capture_maxbytes is ignored: ...` (WARN; ours).
pub fn listener_capture_ignored(section: &str) {
    warn!(
        "For [{section}], stdout_capture_maxbytes is ignored: an event listener's stdout carries the listener protocol"
    );
}

/// `Could not clear childlog dir` (WARN): the AUTO-log sweep could not list childlogdir.
pub fn could_not_clear_childlog_dir() {
    warn!("Could not clear childlog dir");
}

/// `Failed to clean up '/tmp/web-stdout---supervisor-x.log'` (WARN).
pub fn failed_to_clean_up(path: &Path) {
    warn!("Failed to clean up {}", path_repr(path));
}

/// `supervisord logreopen` (INFO), before the main log is reopened on SIGUSR2.
pub fn logreopen() {
    info!("supervisord logreopen");
}

/// `reopening log file` (INFO), as clearLog empties the main log.
pub fn reopening_log_file() {
    info!("reopening log file");
}

// ---- http.py, xmlrpc.py, socket_manager.py ----------------------------------------------------

/// `RPC interface 'supervisor' initialized` (INFO).
pub fn rpc_interface_initialized(name: &str) {
    info!("RPC interface {} initialized", py_repr(name));
}

/// `Server 'unix_http_server' running without any HTTP authentication checking` (CRIT).
pub fn server_without_auth(section: &str) {
    error!(
        target: CRIT,
        "Server {} running without any HTTP authentication checking",
        py_repr(section)
    );
}

/// `XML-RPC request data b'...' is invalid: unmarshallable` (ERRO).
pub fn xmlrpc_unmarshallable(data: &[u8]) {
    error!(
        "XML-RPC request data {} is invalid: unmarshallable",
        py_bytes_repr(data)
    );
}

/// `XML-RPC request data b'...' is invalid: no method name` (ERRO).
pub fn xmlrpc_no_method_name(data: &[u8]) {
    error!(
        "XML-RPC request data {} is invalid: no method name",
        py_bytes_repr(data)
    );
}

/// `Handling XML-RPC request with data b'...' raised an unexpected exception: <error>` (CRIT).
pub fn xmlrpc_unexpected_error(data: &[u8], err: &str) {
    error!(
        target: CRIT,
        "Handling XML-RPC request with data {} raised an unexpected exception: {err}",
        py_bytes_repr(data)
    );
}

/// `Creating socket unix:///run/php.sock` (INFO): the first process of an `[fcgi-program:x]`
/// group is about to spawn (and once when the group is added, to fail early).
pub fn creating_socket(url: &str) {
    info!("Creating socket {url}");
}

/// `Closing socket unix:///run/php.sock` (INFO): the last process of its group was reaped.
pub fn closing_socket(url: &str) {
    info!("Closing socket {url}");
}

// ---- dispatchers.py and the event-listener pool -----------------------------------------------

/// `'web' stdout output:\n<data>` (DEBG): with loglevel=debug, child output is copied to the
/// main log (dispatchers.py `_log`), undecodable data as `Undecodable: b'...'`.
pub fn child_output(name: &str, channel: &str, data: &[u8]) {
    let text = match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(format!("Undecodable: {}", py_bytes_repr(data))),
    };
    debug!("{} {channel} output:\n{text}", py_repr(name));
}

/// `'web' stdout emitted a comm event` (DEBG).
pub fn comm_event(name: &str, channel: &str) {
    debug!("{} {channel} emitted a comm event", py_repr(name));
}

/// `listener: bad result line: 'FOO'` (WARN).
pub fn bad_result_line(name: &str, line: &str) {
    warn!("{name}: bad result line: '{line}'");
}

/// `listener: event was processed` (DEBG).
pub fn event_processed(name: &str) {
    debug!("{name}: event was processed");
}

/// `listener: event was rejected` (WARN).
pub fn event_rejected(name: &str) {
    warn!("{name}: event was rejected");
}

/// `listener: READY -> BUSY` (DEBG).
pub fn listener_state_changed(name: &str, from: &str, to: &str) {
    debug!("{name}: {from} -> {to}");
}

/// `listener: has entered the UNKNOWN state and will no longer receive events, ...` (WARN).
pub fn listener_entered_unknown(name: &str) {
    warn!(
        "{name}: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol"
    );
}

/// `pool listener event buffer overflowed, discarding event 12` (ERRO).
pub fn event_buffer_overflowed(pool: &str, serial: u64) {
    error!("pool {pool} event buffer overflowed, discarding event {serial}");
}

/// `rebuffering event 12 for pool listener (buf size=3, max=10)` (DEBG).
pub fn rebuffering_event(serial: u64, pool: &str, len: usize, max: usize) {
    debug!("rebuffering event {serial} for pool {pool} (buf size={len}, max={max})");
}

/// `event 12 sent to listener listener_00` (DEBG).
pub fn event_sent(serial: u64, listener: &str) {
    debug!("event {serial} sent to listener {listener}");
}

/// `epipe occurred while sending event 12 to listener l, listener state unchanged` (DEBG).
pub fn event_epipe(serial: u64, listener: &str) {
    debug!(
        "epipe occurred while sending event {serial} to listener {listener}, listener state unchanged"
    );
}

// ---- ours: conditions Supervisor reports with a traceback -------------------------------------

/// `Could not create FastCGI socket tcp://127.0.0.1:9000: [Errno 98] Address already in use`
/// (ERRO) when an `[fcgi-program:x]` group is added: Supervisor's ValueError, which there ends
/// the daemon; here the group's spawns then fail with the same spawnerr.
pub fn fcgi_socket_failed(reason: &str) {
    error!("{reason}");
}

/// `cannot write stdout log of web to /var/log/web.log: <error>` (ERRO), once per failure streak:
/// the output is kept, bounded, and written once writing works again (the pipe keeps draining).
pub fn child_log_failed(name: &str, channel: &str, path: &Path, err: &std::io::Error) {
    error!(
        "cannot write {channel} log of {name} to {}: {err}",
        path.display()
    );
}

/// `stdout log of web is written again; 1234 bytes of its output were dropped meanwhile`
/// (WARN): the output kept while the log could not be written has reached the file, less
/// what did not fit.
/// `unix_http_server has 1000 connections, at most 1000: closed the one idle the longest`
/// (WARN): the servers' share of the fds is used up; the daemon keeps the rest for its
/// programs.
pub fn connection_closed_for_room(section: &str, open: usize, cap: usize, closed_idle: bool) {
    let closed = if closed_idle {
        "closed the one idle the longest"
    } else {
        "none is idle, so the new one was closed"
    };
    warn!("{section} has {open} connections, at most {cap}: {closed}");
}

pub fn child_log_resumed(name: &str, channel: &str, dropped: u64) {
    if dropped == 0 {
        info!("{channel} log of {name} is written again; no output was lost");
    } else {
        warn!("{channel} log of {name} is written again; {dropped} bytes of its output were dropped meanwhile");
    }
}

/// `essential program web entered FATAL state: shutting down with exit status 1` (WARN),
/// when an `essential` program ends for good.
pub(crate) fn essential_ended(name: &str, state: ProcessState, status: i32) {
    let why = match state {
        ProcessState::Fatal => "entered FATAL state",
        _ => "exited and will not be restarted",
    };
    warn!("essential program {name} {why}: shutting down with exit status {status}");
}

/// `not ready: web sent no READY=1 within 5 seconds (startsecs)` (WARN).
pub(crate) fn not_ready(name: &str, startsecs: u64) {
    warn!("not ready: {name} sent no READY=1 within {startsecs} seconds (startsecs)");
}

/// `health: web is healthy` (INFO).
pub(crate) fn healthy(name: &str) {
    info!("health: {name} is healthy");
}

/// `health: web is unhealthy after 3 failed checks in a row; restarting it` (WARN).
pub(crate) fn unhealthy(name: &str, failures: u32, action: HealthAction) {
    let then = match action {
        HealthAction::Restart => "; restarting it",
        HealthAction::Stop => "; stopping it",
        HealthAction::None => "",
    };
    warn!("health: {name} is unhealthy after {failures} failed checks in a row{then}");
}

/// `health check of web: passed (HTTP 200)` (DEBUG), after every probe.
pub(crate) fn probed(name: &str, verdict: &Result<String, String>) {
    match verdict {
        Ok(seen) => debug!("health check of {name}: passed ({seen})"),
        Err(seen) => debug!("health check of {name}: failed ({seen})"),
    }
}
