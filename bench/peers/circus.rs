//! circus (PyPI, in its own venv target/bench-venv): circusd on an ini file, one watcher per
//! program, its ZeroMQ endpoints on ipc sockets in the run's directory.

use std::path::Path;

use super::{installed, spawn_supervisor, Peer, Program, Running};

const CIRCUSD: &str = "target/bench-venv/bin/circusd";

pub struct Circus;

impl Peer for Circus {
    fn name(&self) -> &'static str {
        "circus"
    }

    fn missing(&self) -> Option<String> {
        installed(CIRCUSD).err()
    }

    fn logs_output(&self) -> bool {
        true
    }

    fn start(&self, dir: &Path, programs: &[Program]) -> Running {
        let d = dir.display();
        let mut ini = format!(
            "[circus]\nendpoint = ipc://{d}/endpoint\npubsub_endpoint = ipc://{d}/pubsub\n\
             stats_endpoint = ipc://{d}/stats\nstatsd = False\n\n"
        );
        for program in programs {
            let (cmd, args) = program.command.split_first().expect("a command");
            ini += &format!(
                "[watcher:{}]\ncmd = {cmd}\nargs = {}\nnumprocesses = 1\nrespawn = {}\n",
                program.name,
                args.join(" "),
                if program.restart { "True" } else { "False" }
            );
            if let Some(path) = &program.stdout {
                ini += &format!(
                    "stdout_stream.class = FileStream\nstdout_stream.filename = {}\n",
                    path.display()
                );
            }
            ini.push('\n');
        }
        let config = dir.join("circus.ini");
        std::fs::write(&config, ini).expect("circus.ini");
        let circusd = installed(CIRCUSD).expect("circusd");
        spawn_supervisor(&circusd, &[config.as_os_str()], &[])
    }
}
