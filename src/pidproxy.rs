//! `pidproxy PIDFILE COMMAND [ARG...]`: Supervisor's shim for programs that daemonize
//! themselves (supervisor/pidproxy.py). It runs COMMAND and passes each TERM, HUP, INT,
//! USR1, USR2 and QUIT it receives to the pid written in PIDFILE; after passing TERM, INT or
//! QUIT it exits 0. Its usage text, the `Can't read child pidfile` line and the exit codes
//! are Supervisor's.
//!
//! Two differences, both for a COMMAND that forks and exits (Supervisor's pidproxy exits
//! within 5 s of that, so supervisord sees the program die while its daemon runs on):
//! once COMMAND has exited we follow the pid in PIDFILE and exit 0 when no live process is
//! named there; and a COMMAND that cannot be executed exits 127 with the reason, where
//! Supervisor's exits 0.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Arg, ArgAction};
use nix::errno::Errno;
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Supervisor's module doc, printed (with `%s` the program name) on a usage error.
const USAGE: &str = "pidproxy -- run command and proxy signals to it via its pidfile.

This executable runs a command and then monitors a pidfile.  When this
executable receives a signal, it sends the same signal to the pid
in the pidfile.

Usage: %s <pidfile name> <command> [<cmdarg1> ...]
";

/// The signals passed on, and those of them after which pidproxy exits.
const FORWARDED: [Signal; 6] = [
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGQUIT,
];
const FINAL: [Signal; 3] = [Signal::SIGTERM, Signal::SIGINT, Signal::SIGQUIT];

/// How often the process in the pidfile is looked for once COMMAND has exited.
const POLL: Duration = Duration::from_secs(1);

/// The command line, for parsing and for the man page and shell completions.
pub fn command() -> clap::Command {
    clap::Command::new("pidproxy")
        .about("run command and proxy signals to it via its pidfile")
        .long_about(
            USAGE
                .split("\n\n")
                .nth(1)
                .unwrap_or_default()
                .replace('\n', " "),
        )
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("pidfile")
                .value_name("PIDFILE")
                .required(true)
                .allow_hyphen_values(true)
                .value_parser(clap::value_parser!(PathBuf))
                .value_hint(clap::ValueHint::FilePath)
                .help("the file in which COMMAND's daemon writes its pid"),
        )
        .arg(
            Arg::new("command")
                .value_name("COMMAND")
                .required(true)
                .num_args(1..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(OsString))
                .value_hint(clap::ValueHint::CommandWithArguments)
                .help("the program to run (relative to the current directory) and its arguments"),
        )
}

/// Runs pidproxy with these arguments (the program name first); returns the exit status.
pub fn run(args: Vec<OsString>) -> u8 {
    let progname = args
        .first()
        .map_or("pidproxy".into(), |a| a.to_string_lossy().into_owned());
    let Ok(matches) = command().try_get_matches_from(args) else {
        println!("{}", USAGE.replace("%s", &progname));
        return 1;
    };
    let pidfile: &PathBuf = matches.get_one("pidfile").expect("required");
    let argv: Vec<&OsString> = matches.get_many("command").expect("required").collect();
    let signals = watched_signals();
    // Blocked before the spawn so that none is lost; the child starts with an empty mask
    // (std's spawn resets it).
    if let Err(e) = signals.thread_block() {
        eprintln!("pidproxy: can't block signals: {e}");
        return 1;
    }
    // Supervisor runs the command's absolute path, with no PATH search.
    let program = std::path::absolute(argv[0]).unwrap_or_else(|_| PathBuf::from(argv[0]));
    let child = std::process::Command::new(&program)
        .args(&argv[1..])
        .spawn();
    if let Err(e) = child {
        eprintln!("pidproxy: couldn't exec {}: {e}", program.display());
        return 127;
    }
    proxy(pidfile, &signals)
}

fn watched_signals() -> SigSet {
    let mut set = SigSet::empty();
    for signal in FORWARDED.iter().chain([&Signal::SIGCHLD]) {
        set.add(*signal);
    }
    set
}

/// The loop: pass signals on; exit when COMMAND has exited and the pidfile names no live
/// process.
fn proxy(pidfile: &Path, signals: &SigSet) -> u8 {
    let mut command_exited = false;
    loop {
        match next_signal(signals, POLL) {
            Some(signal) if FORWARDED.contains(&signal) => {
                if let Some(status) = pass_on(pidfile, signal) {
                    return status;
                }
            }
            _ => {}
        }
        command_exited |= reap_children();
        if command_exited && read_pid(pidfile).is_none_or(|pid| !alive(pid)) {
            return 0;
        }
    }
}

/// Sends `signal` to the pid in the pidfile; the exit status if pidproxy is done.
fn pass_on(pidfile: &Path, signal: Signal) -> Option<u8> {
    let Some(pid) = read_pid(pidfile) else {
        println!("Can't read child pidfile {}!", pidfile.display());
        return None;
    };
    if let Err(e) = kill(pid, signal) {
        // Where Python's os.kill raises: a traceback and status 1.
        eprintln!("pidproxy: kill({pid}, {signal}): {e}");
        return Some(1);
    }
    FINAL.contains(&signal).then_some(0)
}

/// The pid written in the pidfile, as Python's `int(f.read().strip())` reads it.
fn read_pid(pidfile: &Path) -> Option<Pid> {
    parse_pid(&std::fs::read_to_string(pidfile).ok()?)
}

fn parse_pid(text: &str) -> Option<Pid> {
    text.trim().parse().ok().map(Pid::from_raw)
}

fn alive(pid: Pid) -> bool {
    !matches!(kill(pid, None), Err(Errno::ESRCH))
}

/// Reaps every exited child; whether there was one (COMMAND is the only child we start).
fn reap_children() -> bool {
    let mut reaped = false;
    while let Ok(status) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
        if status == WaitStatus::StillAlive {
            break;
        }
        reaped = true;
    }
    reaped
}

/// The next of the blocked `signals` to arrive within `timeout`, if any.
fn next_signal(signals: &SigSet, timeout: Duration) -> Option<Signal> {
    let timeout = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: both pointers are valid for the call; no siginfo is asked for.
    let number = unsafe { libc::sigtimedwait(signals.as_ref(), std::ptr::null_mut(), &timeout) };
    Signal::try_from(number).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidfile_text_is_read_as_python_reads_it() {
        assert_eq!(parse_pid(" 42\n"), Some(Pid::from_raw(42)));
        assert_eq!(parse_pid("42abc"), None);
        assert_eq!(parse_pid(""), None);
    }

    #[test]
    fn too_few_arguments_is_the_usage_text_and_status_1() {
        assert_eq!(run(vec!["pidproxy".into()]), 1);
        assert_eq!(run(vec!["pidproxy".into(), "/tmp/p.pid".into()]), 1);
    }

    #[test]
    fn the_long_description_is_the_usage_texts_paragraph() {
        let help = command().render_long_help().to_string();
        assert!(
            help.contains("When this executable receives a signal"),
            "{help}"
        );
    }

    #[test]
    fn a_signal_arrives_through_the_wait() {
        let signals = {
            let mut set = SigSet::empty();
            set.add(Signal::SIGUSR2);
            set
        };
        signals.thread_block().unwrap();
        // raise(3) signals the calling thread, which has it blocked.
        nix::sys::signal::raise(Signal::SIGUSR2).unwrap();
        assert_eq!(
            next_signal(&signals, Duration::from_secs(1)),
            Some(Signal::SIGUSR2)
        );
        assert_eq!(next_signal(&signals, Duration::from_millis(10)), None);
        signals.thread_unblock().unwrap();
    }
}
