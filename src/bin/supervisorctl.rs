//! The `supervisorctl` binary: a thin shell around `supervisord::ctl::run`, which does the
//! work (the same code serves `supervisord ctl ...`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args();
    let progname = args.next().unwrap_or_else(|| "supervisorctl".into());
    let args: Vec<String> = args.collect();
    let status = supervisord::ctl::run(&progname, &args);
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}
