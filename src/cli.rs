//! supervisord's command line (clap): Supervisor 4.3's flags and our subcommands. In the
//! library, not in main.rs, so that the man page and shell completions are generated from
//! this one definition (`examples/gen_docs.rs`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{self, Overrides};

/// The usage text printed by `-h` and `-?` (`%s` is the program name), in the shape of
/// Supervisor's (`-x/--long ARG -- what it does`): people and Supervisor's own tests read it.
pub const DOC: &str = "supervisord -- run a set of applications as daemons.

Usage: %s [options] [echo-conf | version | check-config [--strict] | ctl [supervisorctl arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of supervisord
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup --  prevent the process from performing cleanup (removal of
                   old automatic child log files) at startup.
-a/--minfds NUM -- the minimum number of file descriptors for start success
-t/--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM  -- the minimum number of processes available for start success
--profile_options OPTIONS -- accepted for compatibility; ignored

Commands:
echo-conf -- print a complete, commented sample configuration file
version -- print the version (the Supervisor version this daemon is compatible with)
ctl ARGS -- run supervisorctl with ARGS (the same as the supervisorctl binary)
check-config [-c FILENAME] [--strict] -- load the configuration as the daemon would and
                   print its error or OK (exit 0/2); --strict also reports unread options
";

/// supervisord's command line. Long options are Python's (`--logfile_maxbytes`; the
/// hyphenated spellings are accepted too) and, as with Python's getopt, may be shortened to
/// any unique prefix.
#[derive(Parser, Debug)]
#[command(
    name = "supervisord",
    disable_version_flag = true,
    disable_help_flag = true,
    disable_help_subcommand = true,
    infer_long_args = true
)]
pub struct Cli {
    /// print this usage message and exit (`-?` as well, as Supervisor accepts)
    #[arg(short = 'h', long, short_alias = '?')]
    pub help: bool,
    /// configuration file path (searches if not given)
    #[arg(short = 'c', long = "configuration", value_name = "FILENAME")]
    pub configuration: Option<PathBuf>,
    /// run in the foreground (same as 'nodaemon=true' in config file)
    #[arg(short = 'n', long)]
    pub nodaemon: bool,
    /// no logs to stdout (maps to 'silent=true' in config file)
    #[arg(short = 's', long)]
    pub silent: bool,
    /// run supervisord as this user (or numeric uid)
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// use this umask for daemon subprocess (default is 022)
    #[arg(short = 'm', long, value_name = "UMASK")]
    pub umask: Option<String>,
    /// directory to chdir to when daemonized
    #[arg(short = 'd', long, value_name = "DIRECTORY")]
    pub directory: Option<PathBuf>,
    /// use FILENAME as logfile path
    #[arg(short = 'l', long, value_name = "FILENAME")]
    pub logfile: Option<String>,
    /// use BYTES to limit the max size of logfile
    #[arg(
        short = 'y',
        long = "logfile_maxbytes",
        alias = "logfile-maxbytes",
        value_name = "BYTES"
    )]
    pub logfile_maxbytes: Option<String>,
    /// number of backups to keep when max bytes reached
    #[arg(
        short = 'z',
        long = "logfile_backups",
        alias = "logfile-backups",
        value_name = "NUM"
    )]
    pub logfile_backups: Option<String>,
    /// use LEVEL as log level (debug,info,warn,error,critical)
    #[arg(short = 'e', long, value_name = "LEVEL")]
    pub loglevel: Option<String>,
    /// write a pid file for the daemon process to FILENAME
    #[arg(short = 'j', long, value_name = "FILENAME")]
    pub pidfile: Option<PathBuf>,
    /// identifier used for this instance of supervisord
    #[arg(short = 'i', long, value_name = "STR")]
    pub identifier: Option<String>,
    /// the log directory for child process logs
    #[arg(short = 'q', long, value_name = "DIRECTORY")]
    pub childlogdir: Option<PathBuf>,
    /// prevent the process from performing cleanup (removal of old automatic child log files) at startup
    #[arg(short = 'k', long)]
    pub nocleanup: bool,
    /// the minimum number of file descriptors for start success
    #[arg(short = 'a', long, value_name = "NUM")]
    pub minfds: Option<String>,
    /// the minimum number of processes available for start success
    #[arg(long, value_name = "NUM")]
    pub minprocs: Option<String>,
    /// strip ansi escape codes from process output
    #[arg(short = 't', long = "strip_ansi", alias = "strip-ansi")]
    pub strip_ansi: bool,
    /// print supervisord version number and exit
    #[arg(short = 'v', long)]
    pub version: bool,
    /// accepted for compatibility with Python supervisord's profiler option; ignored
    #[arg(
        long = "profile_options",
        alias = "profile-options",
        value_name = "OPTIONS"
    )]
    pub profile_options: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print a complete, commented sample configuration file
    EchoConf,
    /// Print the version (the Supervisor version this daemon is compatible with)
    Version,
    /// Run supervisorctl (the same as the `supervisorctl` binary): `supervisord ctl status`
    #[command(disable_help_flag = true)]
    Ctl {
        /// supervisorctl's options and action
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Load the configuration as the daemon would and print its error, or OK (exit 0/2)
    CheckConfig {
        /// configuration file path (instead of the one given before the command, or the
        /// search)
        #[arg(short = 'c', long = "configuration", value_name = "FILENAME")]
        configuration: Option<PathBuf>,
        /// also report options and sections that nothing reads (typos), and exit 2 if any
        #[arg(long)]
        strict: bool,
    },
}

/// The flags that override `[supervisord]` options, parsed with the config file's value types.
pub fn overrides(cli: &Cli) -> Result<Overrides, String> {
    use config::types;
    let flag = |set: bool| set.then_some(true);
    Ok(Overrides {
        nodaemon: flag(cli.nodaemon),
        silent: flag(cli.silent),
        user: cli.user.clone(),
        umask: cli.umask.as_deref().map(types::octal_type).transpose()?,
        directory: cli.directory.clone(),
        logfile: cli
            .logfile
            .as_deref()
            .map(types::logfile_name)
            .transpose()?,
        logfile_maxbytes: cli
            .logfile_maxbytes
            .as_deref()
            .map(types::byte_size)
            .transpose()?,
        logfile_backups: cli
            .logfile_backups
            .as_deref()
            .map(count::<u32>)
            .transpose()?,
        loglevel: cli
            .loglevel
            .as_deref()
            .map(types::logging_level)
            .transpose()?,
        pidfile: cli.pidfile.clone(),
        identifier: cli.identifier.clone(),
        childlogdir: cli.childlogdir.clone(),
        nocleanup: flag(cli.nocleanup),
        minfds: cli.minfds.as_deref().map(count::<u64>).transpose()?,
        minprocs: cli.minprocs.as_deref().map(count::<u64>).transpose()?,
        strip_ansi: flag(cli.strip_ansi),
    })
}

/// A non-negative count given on the command line (`-z 10`, `-a 1024`).
fn count<T: TryFrom<i64>>(s: &str) -> Result<T, String> {
    let n = config::types::integer(s)?;
    T::try_from(n).map_err(|_| format!("{n} is not a valid count"))
}
