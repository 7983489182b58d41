//! supervisorctl in Rust: the stock Python client's commands, options, output and exit
//! statuses, so scripts that parse `supervisorctl status` or test its exit code keep
//! working, and no Python is needed to control processes. Reached as the `supervisorctl`
//! binary or as `supervisord ctl ...`.
//!
//! The API is the contract: this talks XML-RPC on `/RPC2` (and HTTP `/logtail`,
//! `/mainlogtail`) to any Supervisor 4.x daemon, ours or Python's. It shares the XML-RPC
//! codec and the config reader with the daemon and nothing else: no actors, no tokio.
//!
//! - `options.rs`: command line and `[supervisorctl]` section (ClientOptions)
//! - `controller.rs`: one command line at a time (onecmd), upcheck, error lines, exit codes
//! - `commands.rs`, `logs.rs`: the actions; `help.rs`: their help texts
//! - `shell.rs`: the interactive shell; `term.rs`: stdin, prompts and Ctrl-C
//! - `transport.rs`: the blocking HTTP client (`--json` output is `crate::rpc::json`)

mod commands;
mod config_actions;
mod controller;
mod help;
mod logs;
mod options;
mod shell;
mod term;
mod transport;

pub use controller::Controller;
pub use options::{command, getopt, ClientOptions};

/// Runs supervisorctl with `args` (without the program name); returns the exit status.
/// `progname` is what usage messages call the program.
pub fn run(progname: &str, args: &[String]) -> i32 {
    let options = match options::realize(args, progname, crate::daemon::default_config_path) {
        Ok(o) => o,
        Err(options::Exit::Help(text)) => {
            print!("{text}");
            return 0;
        }
        Err(options::Exit::Usage(msg)) => {
            eprintln!("Error: {msg}");
            eprintln!("For help, use {progname} -h");
            return 2;
        }
    };
    let has_action = !options.args.is_empty();
    let line = options.args.join(" ");
    let mut c = Controller::new(options);
    if has_action {
        c.onecmd(&line);
        return c.exitstatus;
    }
    // Interactive: the exit status is always 0, as the stock client's.
    shell::run(&mut c);
    0
}
