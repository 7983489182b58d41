//! runit (Debian's package): runsvdir on a service directory, one runsv per program. It does
//! not log a child's output itself (svlogd is a separate logger per service).

use std::path::Path;

use super::{on_path, service_directories, spawn_supervisor, Peer, Program, Running};

pub struct Runit;

impl Peer for Runit {
    fn name(&self) -> &'static str {
        "runit"
    }

    fn missing(&self) -> Option<String> {
        on_path("runsvdir").err()
    }

    fn logs_output(&self) -> bool {
        false
    }

    fn start(&self, dir: &Path, programs: &[Program]) -> Running {
        let services = dir.join("service");
        std::fs::create_dir_all(&services).expect("service dir");
        service_directories(&services, programs);
        let runsvdir = on_path("runsvdir").expect("runsvdir");
        spawn_supervisor(&runsvdir, &[services.as_os_str()], &[])
    }
}
