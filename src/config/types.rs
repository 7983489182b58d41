//! Value types of supervisord.conf (Supervisor's datatypes.py): booleans, byte sizes, signals,
//! octal modes, exit codes, auto-restart, log targets, inet addresses, users, `environment=`.
//!
//! Each parser takes the option's text and returns the value or Supervisor's error text for
//! it (without file or section: load.rs adds those at the section boundary).

use std::path::{Path, PathBuf};

use nix::unistd::Uid;

use crate::users;

use super::{py, LogLevel, SdNotify, SdNotifyReady};

/// `autorestart=`: false, unexpected (the default) or true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRestart {
    False,
    Unexpected,
    True,
}

/// `backoff=`: how the wait between failed starts grows (an extension; linear is
/// Supervisor's 1, 2, 3, ... seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    Linear,
    Exponential,
}

/// Where a log goes: `AUTO` (a file in childlogdir), `NONE`/`OFF`, `syslog`, or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    Auto,
    None,
    Syslog,
    Path(PathBuf),
}

/// One word of `stdout_log_prefix=` (an extension, not in Supervisor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixField {
    /// When the line's first byte was read, as the main log writes its times.
    Time,
    /// The process as supervisorctl shows it: `name`, or `group:name`.
    Name,
    /// `stdout` or `stderr`.
    Stream,
}

/// `stdout_log_prefix=time,name,stream`: what each line of a child's log starts with, the
/// fields in the order written, each at most once. Empty (the default): no prefix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogPrefix([Option<PrefixField>; 3]);

impl LogPrefix {
    pub fn is_empty(&self) -> bool {
        self.0[0].is_none()
    }

    pub fn fields(&self) -> impl Iterator<Item = PrefixField> + '_ {
        self.0.iter().map_while(|field| *field)
    }
}

/// A parser's error: Supervisor's text for the bad value.
pub type ValueResult<T> = Result<T, String>;

const TRUTHY: [&str; 4] = ["yes", "true", "on", "1"];
const FALSY: [&str; 4] = ["no", "false", "off", "0"];

/// `yes/true/on/1` or `no/false/off/0`, any case.
pub fn boolean(s: &str) -> ValueResult<bool> {
    let lower = s.to_lowercase();
    if TRUTHY.contains(&lower.as_str()) {
        Ok(true)
    } else if FALSY.contains(&lower.as_str()) {
        Ok(false)
    } else {
        Err(format!("not a valid boolean value: {}", py::repr(s)))
    }
}

/// Python's `int()`: `invalid literal for int() with base 10: 'x'`.
pub fn integer(s: &str) -> ValueResult<i64> {
    py::int(s)
}

/// `1024`, `10KB`, `50MB`, `1GB` (1024-based, any case). Negative sizes are refused.
pub fn byte_size(s: &str) -> ValueResult<u64> {
    let lower = s.to_lowercase();
    let units = [("kb", 1u64 << 10), ("mb", 1 << 20), ("gb", 1 << 30)];
    let (number, multiplier) = units
        .iter()
        .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|n| (n, *m)))
        .unwrap_or((lower.as_str(), 1));
    let n = py::int(number)?;
    let bytes = u64::try_from(n)
        .map_err(|_| format!("{n} is below lower bound (0)"))?
        .checked_mul(multiplier);
    bytes.ok_or_else(|| format!("{} is too large", py::repr(s)))
}

/// Signal names Python's `signal` module knows on Linux (with the `SIG` prefix), and the
/// numbers Supervisor accepts (`SIGNUMS`: every value of those names).
const SIGNALS: &[(&str, i32)] = &[
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGIOT", 6),
    ("SIGBUS", 7),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGUSR1", 10),
    ("SIGSEGV", 11),
    ("SIGUSR2", 12),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGSTKFLT", 16),
    ("SIGCHLD", 17),
    ("SIGCLD", 17),
    ("SIGCONT", 18),
    ("SIGSTOP", 19),
    ("SIGTSTP", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGURG", 23),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGWINCH", 28),
    ("SIGIO", 29),
    ("SIGPOLL", 29),
    ("SIGPWR", 30),
    ("SIGSYS", 31),
    ("SIGRTMIN", 34),
    ("SIGRTMAX", 64),
    // Python's `getattr(signal, 'SIG' + name)` also finds these handler/mask constants.
    ("SIG_DFL", 0),
    ("SIG_IGN", 1),
    ("SIG_BLOCK", 0),
    ("SIG_UNBLOCK", 1),
    ("SIG_SETMASK", 2),
];

