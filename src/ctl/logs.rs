//! The log actions: `tail` and `maintail` (a slice through XML-RPC, or `-f` streamed from
//! `/logtail/NAME/CHANNEL` and `/mainlogtail`), and `fg` (both logs streamed while stdin
//! lines go to the process). Ctrl-C ends a stream with a newline and returns to the prompt,
//! as the stock client's KeyboardInterrupt handler does.

use std::io::{self, Write};

use super::controller::{exit, faults, int, CmdResult, Controller, Failure, RUNNING};
use super::term::{self, CatchInterrupt};
use super::transport::{CallError, Client, Conn};
use crate::rpc::xmlrpc::Value;

const PRESS_CTRL_C: &str = "==> Press Ctrl-C to exit <==";

pub fn tail(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    let mut args: Vec<&str> = arg.split_whitespace().collect();
    if args.is_empty() || args.len() > 3 {
        let why = if args.is_empty() { "few" } else { "many" };
        c.output(&format!("Error: too {why} arguments"));
        c.exitstatus = exit::GENERIC;
        print!("{}", super::help::topic("tail").expect("tail help"));
        let _ = io::stdout().flush();
        return Ok(());
    }
    let modifier = if args[0].starts_with('-') {
        Some(args.remove(0))
    } else {
        None
    };
    let (name, channel) = match args.as_slice() {
        [name] => (name.to_string(), "stdout".to_string()),
        [name, .., last] => {
            let channel = last.to_lowercase();
            if channel != "stdout" && channel != "stderr" {
                c.output(&format!(
                    "Error: bad channel {}",
                    crate::config::py::repr(&channel)
                ));
                c.exitstatus = exit::GENERIC;
                return Ok(());
            }
            (name.to_string(), channel)
        }
        [] => {
            c.output("Error: tail requires process name");
            c.exitstatus = exit::GENERIC;
            return Ok(());
        }
    };
    let mut bytes = 1600;
    if let Some(modifier) = modifier {
        let what = &modifier[1..];
        if what == "f" {
            return follow(c, &format!("/logtail/{name}/{channel}"));
        }
        match what.parse::<i64>() {
            Ok(n) => bytes = n,
            Err(_) => {
                c.output(&format!("Error: bad argument {modifier}"));
                c.exitstatus = exit::GENERIC;
                return Ok(());
            }
        }
    }
    let method = if channel == "stdout" {
        "supervisor.readProcessStdoutLog"
    } else {
        "supervisor.readProcessStderrLog"
    };
    let params = [
        Value::String(name.clone()),
        Value::Int(-bytes),
        Value::Int(0),
    ];
    print_log(c, method, &params, &name)
}

pub fn maintail(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    let args: Vec<&str> = arg.split_whitespace().collect();
    let mut bytes = 1600;
    match args.as_slice() {
        [] => {}
        [one] => {
            let bad = |c: &mut Controller| {
                c.output(&format!("Error: bad argument {one}"));
                c.exitstatus = exit::GENERIC;
            };
            let Some(what) = one.strip_prefix('-') else {
                bad(c);
                return Ok(());
            };
            if what == "f" {
                return follow(c, "/mainlogtail");
            }
            match what.parse::<i64>() {
                Ok(n) => bytes = n,
                Err(_) => {
                    bad(c);
                    return Ok(());
                }
            }
        }
        _ => {
            c.output("Error: too many arguments");
            c.exitstatus = exit::GENERIC;
            print!("{}", super::help::topic("maintail").expect("maintail help"));
            let _ = io::stdout().flush();
            return Ok(());
        }
    }
    print_log(
        c,
        "supervisor.readLog",
        &[Value::Int(-bytes), Value::Int(0)],
        "supervisord",
    )
}

