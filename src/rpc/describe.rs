//! The `description` column of getProcessInfo, as supervisorctl status shows it
//! (rpcinterface.py `_interpretProcessInfo`): `pid 123, uptime 0:00:05` when RUNNING, the
//! stop time when STOPPED/EXITED, the spawn error when BACKOFF/FATAL.

use crate::model::{ProcessInfo, ProcessState};
use chrono::{Local, TimeZone};

/// The description of `info` at wall-clock second `now`.
pub fn description(info: &ProcessInfo, now: i64) -> String {
    match info.state {
        ProcessState::Running => format!("pid {}, uptime {}", info.pid, uptime(now - info.start)),
        ProcessState::Fatal | ProcessState::Backoff if info.spawnerr.is_empty() => {
            format!("unknown error (try \"tail {}\")", info.name)
        }
        ProcessState::Fatal | ProcessState::Backoff => info.spawnerr.clone(),
        ProcessState::Stopped | ProcessState::Exited if info.start == 0 => "Not started".into(),
        ProcessState::Stopped | ProcessState::Exited => {
            match Local.timestamp_opt(info.stop, 0).single() {
                Some(t) => t.format("%b %d %I:%M %p").to_string(),
                None => String::new(),
            }
        }
        _ => String::new(),
    }
}

/// Python's `str(timedelta)`: `H:MM:SS`, with `N day(s), ` in front past a day.
fn uptime(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, rest) = (s / 86_400, s % 86_400);
    let clock = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        n => format!("{n} days, {clock}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(state: ProcessState) -> ProcessInfo {
        ProcessInfo {
            name: "web".into(),
            group: "web".into(),
            state,
            start: 1_000,
            stop: 0,
            pid: 42,
            exitstatus: 0,
            spawnerr: String::new(),
            stdout_logfile: None,
            stderr_logfile: None,
            ready: false,
            health: crate::model::Health::Unchecked,
            ..ProcessInfo::not_started("".into(), "".into())
        }
    }

    #[test]
    fn descriptions_match_supervisor() {
        assert_eq!(
            description(&info(ProcessState::Running), 1_005),
            "pid 42, uptime 0:00:05"
        );
        assert_eq!(
            description(&info(ProcessState::Running), 1_000 + 90_061),
            "pid 42, uptime 1 day, 1:01:01"
        );
        assert_eq!(
            description(&info(ProcessState::Running), 1_000 + 2 * 86_400),
            "pid 42, uptime 2 days, 0:00:00"
        );
        assert_eq!(
            description(&info(ProcessState::Running), 10),
            "pid 42, uptime 0:00:00"
        );
        assert_eq!(
            description(&info(ProcessState::Fatal), 0),
            "unknown error (try \"tail web\")"
        );
        let mut never = info(ProcessState::Stopped);
        never.start = 0;
        assert_eq!(description(&never, 0), "Not started");
        let mut backoff = info(ProcessState::Backoff);
        backoff.spawnerr = "Exited too quickly (process log may have details)".into();
        assert_eq!(
            description(&backoff, 0),
            "Exited too quickly (process log may have details)"
        );
        assert_eq!(description(&info(ProcessState::Starting), 0), "");
    }
}
