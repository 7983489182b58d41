//! Restart policies beyond Supervisor, timed from the main log's own stamps: exponential
//! backoff, `startretries=-1`, `restartpause`. Each timing allows generous slack above the
//! configured wait and none below it (a wait is never shorter than asked).

mod common;

use common::Daemon;

/// Seconds since the epoch of a main-log line's stamp (`2026-12-01 23:59:58,123 ...`).
fn stamp(line: &str) -> f64 {
    let number = |range: std::ops::Range<usize>| -> i64 { line[range].parse().unwrap() };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    // Days from the civil date (Howard Hinnant's algorithm), so midnight is no edge.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + number(11..13) * 3600 + number(14..16) * 60 + number(17..19);
    secs as f64 + number(20..23) as f64 / 1000.0
}

/// The stamps of the main-log lines that contain `needle`.
fn stamps(log: &str, needle: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.contains(needle))
        .map(stamp)
        .collect()
}

/// The gaps between consecutive stamps.
fn gaps(stamps: &[f64]) -> Vec<f64> {
    stamps.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Each gap is at least its wait and at most 0.9 s more.
fn assert_waits(gaps: &[f64], waits: &[f64], log: &str) {
    assert_eq!(gaps.len(), waits.len(), "{gaps:?}\n{log}");
    for (gap, wait) in gaps.iter().zip(waits) {
        assert!(
            *gap >= wait - 0.01 && *gap <= wait + 0.9,
            "gaps {gaps:?}, waits {waits:?}\n{log}"
        );
    }
}

#[test]
fn exponential_backoff_waits_1_2_4_seconds_between_failed_starts() {
    let d = Daemon::start(
        "[program:flaky]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=3\n\
         backoff=exponential\n",
    );
    let log = d.wait_log("gave up: flaky entered FATAL state");
    let spawns = stamps(&log, "spawned: 'flaky'");
    assert_waits(&gaps(&spawns), &[1.0, 2.0, 4.0], &log);
}

#[test]
fn startretries_minus_one_keeps_retrying_at_maxbackoff() {
    let d = Daemon::start(
        "[program:flaky]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=-1\n\
         maxbackoff=1\n",
    );
    // Past the default 3 retries and well past 1 + 2 + 3 s of linear backoff.
    let log = d.wait_log_count("spawned: 'flaky'", 7);
    assert!(!log.contains("gave up"), "{log}");
    let spawns = stamps(&log, "spawned: 'flaky'");
    assert_waits(&gaps(&spawns[..7]), &[1.0; 6], &log);
}

#[test]
fn restartpause_waits_before_an_autorestart() {
    let d = Daemon::start(
        "[program:job]\ncommand=sh -c 'sleep 0.2; exit 0'\nstartsecs=0\nautorestart=true\n\
         restartpause=2\n",
    );
    let log = d.wait_log_count("spawned: 'job'", 3);
    let exits = stamps(&log, "exited: job");
    let spawns = stamps(&log, "spawned: 'job'");
    let pauses: Vec<f64> = exits.iter().zip(&spawns[1..]).map(|(e, s)| s - e).collect();
    assert_waits(&pauses[..2], &[2.0, 2.0], &log);
}
