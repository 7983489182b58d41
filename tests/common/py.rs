//! The stock Python client against our daemon: `supervisorctl` 4.3 run as a subprocess
//! ([`ctl`]), and `xmlrpc.client` scripts whose last stdout line is a JSON document
//! ([`rpc_script`]). Both come from the venv that [`super::http::python`] finds, and fail
//! loudly (never skip) when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::http::python;
use super::Daemon;

/// What one supervisorctl run printed, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctl {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Ctl {
    fn from(out: Output) -> Ctl {
        Ctl {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Stdout with pids and uptimes replaced (see [`normalize`]).
    pub fn out(&self) -> String {
        normalize(&self.stdout)
    }
}

/// The venv's `supervisorctl` script.
pub fn supervisorctl() -> PathBuf {
    python().with_file_name("supervisorctl")
}

/// Runs `supervisorctl -c <conf> args...` to completion.
pub fn ctl(d: &Daemon, args: &[&str]) -> Ctl {
    ctl_conf(&d.conf, args)
}

/// Runs `supervisorctl -c conf args...` (the daemon may be gone).
pub fn ctl_conf(conf: &Path, args: &[&str]) -> Ctl {
    let out = Command::new(supervisorctl())
        .arg("-c")
        .arg(conf)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run supervisorctl");
    Ctl::from(out)
}

/// Replaces `pid 123, uptime 0:00:05` by `pid N, uptime U`; other numbers are left for the
/// tests to compare themselves.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("pid ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        let tail = &after[digits..];
        if digits > 0 && tail.starts_with(", uptime ") {
            let up = &tail[", uptime ".len()..];
            let clock = up
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ':')
                .count();
            out.push_str("pid N, uptime U");
            rest = &up[clock..];
        } else {
            out.push_str("pid ");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// One `status` row as supervisorctl prints it: `'%(name)-32s %(state)-10s%(desc)s'`.
pub fn row(name: &str, state: &str, desc: &str) -> String {
    format!("{name:<32} {state:<10}{desc}\n")
}

/// Python that defines `s` (a ServerProxy over the daemon's unix socket, as supervisorctl
/// builds it), `call(name, *args)` (the result, or `{"faultCode", "faultString"}`) and
/// `done(obj)` (prints obj as the JSON the test parses).
pub const PRELUDE: &str = r#"
import sys, json, time, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
SOCK = sys.argv[1]
def proxy(url='unix://' + SOCK, user=None, password=None):
    return xmlrpc.client.ServerProxy('http://127.0.0.1', transport=SupervisorTransport(user, password, url))
s = proxy()
def call(name, *args, on=None):
    f = on or s
    for part in name.split('.'):
        f = getattr(f, part)
    try:
        return f(*args)
    except xmlrpc.client.Fault as e:
        return {'faultCode': e.faultCode, 'faultString': e.faultString}
def fault(name, *args):
    r = call(name, *args)
    assert isinstance(r, dict) and 'faultCode' in r, (name, args, r)
    return [r['faultCode'], r['faultString']]
def done(obj):
    sys.stdout.flush()
    print()
    print(json.dumps(obj, default=repr))
"#;

/// Runs PRELUDE + `script` against the daemon's unix socket and parses the JSON that
/// `done()` printed last. A Python exception fails the test with its traceback.
pub fn rpc_script(d: &Daemon, script: &str) -> serde_json::Value {
    let out = Command::new(python())
        .arg("-c")
        .arg(format!("{PRELUDE}\n{script}"))
        .arg(d.socket())
        .stdin(Stdio::null())
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python failed: {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}\n--- main log ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        d.log()
    );
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}"))
}

/// The `[unix_http_server]` and `[supervisorctl]` sections every ctl test uses.
pub const CTL_SECTIONS: &str = "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n\
    [supervisorctl]\nserverurl=unix://%(here)s/supervisor.sock\n\n";

/// A supervisorctl left running (`tail -f`, `fg`): its stdout is collected by a thread so
/// the test can wait for text; it is killed on drop.
pub struct Running {
    pub child: std::process::Child,
    out: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Running {
    /// Starts `supervisorctl -c <conf> args...` with piped stdin and stdout.
    pub fn start(d: &Daemon, args: &[&str]) -> Running {
        let mut child = Command::new(supervisorctl())
            .arg("-c")
            .arg(&d.conf)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn supervisorctl");
        let mut stdout = child.stdout.take().unwrap();
        let out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Running { child, out }
    }

    pub fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Waits until stdout contains `needle`; returns all of stdout so far.
    pub fn wait_output(&self, needle: &str) -> String {
        super::wait_for(
            &format!("{needle:?} from supervisorctl"),
            super::DEADLINE,
            || {
                let out = self.output();
                out.contains(needle).then_some(out)
            },
            || self.output(),
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
