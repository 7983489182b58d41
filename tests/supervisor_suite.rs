//! Supervisor's own end-to-end suite (`supervisor/tests/test_end_to_end.py` from the
//! `supervisor` 4.3.0 package that scripts/setup-test-deps.sh installs), run unmodified
//! against our daemon. tests/supervisor_suite/supervisor_suite_plugin.py says how the suite's
//! spawns of Python's daemon are sent to ours; its supervisorctl, xmlrpc.client and
//! childutils clients are the real ones.

mod common;

use std::path::Path;
use std::process::Command;

use common::{bin, http::python};

#[test]
fn supervisors_end_to_end_suite_passes_against_our_daemon() {
    let python = python();
    let venv_bin = python.parent().expect("venv bin dir");
    // The fixtures run `python ...`: the venv's, first on PATH.
    let path = format!(
        "{}:{}",
        venv_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let plugin_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/supervisor_suite");
    // A fixture without `logfile=` logs to the working directory.
    let cwd = tempfile::tempdir().expect("tempdir");
    let out = Command::new(&python)
        .args([
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "supervisor_suite_plugin",
        ])
        .args(["-rfE", "--pyargs", "supervisor.tests.test_end_to_end"])
        .env("SUPERVISORD_BIN", bin())
        .env("PYTHONPATH", &plugin_dir)
        .env("PATH", path)
        .current_dir(cwd.path())
        .output()
        .expect("run pytest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // scripts/test.sh prints this file's last line beside cargo's summary.
    let report = Path::new(env!("CARGO_TARGET_TMPDIR")).join("supervisor-suite.log");
    std::fs::write(&report, stdout.as_bytes()).expect("write the suite's report");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        out.status.success() && summary.contains("27 passed") && !summary.contains("failed"),
        "Supervisor's end-to-end suite did not pass 27/27:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
