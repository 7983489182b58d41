//! The `pidproxy` binary: Supervisor's shim for self-daemonizing programs
//! (`supervisord::pidproxy` does the work).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(supervisord::pidproxy::run(std::env::args_os().collect()))
}
