//! Our supervisord as one of the peers, measured the same way as they are.

use std::path::Path;

use super::{Peer, Program, Running};
use crate::daemons::{Daemon, Kind, Limits};

pub struct Ours;

impl Peer for Ours {
    fn name(&self) -> &'static str {
        "ours"
    }

    fn missing(&self) -> Option<String> {
        None
    }

    fn logs_output(&self) -> bool {
        true
    }

    fn start(&self, _: &Path, programs: &[Program]) -> Running {
        let sections: String = programs.iter().map(section).collect();
        let n = programs.len() as u64;
        let limits = Limits {
            fds: (5 * n + 500).max(Limits::default().fds),
            procs: n + 500,
        };
        let daemon = Daemon::start_with(Kind::Ours, &sections, limits);
        Running {
            root: daemon.child.id(),
            children: vec![],
            keep: Some(Box::new(daemon)),
        }
    }
}

/// Supervisor's defaults otherwise: AUTO logs where a program's stdout is not named.
fn section(program: &Program) -> String {
    let stdout = match &program.stdout {
        Some(path) => format!(
            "stdout_logfile={}\nstdout_logfile_maxbytes=0\n",
            path.display()
        ),
        None => String::new(),
    };
    format!(
        "[program:{}]\ncommand={}\nstartsecs=0\nautorestart={}\nstartretries=100000\n{stdout}\n",
        program.name,
        program.command_line(),
        program.restart
    )
}
