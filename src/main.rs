//! The `supervisord` command: Supervisor 4.3's flags, plus `echo-conf` (print a commented
//! sample config), `version` and `ctl` (supervisorctl). `main` only maps an error to Supervisor's usage message and
//! exit status 2; `daemon::run` does the work.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use supervisord::config::{self, Overrides};
use supervisord::daemon;

/// The usage text printed by `-h` and `-?` (`%s` is the program name), in the shape of
/// Supervisor's (`-x/--long ARG -- what it does`): people and Supervisor's own tests read it.
const DOC: &str = "supervisord -- run a set of applications as daemons.

Usage: %s [options] [echo-conf | version | ctl [supervisorctl arguments]]

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
struct Cli {
    /// print this usage message and exit (`-?` as well, as Supervisor accepts)
    #[arg(short = 'h', long, short_alias = '?')]
    help: bool,
    /// configuration file path (searches if not given)
    #[arg(short = 'c', long = "configuration", value_name = "FILENAME")]
    configuration: Option<PathBuf>,
    /// run in the foreground (same as 'nodaemon=true' in config file)
    #[arg(short = 'n', long)]
    nodaemon: bool,
    /// no logs to stdout (maps to 'silent=true' in config file)
    #[arg(short = 's', long)]
    silent: bool,
    /// run supervisord as this user (or numeric uid)
    #[arg(short = 'u', long, value_name = "USER")]
    user: Option<String>,
    /// use this umask for daemon subprocess (default is 022)
    #[arg(short = 'm', long, value_name = "UMASK")]
    umask: Option<String>,
    /// directory to chdir to when daemonized
    #[arg(short = 'd', long, value_name = "DIRECTORY")]
    directory: Option<PathBuf>,
    /// use FILENAME as logfile path
    #[arg(short = 'l', long, value_name = "FILENAME")]
    logfile: Option<String>,
    /// use BYTES to limit the max size of logfile
    #[arg(
        short = 'y',
        long = "logfile_maxbytes",
        alias = "logfile-maxbytes",
        value_name = "BYTES"
    )]
    logfile_maxbytes: Option<String>,
    /// number of backups to keep when max bytes reached
    #[arg(
        short = 'z',
        long = "logfile_backups",
        alias = "logfile-backups",
        value_name = "NUM"
    )]
    logfile_backups: Option<String>,
    /// use LEVEL as log level (debug,info,warn,error,critical)
    #[arg(short = 'e', long, value_name = "LEVEL")]
    loglevel: Option<String>,
    /// write a pid file for the daemon process to FILENAME
    #[arg(short = 'j', long, value_name = "FILENAME")]
    pidfile: Option<PathBuf>,
    /// identifier used for this instance of supervisord
    #[arg(short = 'i', long, value_name = "STR")]
    identifier: Option<String>,
    /// the log directory for child process logs
    #[arg(short = 'q', long, value_name = "DIRECTORY")]
    childlogdir: Option<PathBuf>,
    /// prevent the process from performing cleanup (removal of old automatic child log files) at startup
    #[arg(short = 'k', long)]
    nocleanup: bool,
    /// the minimum number of file descriptors for start success
    #[arg(short = 'a', long, value_name = "NUM")]
    minfds: Option<String>,
    /// the minimum number of processes available for start success
    #[arg(long, value_name = "NUM")]
    minprocs: Option<String>,
    /// strip ansi escape codes from process output
    #[arg(short = 't', long = "strip_ansi", alias = "strip-ansi")]
    strip_ansi: bool,
    /// print supervisord version number and exit
    #[arg(short = 'v', long)]
    version: bool,
    /// accepted for compatibility with Python supervisord's profiler option; ignored
    #[arg(
        long = "profile_options",
        alias = "profile-options",
        value_name = "OPTIONS"
    )]
    profile_options: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
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
}

/// Supervisor's version as reported to clients (getSupervisorVersion).
const SUPERVISOR_VERSION: &str = "4.3.0";

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Ctl { args }) = &cli.command {
        let status = supervisord::ctl::run(&format!("{} ctl", progname()), args);
        return ExitCode::from(u8::try_from(status).unwrap_or(1));
    }
    match run(&cli) {
        Ok(status) => ExitCode::from(status),
        Err(msg) => {
            eprintln!("Error: {msg}");
            eprintln!("For help, use {} -h", progname());
            ExitCode::from(2)
        }
    }
}

/// The name this program was run by, as usage texts show it.
fn progname() -> String {
    std::env::args()
        .next()
        .unwrap_or_else(|| "supervisord".into())
}

/// The exit status: 0, or what an essential program ended with.
fn run(cli: &Cli) -> Result<u8, String> {
    if cli.help {
        print!("{}", DOC.replace("%s", &progname()));
        return Ok(0);
    }
    if cli.version {
        println!("{SUPERVISOR_VERSION}");
        return Ok(0);
    }
    match cli.command {
        Some(Command::EchoConf) => {
            print!("{}", config::sample::sample_config());
            return Ok(0);
        }
        Some(Command::Version) => {
            println!("{SUPERVISOR_VERSION}");
            return Ok(0);
        }
        Some(Command::Ctl { .. }) => unreachable!("handled in main"),
        None => {}
    }
    let path = match &cli.configuration {
        Some(path) => path.clone(),
        None => {
            let found = daemon::default_config_path().ok_or(
                "No config file found at default paths (../etc/supervisord.conf, \
                 ../supervisord.conf, supervisord.conf, etc/supervisord.conf, \
                 /etc/supervisord.conf, /etc/supervisor/supervisord.conf); use the -c option \
                 to specify a config file at a different path",
            )?;
            if nix::unistd::Uid::current().is_root() {
                eprintln!(
                    "Supervisord is running as root and it is searching for its configuration \
                     file in default locations (including its current working directory); you \
                     probably want to specify a \"-c\" argument specifying an absolute path to a \
                     configuration file for improved security."
                );
            }
            found
        }
    };
    daemon::run(&path, &overrides(cli)?)
}

/// The flags that override `[supervisord]` options, parsed with the config file's value types.
fn overrides(cli: &Cli) -> Result<Overrides, String> {
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