/// `TERM`, `SIGTERM`, `term` or `15`.
pub fn signal_number(s: &str) -> ValueResult<i32> {
    let number = match py::int(s) {
        Ok(n) => n,
        Err(_) => {
            let upper = py::strip(s).to_uppercase();
            let name = if upper.starts_with("SIG") {
                upper
            } else {
                format!("SIG{upper}")
            };
            let found = SIGNALS.iter().find(|(n, _)| *n == name);
            let (_, number) =
                found.ok_or_else(|| format!("value {} is not a valid signal name", py::repr(s)))?;
            i64::from(*number)
        }
    };
    SIGNALS
        .iter()
        .find(|(_, n)| i64::from(*n) == number)
        .map(|(_, n)| *n)
        .ok_or_else(|| format!("value {} is not a valid signal number", py::repr(s)))
}

/// `022`, `0o22`, `777`.
pub fn octal_type(s: &str) -> ValueResult<u32> {
    py::int_octal(s)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{s} can not be converted to an octal type"))
}

/// `0,2`: exit codes 0..=255; empty means none.
pub fn list_of_exitcodes(s: &str) -> ValueResult<Vec<i32>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let error = || format!("not a valid list of exit codes: {}", py::repr(s));
    s.split(',')
        .map(|part| match py::int(part) {
            Ok(code) if (0..=255).contains(&code) => Ok(code as i32),
            _ => Err(error()),
        })
        .collect()
}

/// `a, b ,c` -> `["a", "b", "c"]`; empty means none.
pub fn list_of_strings(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(|x| py::strip(x).to_string()).collect()
}

/// `true` (always), `false` (never) or `unexpected` (exit code not in exitcodes).
pub fn auto_restart(s: &str) -> ValueResult<AutoRestart> {
    let lower = s.to_lowercase();
    if TRUTHY.contains(&lower.as_str()) {
        Ok(AutoRestart::True)
    } else if FALSY.contains(&lower.as_str()) {
        Ok(AutoRestart::False)
    } else if lower == "unexpected" {
        Ok(AutoRestart::Unexpected)
    } else {
        Err(format!("invalid 'autorestart' value {}", py::repr(&lower)))
    }
}

/// `linear` or `exponential`, any case.
pub fn backoff(s: &str) -> ValueResult<Backoff> {
    match s.to_lowercase().as_str() {
        "linear" => Ok(Backoff::Linear),
        "exponential" => Ok(Backoff::Exponential),
        _ => Err(format!(
            "invalid 'backoff' value {} (linear or exponential)",
            py::repr(s)
        )),
    }
}

/// A child log: `AUTO`, `NONE`/`OFF`, `syslog` (deprecated) or a path whose directory exists.
pub fn logfile_name(s: &str) -> ValueResult<LogTarget> {
    match s.to_lowercase().as_str() {
        "none" | "off" => Ok(LogTarget::None),
        "auto" => Ok(LogTarget::Auto),
        "syslog" => Ok(LogTarget::Syslog),
        _ => existing_dirpath(s).map(LogTarget::Path),
    }
}

/// `time,name,stream` in any order and subset, any case; empty means no prefix.
pub fn log_prefix(s: &str) -> ValueResult<LogPrefix> {
    let mut prefix = LogPrefix::default();
    let words = s.split(',').map(py::strip).filter(|w| !w.is_empty());
    for (n, word) in words.enumerate() {
        let field = match word.to_lowercase().as_str() {
            "time" => PrefixField::Time,
            "name" => PrefixField::Name,
            "stream" => PrefixField::Stream,
            _ => {
                return Err(format!(
                    "not a valid log prefix: {} ({} is not time, name or stream)",
                    py::repr(s),
                    py::repr(word)
                ))
            }
        };
        if prefix.fields().any(|f| f == field) {
            return Err(format!(
                "not a valid log prefix: {} ({} is given twice)",
                py::repr(s),
                py::repr(word)
            ));
        }
        // Three fields, none twice: there is always room.
        prefix.0[n] = Some(field);
    }
    Ok(prefix)
}

