//! When a log rotating by the clock is next due: the next multiple of its period counted
//! from local midnight, in wall-clock time (so `hourly` rotates on the hour across a DST
//! change, and `daily` at midnight).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Timelike};

/// The first boundary after `now` for a period of `period` seconds (at most a day).
pub(super) fn next_boundary(now: SystemTime, period: u32) -> SystemTime {
    let local: DateTime<Local> = now.into();
    let midnight = local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists");
    let since_midnight = i64::from(local.num_seconds_from_midnight());
    let period = i64::from(period.max(1));
    let slot = (since_midnight / period + 1) * period;
    let naive = if slot >= 24 * 3600 {
        midnight + chrono::Duration::days(1)
    } else {
        midnight + chrono::Duration::seconds(slot)
    };
    wall_clock(naive).unwrap_or(now + Duration::from_secs(period as u64))
}

/// A local wall-clock time as an instant: the earlier one when a DST change repeats it, the
/// first instant after it when one skips it.
fn wall_clock(naive: NaiveDateTime) -> Option<SystemTime> {
    let resolved = Local.from_local_datetime(&naive).earliest().or_else(|| {
        let later = naive + chrono::Duration::hours(1);
        Local.from_local_datetime(&later).earliest()
    })?;
    Some(resolved.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32, s: u32) -> SystemTime {
        let naive = chrono::NaiveDate::from_ymd_opt(2026, 3, 10)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap();
        wall_clock(naive).unwrap()
    }

    #[test]
    fn boundaries_are_multiples_of_the_period_from_midnight() {
        assert_eq!(next_boundary(at(10, 17, 3), 3600), at(11, 0, 0));
        assert_eq!(next_boundary(at(11, 0, 0), 3600), at(12, 0, 0));
        assert_eq!(next_boundary(at(10, 17, 3), 900), at(10, 30, 0));
        assert_eq!(next_boundary(at(10, 17, 3), 2), at(10, 17, 4));
        let midnight = next_boundary(at(23, 59, 59), 86400);
        let local: DateTime<Local> = midnight.into();
        assert_eq!((local.hour(), local.minute(), local.second()), (0, 0, 0));
        assert!(midnight > at(23, 59, 59));
        // 7h does not divide a day: the last slot ends at midnight.
        assert_eq!(next_boundary(at(22, 0, 0), 7 * 3600), midnight);
    }
}
