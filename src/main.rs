//! The `supervisord` command: Supervisor 4.3's flags, plus `echo-conf` (print a commented
//! sample config), `version`, `check-config` and `ctl` (supervisorctl); the definition is
//! `supervisord::cli`. `main` only maps an error to Supervisor's usage message and exit
//! status 2; `daemon::run` does the work.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use supervisord::cli::{overrides, Cli, Command, DOC};
use supervisord::config;
use supervisord::daemon;

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
        Some(Command::CheckConfig {
            ref configuration,
            strict,
        }) => {
            let path = config_path(configuration.as_ref().or(cli.configuration.as_ref()))?;
            return check_config(&path, &overrides(cli)?, strict);
        }
        None => {}
    }
    let path = config_path(cli.configuration.as_ref())?;
    daemon::run(&path, &overrides(cli)?)
}

/// The file given with `-c`, else the first of the daemon's search paths that exists.
fn config_path(given: Option<&PathBuf>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path.clone());
    }
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
    Ok(found)
}

/// `check-config`: the daemon's load (with the same flags), then `OK`; with `strict`, also
/// the options and sections nothing reads. Any finding exits 2, as a failed start does.
fn check_config(path: &Path, overrides: &config::Overrides, strict: bool) -> Result<u8, String> {
    if !strict {
        config::load(path, overrides).map_err(|e| e.to_string())?;
        println!("OK");
        return Ok(0);
    }
    let (_, unknown) = config::load_strict(path, overrides).map_err(|e| e.to_string())?;
    for finding in &unknown {
        eprintln!("warning: {finding}");
    }
    if !unknown.is_empty() {
        return Ok(2);
    }
    println!("OK");
    Ok(0)
}
