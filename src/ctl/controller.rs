//! The Controller: runs one command line the way the stock client's `Controller.onecmd`
//! does (parse the action word, dispatch, turn an uncaught failure into its `error: ...`
//! line), keeps the exit status, and holds the connection. Commands live in
//! `commands.rs` and `logs.rs`; this file has what they share.

use std::io::{self, Write};

use super::options::ClientOptions;
use super::transport::{CallError, Client};
use crate::model::ProcessState;
use crate::rpc::xmlrpc::Value;

pub use crate::model::faults;

/// LSB exit statuses (`LSBInitExitStatuses`, `LSBStatusExitStatuses`).
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const GENERIC: i32 = 1;
    pub const INVALID_ARGS: i32 = 2;
    pub const UNIMPLEMENTED_FEATURE: i32 = 3;
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    pub const NOT_INSTALLED: i32 = 5;
    pub const NOT_RUNNING: i32 = 7;
    /// `status`: some process is not running.
    pub const STATUS_NOT_RUNNING: i32 = 3;
    /// `status`: a bad name, or no server.
    pub const STATUS_UNKNOWN: i32 = 4;
}

/// Whether a state code is one the `status` exit code counts as not running
/// (`states.STOPPED_STATES`).
pub fn is_stopped_code(code: i64) -> bool {
    i32::try_from(code)
        .ok()
        .and_then(ProcessState::from_code)
        .is_some_and(ProcessState::is_stopped)
}
pub const RUNNING: i64 = 20;

/// A command that stopped on something it does not handle: the stock client prints these
/// as `error: <class 'X'>, message: file: F line: N` (its `compact_traceback`).
#[derive(Debug)]
pub enum Failure {
    Call(CallError),
    /// A Python exception of the given class that the stock client would raise.
    Raised(&'static str, String),
}

impl From<CallError> for Failure {
    fn from(e: CallError) -> Self {
        Failure::Call(e)
    }
}

pub type CmdResult = Result<(), Failure>;

impl Failure {
    /// The stock client's `error: ...` line. Python names the file and line where the
    /// exception arose, which no other implementation can reproduce: we name ourselves.
    pub fn error_line(&self) -> String {
        let (class, value) = match self {
            Failure::Raised(class, msg) => (class.to_string(), msg.clone()),
            Failure::Call(e) => python_exception(e),
        };
        format!("error: <class '{class}'>, {value}: file: supervisorctl line: 0")
    }
}

/// The Python exception class and `str()` value the stock client sees for a call error.
pub fn python_exception(e: &CallError) -> (String, String) {
    match e {
        CallError::Fault { code, string } => (
            "xmlrpc.client.Fault".into(),
            format!("<Fault {code}: {}>", crate::config::py::repr(string)),
        ),
        CallError::Protocol { status, reason } => (
            "xmlrpc.client.ProtocolError".into(),
            format!("<ProtocolError for 127.0.0.1/RPC2: {status} {reason}>"),
        ),
        CallError::Io(err) => os_error(err),
        CallError::Invalid(msg) => ("xmlrpc.client.ResponseError".into(), msg.clone()),
        CallError::BadUrl(msg) => ("ValueError".into(), msg.clone()),
    }
}

/// An `OSError` subclass and `[Errno N] text`, as Python words a socket error.
pub fn os_error(err: &io::Error) -> (String, String) {
    let Some(errno) = err.raw_os_error() else {
        if err.kind() == io::ErrorKind::UnexpectedEof {
            return (
                "http.client.RemoteDisconnected".into(),
                "Remote end closed connection without response".into(),
            );
        }
        return ("OSError".into(), err.to_string());
    };
    let class = match errno {
        libc::ENOENT => "FileNotFoundError",
        libc::ECONNREFUSED => "ConnectionRefusedError",
        libc::ECONNRESET => "ConnectionResetError",
        libc::ECONNABORTED => "ConnectionAbortedError",
        libc::EPIPE => "BrokenPipeError",
        libc::EACCES | libc::EPERM => "PermissionError",
        libc::ETIMEDOUT => "TimeoutError",
        _ => "OSError",
    };
    let text = nix::errno::Errno::from_raw(errno).desc();
    (class.into(), format!("[Errno {errno}] {text}"))
}

/// A string member of an XML-RPC struct ("" when absent).
pub fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .map(|m| match m {
            Value::String(s) => s.clone(),
            other => py_str(other),
        })
        .unwrap_or_default()
}

