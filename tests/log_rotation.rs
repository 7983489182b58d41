//! Rotation by the clock and gzipped backups (ours: `stdout_logfile_rotate`,
//! `stdout_logfile_compress`, `[supervisord] logfile_rotate` and `logfile_compress`), with a
//! period of one second: every line a child wrote is found exactly once across the current
//! file and the backups, the backups are valid gzip, `logfile_backups` bounds them, and
//! supervisorctl's `tail -f` follows the log across rotations.

mod common;

use std::path::Path;
use std::process::Command;

use common::py::{Running, CTL_SECTIONS};
use common::{wait_for, Daemon, DEADLINE};

/// A program writing `count` numbered lines, one every 20 ms, then exiting.
fn counting_program(name: &str, count: u32, options: &str) -> String {
    format!(
        "[program:{name}]\ncommand=sh -c 'i=0; while [ $i -lt {count} ]; do echo line $i; \
         i=$((i+1)); sleep 0.02; done'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=%(here)s/{name}.log\nstdout_logfile_rotate=1s\n{options}\n"
    )
}

/// The numbered backups of `log` that exist, as (number, gzipped).
fn backups(log: &Path) -> Vec<(u32, bool)> {
    let mut found = Vec::new();
    for n in 1..=100 {
        let plain = format!("{}.{n}", log.display());
        let gz = format!("{plain}.gz");
        for (path, gzipped) in [(plain, false), (gz, true)] {
            if Path::new(&path).exists() {
                found.push((n, gzipped));
            }
        }
    }
    found
}

fn gunzip(path: &str) -> String {
    let test = Command::new("gzip").args(["-t", path]).status().unwrap();
    assert!(test.success(), "gzip -t {path}");
    let out = Command::new("gzip").args(["-dc", path]).output().unwrap();
    assert!(out.status.success(), "gzip -dc {path}");
    String::from_utf8(out.stdout).unwrap()
}

/// Once the program has exited and every backup is gzipped: the backups, oldest first, then
/// the current file, as text.
fn settled_text(d: &Daemon, name: &str) -> (String, Vec<(u32, bool)>) {
    d.wait_log(&format!("exited: {name} (exit status 0; expected)"));
    let log = d.path(&format!("{name}.log"));
    let found = wait_for(
        "every backup gzipped",
        DEADLINE,
        || {
            let found = backups(&log);
            found.iter().all(|(_, gz)| *gz).then_some(found)
        },
        || format!("{:?}", backups(&log)),
    );
    let mut text = String::new();
    for (n, _) in found.iter().rev() {
        text.push_str(&gunzip(&format!("{}.{n}.gz", log.display())));
    }
    text.push_str(&std::fs::read_to_string(&log).unwrap());
    (text, found)
}

#[test]
fn every_line_is_kept_once_across_gzipped_backups_rotated_by_the_clock() {
    let d = Daemon::start(&counting_program(
        "counter",
        200,
        "stdout_logfile_compress=true\nstdout_logfile_backups=50",
    ));
    let (text, found) = settled_text(&d, "counter");
    let expected: String = (0..200).map(|i| format!("line {i}\n")).collect();
    assert_eq!(text, expected);
    // 200 lines at 20 ms each span four seconds or more: a backup per second.
    assert!(found.len() >= 3, "{found:?}");
    assert_eq!(
        found.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (1..=found.len() as u32).collect::<Vec<_>>()
    );
}

#[test]
fn logfile_backups_bounds_the_gzipped_backups() {
    let d = Daemon::start(&counting_program(
        "bounded",
        200,
        "stdout_logfile_compress=true\nstdout_logfile_backups=2",
    ));
    let (text, found) = settled_text(&d, "bounded");
    assert_eq!(found, [(1, true), (2, true)]);
    // What is kept is the end of the output, without a gap or a repeat.
    let numbers: Vec<u32> = text
        .lines()
        .map(|l| l.strip_prefix("line ").unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers.last(), Some(&199));
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    assert!(numbers[0] > 0, "older lines were rotated away");
}

#[test]
fn tail_follows_across_rotations_and_the_main_log_rotates_too() {
    let d = Daemon::prepare_with(
        "logfile_rotate=1s\nlogfile_compress=true\nlogfile_backups=3",
        &format!(
            "{CTL_SECTIONS}{}",
            counting_program("tailed", 250, "stdout_logfile_backups=50")
        ),
    )
    .launch(&[]);
    let tail = Running::start(&d, &["tail", "-f", "tailed"]);
    // Written after several rotations of the file the tail began on.
    let out = tail.wait_output("line 240\n");
    let log = d.path("tailed.log");
    assert!(backups(&log).len() >= 3, "{:?}", backups(&log));
    assert!(backups(&log).iter().all(|(_, gz)| !gz));
    // Each line the tail showed, it showed once.
    for i in 200..=240 {
        assert_eq!(
            out.matches(&format!("line {i}\n")).count(),
            1,
            "line {i}: {out}"
        );
    }
    // The main log (at debug, the child's lines go to it too) rotated into valid gzips.
    let main = d.path("supervisord.log");
    let main_backups = wait_for(
        "a gzipped main-log backup",
        DEADLINE,
        || {
            let found = backups(&main);
            found.contains(&(1, true)).then_some(found)
        },
        || format!("{:?}", backups(&main)),
    );
    assert!(
        main_backups.iter().all(|(n, _)| *n <= 3),
        "{main_backups:?}"
    );
    assert!(gunzip(&format!("{}.1.gz", main.display())).contains("DEBG"));
}
