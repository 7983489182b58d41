//! supervisorctl's command line and `[supervisorctl]` section, as Supervisor's
//! `ClientOptions` reads them: Python `getopt` rules (options stop at the first action word,
//! unique long prefixes), the same error texts, command line over config file over defaults.
//! Usage errors print `Error: ...` / `For help, use PROG -h` on stderr and exit 2.

use std::path::{Path, PathBuf};

use crate::config::py::repr;

/// The usage text printed by `-h` (`%s` is the program name), Supervisor's module doc.
const DOC: &str = "supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default \"http://localhost:9001\").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is
specified on the command line, a \"shell\" interpreting actions typed
interactively is started.  Use the action \"help\" to find out about available
actions.
";

/// One option, as `Options.__init__` and `ClientOptions.__init__` register it: getopt
/// reads this table, and so does [`command`] (the man page and shell completions).
struct Flag {
    short: char,
    long: &'static str,
    /// The value's name when the option takes one.
    value: Option<&'static str>,
    help: &'static str,
}

/// In Python's registration order, which decides ambiguous long prefixes.
const FLAGS: &[Flag] = &[
    Flag {
        short: 'h',
        long: "help",
        value: None,
        help: "print usage message and exit",
    },
    Flag {
        short: 'c',
        long: "configuration",
        value: Some("FILENAME"),
        help: "configuration file path (searches if not given)",
    },
    Flag {
        short: 'i',
        long: "interactive",
        value: None,
        help: "start an interactive shell after executing commands",
    },
    Flag {
        short: 's',
        long: "serverurl",
        value: Some("URL"),
        help: "URL on which supervisord server is listening (default \"http://localhost:9001\")",
    },
    Flag {
        short: 'u',
        long: "username",
        value: Some("USERNAME"),
        help: "username to use for authentication with server",
    },
    Flag {
        short: 'p',
        long: "password",
        value: Some("PASSWORD"),
        help: "password to use for authentication with server",
    },
    Flag {
        short: 'r',
        long: "history_file",
        value: Some("FILENAME"),
        help: "keep a readline history (if readline is available)",
    },
];

/// `-?`, which Supervisor accepts for `-h`.
const HELP_ALIAS: char = '?';

/// supervisorctl's command line as clap describes it, for the man page and completions only:
/// parsing stays Python getopt's ([`getopt`]).
pub fn command() -> clap::Command {
    let mut command = clap::Command::new("supervisorctl")
        .about("control applications run by supervisord from the cmd line")
        .disable_help_flag(true)
        .disable_version_flag(true);
    for flag in FLAGS {
        let mut arg = clap::Arg::new(flag.long)
            .short(flag.short)
            .long(flag.long)
            .help(flag.help);
        arg = match flag.value {
            Some(name) => arg.value_name(name).action(clap::ArgAction::Set),
            None => arg.action(clap::ArgAction::SetTrue),
        };
        if flag.long == "configuration" || flag.long == "history_file" {
            arg = arg.value_hint(clap::ValueHint::FilePath);
        }
        command = command.arg(arg);
    }
    command
        .arg(
            clap::Arg::new("action")
                .value_name("ACTION")
                .help(
                    "an action (see `supervisorctl help`) and its arguments; none starts the shell",
                )
                .value_parser(clap::builder::PossibleValuesParser::new(
                    super::help::ACTIONS,
                ))
                .hide_possible_values(true),
        )
        .arg(
            clap::Arg::new("arguments")
                .value_name("ARGUMENTS")
                .num_args(0..)
                .trailing_var_arg(true),
        )
}

/// What the process should do instead of running commands.
#[derive(Debug, PartialEq)]
pub enum Exit {
    /// `-h`: print this on stdout, exit 0.
    Help(String),
    /// A usage error: `Error: {0}` on stderr, exit 2.
    Usage(String),
}

/// The realized options.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    pub interactive: bool,
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub prompt: String,
    pub history_file: Option<PathBuf>,
    pub configfile: Option<PathBuf>,
    /// The action and its arguments (empty: interactive shell).
    pub args: Vec<String>,
}

