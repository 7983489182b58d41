//! config-samples/supervisord.service is a valid unit (systemd-analyze verify) whose start,
//! stop and reload do what the daemon expects: -n in the foreground, SIGTERM to the daemon
//! alone, SIGHUP to reload.

mod common;

use std::process::Command;

#[test]
fn the_sample_unit_verifies_and_drives_the_daemon_as_designed() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config-samples/supervisord.service"
    ))
    .unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/supervisord -n -c "));
    assert!(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"));
    assert!(unit.contains("KillMode=process"));
    // verify checks that ExecStart exists: point it at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/supervisord", common::bin()),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian package systemd) must be installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let problems: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("supervisord.service"))
        .collect();
    assert!(out.status.success() && problems.is_empty(), "{stderr}");
}
