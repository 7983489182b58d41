//! `stdout_logfile_rotate=`, `stderr_logfile_rotate=` and `[supervisord] logfile_rotate=`
//! (extensions): whether a log also rotates by the clock.

use super::types::ValueResult;

/// When a log rotates besides reaching its `maxbytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotateBy {
    /// Only by size: Supervisor's rotation.
    Size,
    /// Also at every multiple of this many seconds counted from local midnight: 3600 for
    /// `hourly`, 86400 for `daily`.
    Period(u32),
}

const DAY: u32 = 24 * 60 * 60;

/// `size`, `hourly`, `daily`, or a period of `Ns`, `Nm` or `Nh` up to a day (`15m`: at :00,
/// :15, :30 and :45 of every hour).
pub fn rotate_by(s: &str) -> ValueResult<RotateBy> {
    let lower = s.trim().to_lowercase();
    let period = match lower.as_str() {
        "size" => return Ok(RotateBy::Size),
        "hourly" => 3600,
        "daily" => DAY,
        _ => {
            let bad = || {
                format!(
                    "invalid rotation {} (size, hourly, daily, or a period such as 30s, 15m, 2h)",
                    super::py::repr(s)
                )
            };
            let last = lower.char_indices().last().ok_or_else(bad)?.0;
            let (number, unit) = lower.split_at(last);
            let scale = match unit {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => return Err(bad()),
            };
            let n: u32 = number.parse().map_err(|_| bad())?;
            match n.checked_mul(scale) {
                Some(secs) if (1..=DAY).contains(&secs) => secs,
                _ => {
                    return Err(format!(
                        "rotation period {} is not between 1s and 24h",
                        super::py::repr(s)
                    ))
                }
            }
        }
    };
    Ok(RotateBy::Period(period))
}

#[cfg(test)]
mod tests {
    use super::{rotate_by, RotateBy};

    #[test]
    fn names_and_periods() {
        assert_eq!(rotate_by("size"), Ok(RotateBy::Size));
        assert_eq!(rotate_by("Hourly"), Ok(RotateBy::Period(3600)));
        assert_eq!(rotate_by("daily"), Ok(RotateBy::Period(86400)));
        assert_eq!(rotate_by("2s"), Ok(RotateBy::Period(2)));
        assert_eq!(rotate_by("15m"), Ok(RotateBy::Period(900)));
        assert_eq!(rotate_by("24h"), Ok(RotateBy::Period(86400)));
        assert!(rotate_by("25h").is_err());
        assert!(rotate_by("0s").is_err());
        assert!(rotate_by("weekly").is_err());
        assert!(rotate_by("").is_err());
        assert!(rotate_by("-5s").is_err());
    }
}
