//! What the notifications say about the programs, read off the published process table:
//! the STATUS= line, and whether the autostart programs have settled (for
//! `sd_notify_ready = settled`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::model::{ProcessInfo, ProcessState};

/// The STATUS= text: `3 of 5 programs running, 1 failed`. Failed are those systemd's
/// operator should look at: FATAL (given up) and BACKOFF (just failed to start).
pub fn status_line<'a>(processes: impl Iterator<Item = &'a Arc<ProcessInfo>>) -> String {
    let (mut all, mut running, mut failed) = (0, 0, 0);
    for info in processes {
        all += 1;
        match info.state {
            ProcessState::Running => running += 1,
            ProcessState::Fatal | ProcessState::Backoff => failed += 1,
            _ => {}
        }
    }
    format!("{running} of {all} programs running, {failed} failed")
}

/// The processes the autostart pass starts: their names by group.
#[derive(Debug, Clone, Default)]
pub struct Autostart(HashMap<String, HashSet<String>>);

impl Autostart {
    pub fn of(groups: &[Arc<crate::config::GroupConfig>]) -> Autostart {
        let names = groups.iter().map(|g| {
            let autostart = g.processes.iter().filter(|p| p.autostart);
            (g.name.clone(), autostart.map(|p| p.name.clone()).collect())
        });
        Autostart(names.collect())
    }

    fn contains(&self, info: &ProcessInfo) -> bool {
        self.0
            .get(&*info.group)
            .is_some_and(|names| names.contains(&*info.name))
    }

    /// Whether every autostart process listed has settled: it has been started, and is no
    /// longer STARTING or BACKOFF (RUNNING, EXITED, FATAL, or stopped by hand since).
    pub fn settled<'a>(&self, mut processes: impl Iterator<Item = &'a Arc<ProcessInfo>>) -> bool {
        processes.all(|info| !self.contains(info) || settled(info))
    }
}

fn settled(info: &ProcessInfo) -> bool {
    match info.state {
        ProcessState::Starting | ProcessState::Backoff => false,
        ProcessState::Stopped => info.start != 0,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, state: ProcessState, start: i64) -> Arc<ProcessInfo> {
        let mut info = ProcessInfo::not_started(name.into(), name.into());
        info.state = state;
        info.start = start;
        Arc::new(info)
    }

    #[test]
    fn status_counts_running_and_failed() {
        let table = [
            info("a", ProcessState::Running, 1),
            info("b", ProcessState::Fatal, 1),
            info("c", ProcessState::Backoff, 1),
            info("d", ProcessState::Stopped, 0),
        ];
        assert_eq!(
            status_line(table.iter()),
            "1 of 4 programs running, 2 failed"
        );
    }

    #[test]
    fn autostart_programs_settle_once_started_and_out_of_starting() {
        let group = |name: &str| (name.to_string(), HashSet::from([name.to_string()]));
        let autostart = Autostart(HashMap::from([group("a"), group("b")]));
        let manual = info("m", ProcessState::Stopped, 0);
        let not_yet = [info("a", ProcessState::Stopped, 0), manual.clone()];
        assert!(!autostart.settled(not_yet.iter()));
        for state in [ProcessState::Starting, ProcessState::Backoff] {
            assert!(!autostart.settled([info("b", state, 1)].iter()));
        }
        let done = [
            info("a", ProcessState::Running, 1),
            info("b", ProcessState::Fatal, 1),
            manual,
        ];
        assert!(autostart.settled(done.iter()));
        assert!(autostart.settled([info("a", ProcessState::Stopped, 1)].iter()));
    }
}
