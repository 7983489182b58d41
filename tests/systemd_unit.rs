//! The sample units are valid (systemd-analyze verify) and start, stop and reload the daemon
//! as it expects: config-samples/supervisord.service (Type=notify, -n in the foreground,
//! SIGTERM to the daemon alone, SIGHUP to reload, a watchdog) and
//! config-samples/supervisor.service (Debian's: stop and reload through supervisorctl).

mod common;

/// The sample unit `name` (config-samples/), verified with its binaries pointed at the ones
/// under test ([`common::systemd::verified_unit`]).
fn verified_unit(name: &str, binaries: &[(&str, &str)]) -> String {
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config-samples");
    common::systemd::verified_unit(&samples.join(name), binaries)
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