/// Options as `(option, value)` pairs (`-s`, `--serverurl`; value "" for flags), and the
/// arguments after them.
pub type Parsed = (Vec<(String, String)>, Vec<String>);

/// Python's `getopt.getopt`: options up to the first argument that is not one.
pub fn getopt(args: &[String]) -> Result<Parsed, String> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let (has_arg, full) = long_has_args(name)?;
            let value = match (has_arg, inline) {
                (true, Some(v)) => v,
                (true, None) => {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| format!("option --{name} requires argument"))?
                }
                (false, Some(_)) => {
                    return Err(format!("option --{full} must not have an argument"))
                }
                (false, None) => String::new(),
            };
            opts.push((format!("--{full}"), value));
        } else {
            let chars: Vec<char> = arg[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let takes = short_has_arg(c)?;
                if takes {
                    let rest: String = chars[j + 1..].iter().collect();
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i)
                            .cloned()
                            .ok_or_else(|| format!("option -{c} requires argument"))?
                    } else {
                        rest
                    };
                    opts.push((format!("-{c}"), value));
                    break;
                }
                opts.push((format!("-{c}"), String::new()));
                j += 1;
            }
        }
        i += 1;
    }
    Ok((opts, args[i.min(args.len())..].to_vec()))
}

fn short_has_arg(c: char) -> Result<bool, String> {
    if c == HELP_ALIAS {
        return Ok(false);
    }
    FLAGS
        .iter()
        .find(|flag| flag.short == c)
        .map(|flag| flag.value.is_some())
        .ok_or_else(|| format!("option -{c} not recognized"))
}

/// getopt's long-option rule: an exact name wins, else a unique prefix.
fn long_has_args(name: &str) -> Result<(bool, String), String> {
    let possible: Vec<&Flag> = FLAGS.iter().filter(|f| f.long.starts_with(name)).collect();
    let chosen = match possible.iter().find(|f| f.long == name) {
        Some(exact) => exact,
        None => match possible[..] {
            [] => return Err(format!("option --{name} not recognized")),
            [only] => only,
            _ => return Err(format!("option --{name} not a unique prefix")),
        },
    };
    Ok((chosen.value.is_some(), chosen.long.to_string()))
}

/// Supervisor's `datatypes.url`: a scheme and a netloc or path, as `urlparse` splits them.
fn check_url(value: &str) -> Result<(), String> {
    let not_url = || format!("value {} is not a URL", repr(value));
    let Some(colon) = value.find(':') else {
        return Err(not_url());
    };
    let scheme = &value[..colon];
    let scheme_ok = colon > 0
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err(not_url());
    }
    let rest = &value[colon + 1..];
    let (netloc, path) = match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find(['/', '?', '#']).unwrap_or(r.len());
            (&r[..end], &r[end..])
        }
        None => ("", rest),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    if netloc.is_empty() && path.is_empty() {
        return Err(not_url());
    }
    Ok(())
}

