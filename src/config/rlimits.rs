//! `rlimit_nofile=`, `rlimit_core=`, ... (an extension, circus's names): the resource limits
//! a program's children start with, one option per `RLIMIT_*` the system has.
//!
//! A value is `N` (soft and hard), `soft:hard`, or `unlimited` / `infinity` in either place.
//! Limits measured in bytes also take Supervisor's sizes (`512MB`, `1GB`).

use super::section::{value_problem, Problem, SectionReader};
use super::types::{byte_size, integer, ValueResult};

/// One limit to set in the child, before it drops privileges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    /// `nofile` for `rlimit_nofile`: how the child names it when setting it fails.
    pub name: &'static str,
    /// The `RLIMIT_*` number.
    pub resource: i32,
    /// `RLIM_INFINITY` for unlimited.
    pub soft: u64,
    pub hard: u64,
}

/// `unlimited`: the system's `RLIM_INFINITY`, kept as u64 (rlim_t is u64 on Linux only).
#[allow(clippy::unnecessary_cast)]
const UNLIMITED: u64 = libc::RLIM_INFINITY as u64;

/// What a limit counts, and so which values it takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Bytes,
    Count,
}

/// The option of each `RLIMIT_*`, in the order the sample lists them. Linux-only ones are
/// refused elsewhere (see [`rlimits`]).
pub(crate) const RLIMIT_OPTIONS: &[&str] = &[
    "rlimit_as",
    "rlimit_core",
    "rlimit_cpu",
    "rlimit_data",
    "rlimit_fsize",
    "rlimit_locks",
    "rlimit_memlock",
    "rlimit_msgqueue",
    "rlimit_nice",
    "rlimit_nofile",
    "rlimit_nproc",
    "rlimit_rss",
    "rlimit_rtprio",
    "rlimit_rttime",
    "rlimit_sigpending",
    "rlimit_stack",
];

/// The resource and unit of `rlimit_<name>`, where this system has it.
fn resource(name: &str) -> Option<(i32, Unit)> {
    use Unit::{Bytes, Count};
    let found = match name {
        "as" => (libc::RLIMIT_AS as i32, Bytes),
        "core" => (libc::RLIMIT_CORE as i32, Bytes),
        "cpu" => (libc::RLIMIT_CPU as i32, Count),
        "data" => (libc::RLIMIT_DATA as i32, Bytes),
        "fsize" => (libc::RLIMIT_FSIZE as i32, Bytes),
        "memlock" => (libc::RLIMIT_MEMLOCK as i32, Bytes),
        "nofile" => (libc::RLIMIT_NOFILE as i32, Count),
        "nproc" => (libc::RLIMIT_NPROC as i32, Count),
        "rss" => (libc::RLIMIT_RSS as i32, Bytes),
        "stack" => (libc::RLIMIT_STACK as i32, Bytes),
        #[cfg(target_os = "linux")]
        "locks" => (libc::RLIMIT_LOCKS as i32, Count),
        #[cfg(target_os = "linux")]
        "msgqueue" => (libc::RLIMIT_MSGQUEUE as i32, Bytes),
        #[cfg(target_os = "linux")]
        "nice" => (libc::RLIMIT_NICE as i32, Count),
        #[cfg(target_os = "linux")]
        "rtprio" => (libc::RLIMIT_RTPRIO as i32, Count),
        #[cfg(target_os = "linux")]
        "rttime" => (libc::RLIMIT_RTTIME as i32, Count),
        #[cfg(target_os = "linux")]
        "sigpending" => (libc::RLIMIT_SIGPENDING as i32, Count),
        _ => return None,
    };
    Some(found)
}

/// Every `rlimit_*` option the section sets, in the table's order.
pub(super) fn rlimits(s: &SectionReader) -> Result<Vec<Rlimit>, Problem> {
    let mut limits = Vec::new();
    for option in RLIMIT_OPTIONS {
        let name = &option["rlimit_".len()..];
        let Some(text) = s.option_text(option)? else {
            continue;
        };
        let (resource, unit) = resource(name)
            .ok_or_else(|| value_problem(option, "not a resource limit of this system".into()))?;
        let (soft, hard) = soft_and_hard(&text, unit).map_err(|m| value_problem(option, m))?;
        limits.push(Rlimit {
            name,
            resource,
            soft,
            hard,
        });
    }
    Ok(limits)
}

/// `N`, `soft:hard`, `unlimited`, `infinity`.
fn soft_and_hard(text: &str, unit: Unit) -> ValueResult<(u64, u64)> {
    let (soft, hard) = match text.split_once(':') {
        Some((soft, hard)) => (limit(soft, unit)?, limit(hard, unit)?),
        None => {
            let both = limit(text, unit)?;
            (both, both)
        }
    };
    if soft > hard {
        return Err(format!(
            "soft limit above hard limit in {}",
            super::py::repr(text)
        ));
    }
    Ok((soft, hard))
}

fn limit(text: &str, unit: Unit) -> ValueResult<u64> {
    let text = super::py::strip(text);
    if text.eq_ignore_ascii_case("unlimited") || text.eq_ignore_ascii_case("infinity") {
        return Ok(UNLIMITED);
    }
    let value = match unit {
        Unit::Bytes => byte_size(text)?,
        Unit::Count => {
            let n = integer(text)?;
            u64::try_from(n).map_err(|_| format!("{n} is below lower bound (0)"))?
        }
    };
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::{soft_and_hard, Unit, UNLIMITED as INFINITY};

    #[test]
    fn values_and_their_errors() {
        assert_eq!(soft_and_hard("4096", Unit::Count), Ok((4096, 4096)));
        assert_eq!(soft_and_hard("1024:4096", Unit::Count), Ok((1024, 4096)));
        assert_eq!(soft_and_hard("0:unlimited", Unit::Bytes), Ok((0, INFINITY)));
        assert_eq!(
            soft_and_hard("Infinity", Unit::Bytes),
            Ok((INFINITY, INFINITY))
        );
        assert_eq!(
            soft_and_hard("1GB:2GB", Unit::Bytes),
            Ok((1 << 30, 2 << 30))
        );
        assert_eq!(
            soft_and_hard("8:4", Unit::Count).unwrap_err(),
            "soft limit above hard limit in '8:4'"
        );
        assert!(soft_and_hard("1GB", Unit::Count).is_err());
        assert!(soft_and_hard("-1", Unit::Count).is_err());
        assert!(soft_and_hard("1:2:3", Unit::Count).is_err());
    }
}
