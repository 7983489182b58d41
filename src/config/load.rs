//! Turns the parsed INI sections into a [`Config`]: defaults, expansions, validation.

use std::path::{Path, PathBuf};

use super::{Config, ConfigError, LogLevel, LogTarget};

/// Command-line values that override `[supervisord]` options (supervisord's flags).
/// `None` = not given on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub nodaemon: Option<bool>,
    pub silent: Option<bool>,
    pub user: Option<String>,
    pub umask: Option<u32>,
    pub directory: Option<PathBuf>,
    pub logfile: Option<LogTarget>,
    pub logfile_maxbytes: Option<u64>,
    pub logfile_backups: Option<u32>,
    pub loglevel: Option<LogLevel>,
    pub pidfile: Option<PathBuf>,
    pub identifier: Option<String>,
    pub childlogdir: Option<PathBuf>,
    pub nocleanup: Option<bool>,
    pub minfds: Option<u64>,
    pub minprocs: Option<u64>,
    pub strip_ansi: Option<bool>,
}

/// Reads `path` (and its includes) into a validated [`Config`].
pub fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
    let _ = (path, overrides);
    Err(ConfigError::new("not implemented"))
}

/// Supervisor's search order when `-c` is absent: `../etc/supervisord.conf` and
/// `../supervisord.conf` relative to the executable's directory, then `$CWD/supervisord.conf`,
/// `$CWD/etc/supervisord.conf`, `/etc/supervisord.conf`, `/etc/supervisor/supervisord.conf`.
pub fn find_config_file(exe_dir: &Path, cwd: &Path) -> Option<PathBuf> {
    let _ = (exe_dir, cwd);
    None
}