/// A file path whose directory exists (a bare relative name passes): `~` is expanded.
pub fn existing_dirpath(s: &str) -> ValueResult<PathBuf> {
    let expanded = expand_user(s);
    let dir = py_dirname(&expanded);
    if dir.is_empty() || Path::new(&dir).is_dir() {
        Ok(PathBuf::from(expanded))
    } else {
        Err(format!(
            "The directory named as part of the path {s} does not exist"
        ))
    }
}

/// An existing directory; `~` is expanded.
pub fn existing_directory(s: &str) -> ValueResult<PathBuf> {
    let expanded = expand_user(s);
    if Path::new(&expanded).is_dir() {
        Ok(PathBuf::from(expanded))
    } else {
        Err(format!("{s} is not an existing directory"))
    }
}

/// Python's `os.path.dirname`: up to the last `/`, trailing slashes dropped unless all slashes.
fn py_dirname(path: &str) -> String {
    let Some(i) = path.rfind('/') else {
        return String::new();
    };
    let head = &path[..=i];
    if head.chars().all(|c| c == '/') {
        head.to_string()
    } else {
        head.trim_end_matches('/').to_string()
    }
}

/// Python's `os.path.expanduser`: `~` and `~user` at the start; unchanged when unknown.
pub fn expand_user(path: &str) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_string();
    };
    let (user, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let home = if user.is_empty() {
        std::env::var("HOME").ok().or_else(|| {
            users::user_by_uid(Uid::current().as_raw())
                .map(|u| u.dir.to_string_lossy().into_owned())
        })
    } else {
        users::user_by_name(user).map(|u| u.dir.to_string_lossy().into_owned())
    };
    match home {
        Some(home) if home == "/" && !tail.is_empty() => tail.to_string(),
        Some(home) => format!("{}{tail}", home.trim_end_matches('/')),
        None => path.to_string(),
    }
}

/// `critical error warn info debug trace blather`, any case.
pub fn logging_level(s: &str) -> ValueResult<LogLevel> {
    match s.to_lowercase().as_str() {
        "critical" => Ok(LogLevel::Critical),
        "error" => Ok(LogLevel::Error),
        "warn" => Ok(LogLevel::Warn),
        "info" => Ok(LogLevel::Info),
        "debug" => Ok(LogLevel::Debug),
        "trace" => Ok(LogLevel::Trace),
        "blather" => Ok(LogLevel::Blather),
        _ => Err(format!("bad logging level name {}", py::repr(s))),
    }
}

/// `auto` or `off`, any case.
pub fn sd_notify(s: &str) -> ValueResult<SdNotify> {
    match s.to_lowercase().as_str() {
        "auto" => Ok(SdNotify::Auto),
        "off" => Ok(SdNotify::Off),
        _ => Err(format!(
            "sd_notify must be auto or off, not {}",
            py::repr(s)
        )),
    }
}

/// `started` or `settled`, any case.
pub fn sd_notify_ready(s: &str) -> ValueResult<SdNotifyReady> {
    match s.to_lowercase().as_str() {
        "started" => Ok(SdNotifyReady::Started),
        "settled" => Ok(SdNotifyReady::Settled),
        _ => Err(format!(
            "sd_notify_ready must be started or settled, not {}",
            py::repr(s)
        )),
    }
}

/// `host:port`, `*:port`, `:port` or a bare port. The host is lower-cased; all-interfaces
/// is the empty string.
pub fn inet_address(s: &str) -> ValueResult<(String, u16)> {
    let Some((host, port)) = s.rsplit_once(':') else {
        let port =
            port_number(s).map_err(|_| format!("not a valid port number: {}", py::repr(s)))?;
        return Ok((String::new(), port));
    };
    if port.is_empty() {
        return Err(format!("no port number specified in {}", py::repr(s)));
    }
    let port = port_number(port)?;
    let host = host.to_lowercase();
    Ok((if host == "*" { String::new() } else { host }, port))
}

fn port_number(s: &str) -> ValueResult<u16> {
    let n = py::int(s)?;
    if n < 1 {
        Err(format!("{n} is below lower bound (1)"))
    } else if n > 0xffff {
        Err(format!("{n} is above upper bound (65535)"))
    } else {
        Ok(n as u16)
    }
}

/// A user name or uid that exists on this system.
pub fn name_to_uid(s: &str) -> ValueResult<u32> {
    match py::int(s) {
        Ok(n) => u32::try_from(n)
            .ok()
            .filter(|&uid| users::user_by_uid(uid).is_some())
            .ok_or_else(|| format!("Invalid user id {s}")),
        Err(_) => users::user_by_name(s)
            .map(|user| user.uid)
            .ok_or_else(|| format!("Invalid user name {s}")),
    }
}

