//! What /proc says about a process tree: its members, their memory, CPU and wake-ups. The
//! peers supervise through helper processes (runit's runsv, s6's s6-supervise), so their
//! figures are those of the whole tree less the programs supervised.

use std::collections::HashSet;

/// The direct children of `pid` (all its threads'), from /proc/PID/task/*/children.
fn children(pid: u32) -> Vec<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"));
    tasks
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// `root` and all its descendants.
pub fn tree(root: u32) -> Vec<u32> {
    let mut seen = vec![root];
    let mut next = 0;
    while next < seen.len() {
        let kids = children(seen[next]);
        seen.extend(kids);
        next += 1;
    }
    seen
}

/// The process's command name (/proc/PID/comm).
pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim().to_string())
        .unwrap_or_default()
}

/// How many of `root`'s descendants run `program` (by command name).
pub fn count_running(root: u32, program: &str) -> usize {
    tree(root)
        .into_iter()
        .skip(1)
        .filter(|&p| comm(p) == program)
        .count()
}

/// The supervisor's own processes: `root`'s tree less those running `program`.
pub fn supervisor_processes(root: u32, program: &str) -> Vec<u32> {
    tree(root)
        .into_iter()
        .filter(|&p| p == root || comm(p) != program)
        .collect()
}

/// Resident set size in KiB, summed over `pids`.
pub fn rss_kib(pids: &[u32]) -> u64 {
    pids.iter()
        .map(|pid| {
            status_field(
                &std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default(),
                "VmRSS:",
            )
        })
        .sum()
}

/// Proportional set size in KiB, summed over `pids`: each shared page counted once across
/// them, so that a supervisor made of many small processes (runsv, s6-supervise) is not
/// charged its shared libc once per process.
pub fn pss_kib(pids: &[u32]) -> u64 {
    pids.iter()
        .map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"));
            status_field(&rollup.unwrap_or_default(), "Pss:")
        })
        .sum()
}

/// Whether `pid` is still alive (and not a zombie).
pub fn alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat
        .rsplit(')')
        .next()
        .and_then(|s| s.split_whitespace().next());
    matches!(state, Some(s) if s != "Z" && s != "X")
}

/// CPU seconds used so far by `pids`, all threads, from the scheduler's nanosecond
/// accounting (/proc/PID/task/*/schedstat): clock ticks are too coarse for an idle daemon.
pub fn cpu_secs(pids: &[u32]) -> f64 {
    let nanos: u64 = tasks(pids)
        .filter_map(|t| std::fs::read_to_string(t.join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 / 1e9
}

/// Context switches so far, voluntary and not, of every thread of `pids`: each one is a
/// wake-up (or a preemption, which an idle process does not suffer).
pub fn context_switches(pids: &[u32]) -> u64 {
    tasks(pids)
        .filter_map(|t| std::fs::read_to_string(t.join("status")).ok())
        .map(|s| {
            status_field(&s, "voluntary_ctxt_switches:")
                + status_field(&s, "nonvoluntary_ctxt_switches:")
        })
        .sum()
}

/// Waits until `pids` have gone 200 ms without a context switch, or 5 s: an idle window
/// measures a supervisor that has finished starting (the threads of a daemon that just
/// logged its last RUNNING line may still be settling, each going to sleep once more), not
/// the tail of its start-up. A supervisor that wakes on a timer more often than that simply
/// waits the 5 s.
pub fn settle(pids: &[u32]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut seen = context_switches(pids);
    while std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let now = context_switches(pids);
        if now == seen {
            return;
        }
        seen = now;
    }
}

fn tasks(pids: &[u32]) -> impl Iterator<Item = std::path::PathBuf> + '_ {
    pids.iter()
        .flat_map(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/task"))
                .into_iter()
                .flatten()
        })
        .flatten()
        .map(|t| t.path())
}

fn status_field(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// SIGKILLs `root` and every descendant: a peer that failed to stop must not leave 1 000
/// children behind for the next measurement. Each is stopped first, so that no supervisor in
/// the tree spawns a replacement, or loses its children to init, before the kills.
pub fn kill_tree(root: u32) {
    let mut frozen = HashSet::new();
    for _ in 0..10 {
        let fresh: Vec<u32> = tree(root)
            .into_iter()
            .filter(|p| !frozen.contains(p))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for pid in fresh {
            signal(pid, libc::SIGSTOP);
            frozen.insert(pid);
        }
    }
    for &pid in &frozen {
        signal(pid, libc::SIGKILL);
    }
}

pub fn signal(pid: u32, signal: libc::c_int) {
    // SAFETY: kill(2) with a pid read from /proc or our own child; at worst it is gone.
    unsafe { libc::kill(pid as libc::pid_t, signal) };
}

/// Sends `signal` to the process group `pgid`.
pub fn signal_group(pgid: u32, signal: libc::c_int) {
    // SAFETY: kill(2) on a group we created; at worst it is empty.
    unsafe { libc::kill(-(pgid as libc::pid_t), signal) };
}