/// An integer member of an XML-RPC struct (0 when absent; booleans as 0/1).
pub fn int(v: &Value, key: &str) -> i64 {
    match v.get(key) {
        Some(Value::Bool(b)) => *b as i64,
        Some(m) => m.as_i64().unwrap_or(0),
        None => 0,
    }
}

/// Python's `str()` of a decoded value, for the few places the client prints one.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Double(d) => format!("{d:?}"),
        other => format!("{other:?}"),
    }
}

pub use crate::model::namespec;

/// `split_namespec`: `(group, Some(process))`, or `(group, None)` for `group:` / `group:*`.
pub fn split_namespec(spec: &str) -> (String, Option<String>) {
    match spec.split_once(':') {
        Some((g, p)) if p.is_empty() || p == "*" => (g.to_string(), None),
        Some((g, p)) => (g.to_string(), Some(p.to_string())),
        None => (spec.to_string(), Some(spec.to_string())),
    }
}

/// Python's `cmd.Cmd.parseline`: `(action, argument)`; `None` action for a line that has
/// no identifier first. `?x` means `help x`.
pub fn parseline(line: &str) -> (Option<String>, String, String) {
    let mut line = line.trim().to_string();
    if let Some(rest) = line.strip_prefix('?') {
        line = format!("help {rest}");
    } else if line.starts_with('!') {
        return (None, String::new(), line);
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let action = line[..end].to_string();
    let arg = line[end..].trim().to_string();
    (Some(action), arg, line)
}

/// What one command line asks of the shell afterwards.
#[derive(Debug, PartialEq)]
pub enum Next {
    Continue,
    Quit,
}

pub struct Controller {
    pub options: ClientOptions,
    client: Option<Client>,
    pub exitstatus: i32,
    /// Process infos for completion, cached until the next command (as the stock client
    /// does, since readline asks many times per Tab).
    pub complete_info: Option<Vec<Value>>,
}

impl Controller {
    pub fn new(options: ClientOptions) -> Controller {
        Controller {
            options,
            client: None,
            exitstatus: exit::SUCCESS,
            complete_info: None,
        }
    }

    /// One line of stdout. Flushed at once: `tail -f` and the shell interleave with it.
    pub fn output(&self, message: &str) {
        let mut out = io::stdout().lock();
        let _ = out.write_all(message.as_bytes());
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }

    /// The connection, opened on first use and after `open` or new credentials.
    pub fn client(&mut self) -> &mut Client {
        let o = &self.options;
        self.client.get_or_insert_with(|| {
            Client::new(&o.serverurl, o.username.as_deref(), o.password.as_deref())
        })
    }

    /// A client of its own, for work done on another thread.
    pub fn new_client(&self) -> Client {
        let o = &self.options;
        Client::new(&o.serverurl, o.username.as_deref(), o.password.as_deref())
    }

    /// Forgets the connection (the server URL or credentials changed).
    pub fn reconnect(&mut self) {
        self.client = None;
    }

    pub fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        self.client().call(method, params)
    }

    /// `set_exitstatus_from_xmlrpc_fault`.
    pub fn exit_from_fault(&mut self, code: i32, ignored: Option<i32>) {
        if Some(code) == ignored || code == faults::SUCCESS {
        } else if [
            faults::SPAWN_ERROR,
            faults::ABNORMAL_TERMINATION,
            faults::NOT_RUNNING,
        ]
        .contains(&code)
        {
            self.exitstatus = exit::NOT_RUNNING;
        } else {
            self.exitstatus = exit::GENERIC;
        }
    }

    /// `upcheck`: is a supervisord with the API version we speak answering? Prints why
    /// not and sets the exit status; errors it does not word are returned.
    pub fn upcheck(&mut self) -> Result<bool, Failure> {
        match self.call("supervisor.getVersion", &[]) {
            Ok(api) => {
                if api.as_str() != Some("3.0") {
                    self.output(&format!(
                        "Sorry, this version of supervisorctl expects to talk to a server with \
                         API version 3.0, but the remote version is {}.",
                        py_str(&api)
                    ));
                    self.exitstatus = exit::NOT_INSTALLED;
                    return Ok(false);
                }
                Ok(true)
            }
            Err(CallError::Fault { code, .. }) if code == faults::UNKNOWN_METHOD => {
                self.output(
                    "Sorry, supervisord responded but did not recognize the supervisor \
                     namespace commands that supervisorctl uses to control it.  Please check \
                     that the [rpcinterface:supervisor] section is enabled in the \
                     configuration file (see sample.conf).",
                );
                self.exitstatus = exit::UNIMPLEMENTED_FEATURE;
                Ok(false)
            }
            Err(CallError::Io(e)) if e.raw_os_error() == Some(libc::ECONNREFUSED) => {
                self.output(&format!("{} refused connection", self.options.serverurl));
                self.exitstatus = exit::INSUFFICIENT_PRIVILEGES;
                Ok(false)
            }
            Err(CallError::Io(e)) if e.raw_os_error() == Some(libc::ENOENT) => {
                self.output(&format!("{} no such file", self.options.serverurl));
                self.exitstatus = exit::NOT_RUNNING;
                Ok(false)
            }
            Err(e @ CallError::Protocol { .. }) => Err(e.into()),
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                Err(e.into())
            }
        }
    }

    /// Runs one command line (`Controller.onecmd`).
    pub fn onecmd(&mut self, line: &str) -> Next {
        let (action, arg, line) = parseline(line);
        if line.is_empty() {
            return Next::Continue;
        }
        self.complete_info = None;
        let action = match action {
            Some(a) if !a.is_empty() && super::commands::known(&a) => a,
            _ => {
                self.output(&format!("*** Unknown syntax: {line}"));
                self.exitstatus = exit::GENERIC;
                return Next::Continue;
            }
        };
        let first = super::commands::dispatch(self, &action, &arg);
        let result = match first {
            Err(Failure::Call(CallError::Protocol { status: 401, .. })) => {
                self.output("Server requires authentication");
                if self.options.interactive {
                    return self.ask_credentials_and_retry(&line);
                }
                self.exitstatus = exit::GENERIC;
                // The stock client then runs the command once more (its onecmd falls
                // through to a second `do_func(arg)`), which fails the same way and prints
                // the error line: kept, since scripts may match both lines.
                super::commands::dispatch(self, &action, &arg)
            }
            Err(Failure::Call(e @ CallError::Protocol { .. })) => {
                self.exitstatus = exit::GENERIC;
                Err(e.into())
            }
            other => other,
        };
        match result {
            Ok(Next::Quit) => Next::Quit,
            Ok(Next::Continue) => Next::Continue,
            Err(failure) => {
                self.output(&failure.error_line());
                self.exitstatus = exit::GENERIC;
                Next::Continue
            }
        }
    }

    /// Interactive 401: ask for a username and password, then run the line again.
    fn ask_credentials_and_retry(&mut self, line: &str) -> Next {
        let Some(username) = super::term::ask("Username:") else {
            self.output(&Failure::Raised("EOFError", String::new()).error_line());
            self.exitstatus = exit::GENERIC;
            return Next::Continue;
        };
        let password = super::term::getpass("Password:").unwrap_or_default();
        self.output("");
        self.options.username = Some(username);
        self.options.password = Some(password);
        self.reconnect();
        self.onecmd(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespecs() {
        assert_eq!(namespec("a", "a"), "a");
        assert_eq!(namespec("g", "a"), "g:a");
        assert_eq!(split_namespec("g:*"), ("g".into(), None));
        assert_eq!(split_namespec("g:"), ("g".into(), None));
        assert_eq!(split_namespec("g:a:b"), ("g".into(), Some("a:b".into())));
        assert_eq!(split_namespec("a"), ("a".into(), Some("a".into())));
    }

    #[test]
    fn parselines() {
        assert_eq!(
            parseline("  tail -f x "),
            (Some("tail".into()), "-f x".into(), "tail -f x".into())
        );
        assert_eq!(
            parseline("?tail"),
            (Some("help".into()), "tail".into(), "help tail".into())
        );
        assert_eq!(parseline("!ls"), (None, String::new(), "!ls".into()));
        assert_eq!(
            parseline("-x"),
            (Some(String::new()), "-x".into(), "-x".into())
        );
    }

    #[test]
    fn error_lines() {
        let e = Failure::Call(CallError::Protocol {
            status: 401,
            reason: "Unauthorized".into(),
        });
        assert_eq!(
            e.error_line(),
            "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for \
             127.0.0.1/RPC2: 401 Unauthorized>: file: supervisorctl line: 0"
        );
        let io = io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(
            os_error(&io),
            (
                "FileNotFoundError".into(),
                "[Errno 2] No such file or directory".into()
            )
        );
    }
}