/// A group name or gid that exists on this system.
pub fn name_to_gid(s: &str) -> ValueResult<u32> {
    match py::int(s) {
        Ok(n) => u32::try_from(n)
            .ok()
            .filter(|&gid| users::group_exists(gid))
            .ok_or_else(|| format!("Invalid group id {s}")),
        Err(_) => users::gid_by_name(s).ok_or_else(|| format!("Invalid group name {s}")),
    }
}

/// The primary group of `uid`.
pub fn gid_for_uid(uid: u32) -> Option<u32> {
    users::user_by_uid(uid).map(|u| u.gid)
}

/// `user` or `user:group`, resolved to ids.
pub fn colon_separated_user_group(s: &str) -> ValueResult<(u32, Option<u32>)> {
    let resolve = || -> ValueResult<(u32, Option<u32>)> {
        match s.split_once(':') {
            None => Ok((name_to_uid(s)?, None)),
            Some((user, group)) => Ok((name_to_uid(user)?, Some(name_to_gid(group)?))),
        }
    };
    resolve().map_err(|_| format!("Invalid user:group definition {s}"))
}

/// A program, group or process name: no space, `:` or `/` (they break the event listener
/// protocol and web UI URLs). Returns the name stripped of surrounding whitespace.
pub fn process_or_group_name(s: &str) -> ValueResult<String> {
    let name = py::strip(s);
    for bad in [' ', ':', '/'] {
        if name.contains(bad) {
            return Err(format!(
                "Invalid name: {} because of character: {}",
                py::repr(s),
                py::repr(&bad.to_string())
            ));
        }
    }
    Ok(name.to_string())
}

/// `environment=`: `KEY=val,KEY2="val, with comma"`. Tokenized as Supervisor does, with
/// Python's non-POSIX `shlex` (see [`shlex_tokens`]); every fourth token (the separator) is
/// skipped unread, and surrounding quotes are stripped from values. A repeated key keeps its
/// first position and its last value, as a Python dict does.
pub fn dict_of_key_value_pairs(s: &str) -> ValueResult<Vec<(String, String)>> {
    let tokens = shlex_tokens(s)?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let triple = &tokens[i..tokens.len().min(i + 3)];
        if triple.len() != 3 || triple[1] != "=" {
            return Err(format!("Unexpected end of key/value pairs in value '{s}'"));
        }
        let value = triple[2].trim_matches(['\'', '"']).to_string();
        match pairs.iter_mut().find(|(k, _)| *k == triple[0]) {
            Some(slot) => slot.1 = value,
            None => pairs.push((triple[0].clone(), value)),
        }
        i += 4;
    }
    Ok(pairs)
}

/// Python's `shlex.shlex(s)` (non-POSIX mode) with `wordchars += '/.+-():'`, as
/// datatypes.py sets it up: words of ASCII letters, digits and `_/.+-():`; quoted strings
/// keep their quotes; `#` discards the rest of its line; any other character is a token
/// of its own.
pub fn shlex_tokens(s: &str) -> ValueResult<Vec<String>> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_/.+-():".contains(c);
    let is_blank = |c: char| " \t\r\n".contains(c);
    let chars: Vec<char> = s.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_blank(c) {
            i += 1;
        } else if c == '#' {
            i = skip_line(&chars, i);
        } else if c == '"' || c == '\'' {
            let close = chars[i + 1..]
                .iter()
                .position(|&q| q == c)
                .ok_or_else(|| "No closing quotation".to_string())?;
            tokens.push(chars[i..=i + 1 + close].iter().collect());
            i += close + 2;
        } else if is_word(c) {
            let mut word = String::new();
            while i < chars.len() {
                let c = chars[i];
                if c == '#' {
                    // In a word, a comment drops the rest of the line but not the word.
                    i = skip_line(&chars, i);
                } else if is_word(c) || c == '"' || c == '\'' {
                    word.push(c);
                    i += 1;
                } else {
                    break;
                }
            }
            tokens.push(word);
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    Ok(tokens)
}

/// The index just past the end of the line holding `i` (shlex's `readline()`).
fn skip_line(chars: &[char], i: usize) -> usize {
    chars[i..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |n| i + n + 1)
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