/// Realizes the options from `args` (without the program name). `find_config` is the
/// default search (the daemon's order) used when `-c` is absent.
pub fn realize(
    args: &[String],
    progname: &str,
    find_config: impl FnOnce() -> Option<PathBuf>,
) -> Result<ClientOptions, Exit> {
    let (opts, rest) = getopt(args).map_err(Exit::Usage)?;
    let mut configfile: Option<PathBuf> = None;
    let mut interactive: Option<bool> = None;
    let mut serverurl: Option<String> = None;
    let mut username: Option<String> = None;
    let mut password: Option<String> = None;
    let mut history: Option<String> = None;
    for (opt, value) in opts {
        // Each option may be given once: Options.realize's "conflicting command line option".
        let conflict = || Exit::Usage(format!("conflicting command line option {}", repr(&opt)));
        match opt.as_str() {
            "-h" | "-?" | "--help" => return Err(Exit::Help(DOC.replace("%s", progname) + "\n")),
            "-c" | "--configuration" => set_once(&mut configfile, PathBuf::from(&value), conflict)?,
            "-i" | "--interactive" => set_once(&mut interactive, true, conflict)?,
            "-s" | "--serverurl" => {
                check_url(&value).map_err(|msg| {
                    Exit::Usage(format!("invalid value for {opt} {}: {msg}", repr(&value)))
                })?;
                set_once(&mut serverurl, value, conflict)?
            }
            "-u" | "--username" => set_once(&mut username, value, conflict)?,
            "-p" | "--password" => set_once(&mut password, value, conflict)?,
            "-r" | "--history_file" => set_once(&mut history, value, conflict)?,
            _ => unreachable!("getopt returns only known options"),
        }
    }
    let configfile = configfile.or_else(find_config);
    let section = match &configfile {
        Some(path) => Some(load_section(path).map_err(Exit::Usage)?),
        None => None,
    };
    let interactive = interactive.unwrap_or(false) || rest.is_empty();
    let from_file =
        |f: fn(&crate::config::SupervisorctlConfig) -> Option<String>| section.as_ref().and_then(f);
    Ok(ClientOptions {
        interactive,
        serverurl: serverurl
            .or_else(|| from_file(|s| Some(s.serverurl.clone())))
            .unwrap_or_else(|| "http://localhost:9001".into()),
        username: username.or_else(|| from_file(|s| s.username.clone())),
        password: password.or_else(|| from_file(|s| s.password.clone())),
        prompt: from_file(|s| Some(s.prompt.clone())).unwrap_or_else(|| "supervisor".into()),
        // A -r value is used as given; the config file's is normalized by the loader.
        history_file: history
            .map(PathBuf::from)
            .or_else(|| section.as_ref().and_then(|s| s.history_file.clone())),
        configfile,
        args: rest,
    })
}

fn set_once<T>(slot: &mut Option<T>, value: T, conflict: impl Fn() -> Exit) -> Result<(), Exit> {
    if slot.is_some() {
        return Err(conflict());
    }
    *slot = Some(value);
    Ok(())
}

fn load_section(path: &Path) -> Result<crate::config::SupervisorctlConfig, String> {
    crate::config::load_client(path).map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn getopt_stops_at_the_action() {
        let (opts, rest) =
            getopt(&strings(&["-s", "unix:///x", "-i", "status", "-c", "y"])).unwrap();
        assert_eq!(
            opts,
            vec![
                ("-s".into(), "unix:///x".into()),
                ("-i".into(), String::new())
            ]
        );
        assert_eq!(rest, strings(&["status", "-c", "y"]));
    }

    #[test]
    fn getopt_errors_match_python() {
        let err = |a: &[&str]| getopt(&strings(a)).unwrap_err();
        assert_eq!(err(&["-x"]), "option -x not recognized");
        assert_eq!(err(&["-c"]), "option -c requires argument");
        assert_eq!(err(&["--bogus"]), "option --bogus not recognized");
        assert_eq!(
            err(&["--help=1"]),
            "option --help must not have an argument"
        );
        assert_eq!(
            err(&["--serverurl"]),
            "option --serverurl requires argument"
        );
    }

    #[test]
    fn long_prefixes() {
        let (opts, _) = getopt(&strings(&["--serv", "http://a", "--inter", "-uuser"])).unwrap();
        assert_eq!(
            opts,
            vec![
                ("--serverurl".into(), "http://a".into()),
                ("--interactive".into(), String::new()),
                ("-u".into(), "user".into())
            ]
        );
    }

    #[test]
    fn urls() {
        assert!(check_url("http://localhost:9001").is_ok());
        assert!(check_url("unix:///tmp/x").is_ok());
        assert!(check_url("localhost:9001").is_ok());
        assert_eq!(check_url("foo"), Err("value 'foo' is not a URL".into()));
        assert!(check_url("http://").is_err());
    }

    #[test]
    fn conflicts_and_help() {
        let r = realize(&strings(&["-s", "http://a", "-s", "http://b"]), "p", || {
            None
        });
        assert_eq!(
            r,
            Err(Exit::Usage("conflicting command line option '-s'".into()))
        );
        match realize(&strings(&["-h"]), "prog", || None) {
            Err(Exit::Help(text)) => assert!(text.contains("Usage: prog [options]")),
            other => panic!("{other:?}"),
        }
    }
}
