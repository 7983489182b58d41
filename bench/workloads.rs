//! The programs that the daemons and the peers supervise alike, written as scripts into the
//! run's directory so that every supervisor's config names them by plain words, and the
//! checks of what those programs leave behind.

use std::path::{Path, PathBuf};

/// A numbered line: "%08d " and padding to 64 bytes.
const LINE_PAD: usize = 64 - 9 - 1;

/// A script writing `bytes` of numbered 64-byte lines to its stdout. The lines are made once,
/// into a file the script `cat`s: a writer that formats its own lines (awk did) spends more
/// CPU than the supervisor copying them, and on two cores the run then measured the writers.
pub fn writer_script(dir: &Path, bytes: u64) -> PathBuf {
    use std::fmt::Write;
    let (script, lines) = (dir.join("writer.sh"), dir.join("writer.lines"));
    let pad = "x".repeat(LINE_PAD);
    let mut text = String::with_capacity(bytes as usize);
    for i in 0..bytes / 64 {
        writeln!(text, "{i:08} {pad}").expect("format a line");
    }
    std::fs::write(&lines, text).expect("write the lines");
    write_script(&script, &format!("exec cat '{}'\n", lines.display()));
    script
}

/// What one writer's log holds: how many bytes, how many lines are not the next numbered
/// line (damaged, merged, out of order; a cut last line counts too).
pub struct StreamCheck {
    pub bytes: u64,
    pub damaged: u64,
}

pub fn check_stream(log: &Path) -> StreamCheck {
    let content = std::fs::read(log).unwrap_or_default();
    let pad = "x".repeat(LINE_PAD);
    let mut expected = 0u64;
    let mut damaged = 0u64;
    for line in content.split_inclusive(|b| *b == b'\n') {
        if line == format!("{expected:08} {pad}\n").as_bytes() {
            expected += 1;
            continue;
        }
        damaged += 1;
        // Pick up the count again after the damage, so one bad line counts once.
        let number = std::str::from_utf8(line.get(..8).unwrap_or_default()).ok();
        if let Some(n) = number.and_then(|n| n.parse::<u64>().ok()) {
            expected = n + 1;
        }
    }
    StreamCheck {
        bytes: content.len() as u64,
        damaged,
    }
}

/// Many writers' logs together.
pub fn check_streams(logs: &[PathBuf]) -> StreamCheck {
    logs.iter().map(|l| check_stream(l)).fold(
        StreamCheck {
            bytes: 0,
            damaged: 0,
        },
        |a, b| StreamCheck {
            bytes: a.bytes + b.bytes,
            damaged: a.damaged + b.damaged,
        },
    )
}

/// Bytes in `logs` so far.
pub fn logged_bytes(logs: &[PathBuf]) -> u64 {
    logs.iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum()
}

/// A script that appends the time it ran (ns) to `stamps` and exits at once: run again and
/// again, consecutive stamps are apart by the exit-to-respawn latency plus the script's own
/// run, which the shell-loop floor measures alone.
pub fn stamp_script(dir: &Path) -> (PathBuf, PathBuf) {
    let (script, stamps) = (dir.join("stamp.sh"), dir.join("stamps"));
    write_script(
        &script,
        &format!("exec date +%s%N >>{}\n", stamps.display()),
    );
    (script, stamps)
}

/// How many stamps `stamps` holds.
pub fn stamp_count(stamps: &Path) -> usize {
    std::fs::read_to_string(stamps).map_or(0, |s| s.lines().count())
}

/// The median gap between consecutive stamps, in ms.
pub fn median_gap_ms(stamps: &Path) -> f64 {
    let times: Vec<f64> = std::fs::read_to_string(stamps)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .collect();
    let gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) / 1e6).collect();
    crate::scenarios::quantile(&gaps, 0.5)
}

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}
