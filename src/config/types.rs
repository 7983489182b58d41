//! Value types of supervisord.conf (Supervisor's datatypes.py): booleans, byte sizes, signals,
//! octal modes, exit codes, auto-restart, log targets, inet addresses, users.

use std::path::PathBuf;

/// `autorestart=`: false, unexpected (the default) or true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRestart {
    False,
    Unexpected,
    True,
}

/// Where a log goes: `AUTO` (a file in childlogdir), `NONE`/`OFF`, `syslog`, or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    Auto,
    None,
    Syslog,
    Path(PathBuf),
}
