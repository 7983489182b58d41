//! The sample units are valid (systemd-analyze verify) and start, stop and reload the daemon
//! as it expects: config-samples/supervisord.service (Type=notify, -n in the foreground,
//! SIGTERM to the daemon alone, SIGHUP to reload, a watchdog) and
//! config-samples/supervisor.service (Debian's: stop and reload through supervisorctl).

mod common;

use std::process::Command;

/// Checks the sample unit `name` with `systemd-analyze verify`, with its binaries (`from`,
/// `to` pairs) pointed at the ones under test, since verify checks that they exist. Returns
/// the unit's text.
fn verified_unit(name: &str, binaries: &[(&str, &str)]) -> String {
    let unit = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config-samples")
            .join(name),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let under_test = binaries
        .iter()
        .fold(unit.clone(), |text, (from, to)| text.replace(from, to));
    std::fs::write(&path, under_test).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian package systemd) must be installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let problems: Vec<&str> = stderr.lines().filter(|l| l.contains(name)).collect();
    assert!(
        out.status.success() && problems.is_empty(),
        "{name}: {stderr}"
    );
    unit
}

#[test]
fn the_notify_unit_verifies_and_drives_the_daemon_as_designed() {
    let unit = verified_unit(
        "supervisord.service",
        &[("/usr/local/bin/supervisord", common::bin())],
    );
    for line in [
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=30s",
        "ExecStart=/usr/local/bin/supervisord -n -c ",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "KillMode=process",
    ] {
        assert!(
            unit.lines().any(|l| l.starts_with(line)),
            "{line} missing:\n{unit}"
        );
    }
}

#[test]
fn the_debian_unit_verifies_with_debians_commands() {
    let unit = verified_unit(
        "supervisor.service",
        &[
            ("/usr/bin/supervisord", common::bin()),
            (
                "/usr/bin/supervisorctl",
                env!("CARGO_BIN_EXE_supervisorctl"),
            ),
        ],
    );
    for line in [
        "ExecStart=/usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf",
        "ExecStop=/usr/bin/supervisorctl $OPTIONS shutdown",
        "ExecReload=/usr/bin/supervisorctl -c /etc/supervisor/supervisord.conf $OPTIONS reload",
        "KillMode=process",
        "Restart=on-failure",
    ] {
        assert!(
            unit.lines().any(|l| l.starts_with(line)),
            "{line} missing:\n{unit}"
        );
    }
}
