//! Horust (crates.io, built into target/bench-tools): one TOML file per program. It opens a
//! program's stdout file itself and hands it to the child, so the child writes straight to it.

use std::path::Path;

use super::{installed, spawn_supervisor, Peer, Program, Running};

const HORUST: &str = "target/bench-tools/bin/horust";

pub struct Horust;

impl Peer for Horust {
    fn name(&self) -> &'static str {
        "horust"
    }

    fn missing(&self) -> Option<String> {
        installed(HORUST).err()
    }

    fn logs_output(&self) -> bool {
        true
    }

    fn start(&self, dir: &Path, programs: &[Program]) -> Running {
        let services = dir.join("services");
        std::fs::create_dir_all(&services).expect("services dir");
        for program in programs {
            let stdout = program
                .stdout
                .as_ref()
                .map_or("/dev/null".to_string(), |p| p.display().to_string());
            let strategy = if program.restart { "always" } else { "never" };
            std::fs::write(
                services.join(format!("{}.toml", program.name)),
                format!(
                    "command = \"{}\"\nstdout = \"{stdout}\"\nstderr = \"/dev/null\"\n\n\
                     [restart]\nstrategy = \"{strategy}\"\nbackoff = \"0s\"\nattempts = 0\n",
                    program.command_line()
                ),
            )
            .expect("service file");
        }
        let horust = installed(HORUST).expect("horust");
        let uds = dir.join("uds");
        spawn_supervisor(
            &horust,
            &[
                "--services-path".as_ref(),
                services.as_os_str(),
                "--uds-folder-path".as_ref(),
                uds.as_os_str(),
            ],
            &[],
        )
    }
}
