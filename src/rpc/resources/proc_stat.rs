//! Reading a process's CPU time and resident memory from /proc/PID/stat: fields 14-17
//! (utime, stime, cutime, cstime, in clock ticks) and 24 (rss, in pages). One file per
//! process, and for whole process groups one pass over /proc, so 1 000 programs cost one
//! read each per sample.

use std::collections::HashMap;

/// What one sample found for one process (or process group).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    /// User plus system CPU time, in seconds.
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
}

/// The parts of one /proc/PID/stat line we use.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stat {
    pgrp: i32,
    /// utime + stime, in ticks.
    own_ticks: u64,
    /// cutime + cstime: children this process has waited for.
    children_ticks: u64,
    rss_pages: u64,
}

/// Parses a stat line. The command name (field 2) is in parentheses and may hold spaces and
/// parentheses itself, so the fields are counted from the last `)`.
fn parse_stat(line: &str) -> Option<Stat> {
    let after = &line[line.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_ascii_whitespace().collect();
    // fields[0] is field 3 (state).
    let field = |n: usize| -> Option<u64> { fields.get(n - 3)?.parse().ok() };
    Some(Stat {
        pgrp: fields.get(5 - 3)?.parse().ok()?,
        own_ticks: field(14)? + field(15)?,
        children_ticks: field(16)? + field(17)?,
        rss_pages: field(24)?,
    })
}

fn read_stat(pid: i32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Converts ticks and pages with the system's units.
struct Units {
    ticks_per_second: f64,
    page_bytes: u64,
}

impl Units {
    fn of_this_system() -> Units {
        use nix::unistd::{sysconf, SysconfVar};
        let value = |var, default| sysconf(var).ok().flatten().unwrap_or(default) as u64;
        Units {
            ticks_per_second: value(SysconfVar::CLK_TCK, 100) as f64,
            page_bytes: value(SysconfVar::PAGE_SIZE, 4096),
        }
    }

    fn usage(&self, ticks: u64, pages: u64) -> Usage {
        Usage {
            cpu_seconds: ticks as f64 / self.ticks_per_second,
            rss_bytes: pages * self.page_bytes,
        }
    }
}

/// The usage of each of `pids`: the process alone, or with `whole_group` every live member
/// of the process group it leads (each child is put in a group of its own, whose id is its
/// pid), counting the CPU of members they have reaped. A pid that is gone is left out.
pub fn sample(pids: &[i32], whole_group: bool) -> HashMap<i32, Usage> {
    let units = Units::of_this_system();
    if !whole_group {
        return pids
            .iter()
            .filter_map(|&pid| {
                let stat = read_stat(pid)?;
                Some((pid, units.usage(stat.own_ticks, stat.rss_pages)))
            })
            .collect();
    }
    let mut groups: HashMap<i32, (u64, u64)> = pids.iter().map(|&pid| (pid, (0, 0))).collect();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    let mut seen_leader = std::collections::HashSet::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Some(stat) = read_stat(pid) else { continue };
        if let Some((ticks, pages)) = groups.get_mut(&stat.pgrp) {
            *ticks += stat.own_ticks + stat.children_ticks;
            *pages += stat.rss_pages;
            if pid == stat.pgrp {
                seen_leader.insert(pid);
            }
        }
    }
    groups
        .into_iter()
        .filter(|(pid, _)| seen_leader.contains(pid))
        .map(|(pid, (ticks, pages))| (pid, units.usage(ticks, pages)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_past_odd_command_names() {
        let line = "4242 (we (ird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 50 7 3 20 0 1 0 12345 10000000 321 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                pgrp: 4242,
                own_ticks: 300,
                children_ticks: 10,
                rss_pages: 321
            })
        );
        assert_eq!(parse_stat("12 (x) S 1"), None);
    }

    #[test]
    fn this_process_has_cpu_and_memory() {
        let me = std::process::id() as i32;
        let alone = sample(&[me, i32::MAX], false);
        assert!(alone[&me].rss_bytes > 0);
        assert!(!alone.contains_key(&i32::MAX));
        // The test binary leads no process group of its own pid, unless run alone.
        let group = sample(&[me], true);
        if let Some(usage) = group.get(&me) {
            assert!(usage.rss_bytes >= alone[&me].rss_bytes);
        }
    }
}