/// Prints what a log-reading call returns, or `<who>: ERROR (<why>)` as the stock client
/// words the faults it expects.
fn print_log(c: &mut Controller, method: &str, params: &[Value], who: &str) -> CmdResult {
    match c.call(method, params) {
        Ok(v) => c.output(&super::controller::py_str(&v)),
        Err(CallError::Fault { code, string }) => {
            c.exitstatus = exit::GENERIC;
            let why = match code {
                faults::NO_FILE => "no log file",
                faults::FAILED => "unknown error reading log",
                faults::BAD_NAME => "no such process name",
                _ => return Err(CallError::Fault { code, string }.into()),
            };
            c.output(&format!("{who}: ERROR ({why})"));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Streams one `GET path` to stdout until the server ends it or Ctrl-C. Problems go to
/// stderr prefixed by the URL, as Supervisor's `http_client.Listener.error` writes them.
/// Returns whether Ctrl-C ended it.
fn stream(
    client: &Client,
    url: &str,
    path: &str,
    password_set: bool,
    guard: &CatchInterrupt,
) -> bool {
    let report = |msg: String| {
        eprintln!("{url}{path} {msg}");
    };
    let mut conn: Conn = match client.get_stream(path, password_set) {
        Ok(conn) => conn,
        Err(e) => {
            let (class, value) = super::controller::python_exception(&e);
            report(format!(
                "Cannot connect, error: <class '{class}'> ({value})"
            ));
            return guard.interrupted();
        }
    };
    let head = match conn.read_head() {
        Ok(h) => h,
        Err(_) => return guard.interrupted(),
    };
    if head.status != 200 {
        report(format!("Cannot read, status code {}", head.status));
        return false;
    }
    let mut out = io::stdout();
    let _ = conn.stream_body(&head, &mut |bytes| {
        out.write_all(bytes)?;
        out.flush()
    });
    guard.interrupted()
}

/// `tail -f` / `maintail -f`.
fn follow(c: &mut Controller, path: &str) -> CmdResult {
    c.output(PRESS_CTRL_C);
    let guard = CatchInterrupt::new();
    let client = c.new_client();
    let password_set = c.options.password.as_deref().is_some_and(|p| !p.is_empty());
    if stream(&client, &c.options.serverurl, path, password_set, &guard) {
        c.output("");
    }
    Ok(())
}

pub fn fg(c: &mut Controller, arg: &str) -> CmdResult {
    if !c.upcheck()? {
        return Ok(());
    }
    let names: Vec<&str> = arg.split_whitespace().collect();
    match names.len() {
        0 => {
            c.output("ERROR: no process name supplied");
            c.exitstatus = exit::GENERIC;
            print!("{}", super::help::topic("fg").expect("fg help"));
            let _ = io::stdout().flush();
            return Ok(());
        }
        1 => {}
        _ => {
            c.output("ERROR: too many process names supplied");
            c.exitstatus = exit::GENERIC;
            return Ok(());
        }
    }
    let name = names[0].to_string();
    let target = || [Value::String(name.clone())];
    match c.call("supervisor.getProcessInfo", &target()) {
        Ok(info) if int(&info, "state") != RUNNING => {
            c.output("ERROR: process not running");
            c.exitstatus = exit::GENERIC;
            return Ok(());
        }
        Ok(_) => {}
        Err(CallError::Fault { code, .. }) if code == faults::BAD_NAME => {
            c.output("ERROR: bad process name supplied");
            c.exitstatus = exit::GENERIC;
            return Ok(());
        }
        Err(e @ CallError::Fault { .. }) => {
            let (_, text) = super::controller::python_exception(&e);
            c.output(&format!("ERROR: {text}"));
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    c.output(PRESS_CTRL_C);
    let guard = CatchInterrupt::new();
    // Both logs stream on threads of their own; their sockets are shut down to end them.
    let password_set = c.options.password.as_deref().is_some_and(|p| !p.is_empty());
    let mut closers = Vec::new();
    let mut threads = Vec::new();
    for channel in ["stdout", "stderr"] {
        let client = c.new_client();
        let path = format!("/logtail/{name}/{channel}");
        let url = c.options.serverurl.clone();
        let Ok(mut conn) = client.get_stream(&path, password_set) else {
            continue;
        };
        if let Ok(clone) = conn.stream.try_clone_box() {
            closers.push(clone);
        }
        threads.push(std::thread::spawn(move || {
            let Ok(head) = conn.read_head() else { return };
            if head.status != 200 {
                eprintln!("{url}{path} Cannot read, status code {}", head.status);
                return;
            }
            let mut out = io::stdout();
            let _ = conn.stream_body(&head, &mut |bytes| {
                out.write_all(bytes)?;
                out.flush()
            });
        }));
    }
    let result = fg_input(c, &name, &guard);
    for closer in &closers {
        closer.shutdown();
    }
    for t in threads {
        let _ = t.join();
    }
    result
}

/// The input half of `fg`: each stdin line goes to the process until it stops running,
/// stdin ends, or Ctrl-C.
fn fg_input(c: &mut Controller, name: &str, guard: &CatchInterrupt) -> CmdResult {
    loop {
        // None: end of input, or Ctrl-C (the guard turned it into an interrupted read).
        let Some(line) = term::read_line() else {
            debug_assert!(guard.interrupted() || !term::interrupted());
            c.output("Exiting foreground");
            return Ok(());
        };
        let params = [
            Value::String(name.into()),
            Value::String(format!("{line}\n")),
        ];
        match c.call("supervisor.sendProcessStdin", &params) {
            Ok(_) => {}
            Err(CallError::Fault { code, string }) => {
                if code == faults::NOT_RUNNING {
                    c.output("Process got killed");
                } else {
                    let (_, text) =
                        super::controller::python_exception(&CallError::Fault { code, string });
                    c.output(&format!("ERROR: {text}"));
                }
                c.output("Exiting foreground");
                return Ok(());
            }
            Err(e) => return Err(Failure::Call(e)),
        }
        let info = c.call("supervisor.getProcessInfo", &[Value::String(name.into())])?;
        if int(&info, "state") != RUNNING {
            c.output("Process got killed");
            c.output("Exiting foreground");
            return Ok(());
        }
    }
}
