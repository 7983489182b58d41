//! s6 (Debian's package): s6-svscan on a scan directory, one s6-supervise per program. It
//! does not log a child's output itself (s6-log is a separate logger per service).

use std::path::Path;

use super::{on_path, service_directories, spawn_supervisor, Peer, Program, Running};

pub struct S6;

impl Peer for S6 {
    fn name(&self) -> &'static str {
        "s6"
    }

    fn missing(&self) -> Option<String> {
        on_path("s6-svscan").err()
    }

    fn logs_output(&self) -> bool {
        false
    }

    fn start(&self, dir: &Path, programs: &[Program]) -> Running {
        let scan = dir.join("scan");
        std::fs::create_dir_all(&scan).expect("scan dir");
        service_directories(&scan, programs);
        let svscan = on_path("s6-svscan").expect("s6-svscan");
        spawn_supervisor(&svscan, &[scan.as_os_str()], &[])
    }
}
