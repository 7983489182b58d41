//! `systemd-analyze verify` on a unit file, for the sample units and the packaged one.

use std::path::Path;
use std::process::Command;

/// Checks the unit at `unit_file` with `systemd-analyze verify`, with its binaries (`from`,
/// `to` pairs) pointed at the ones under test, since verify checks that they exist. Returns
/// the unit's text as written.
pub fn verified_unit(unit_file: &Path, binaries: &[(&str, &str)]) -> String {
    let unit = std::fs::read_to_string(unit_file).unwrap();
    let name = unit_file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(&name);
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
    let problems: Vec<&str> = stderr.lines().filter(|l| l.contains(&name)).collect();
    assert!(
        out.status.success() && problems.is_empty(),
        "{name}: {stderr}"
    );
    unit
}
