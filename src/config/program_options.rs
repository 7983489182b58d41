//! The options of `[program:x]`, `[eventlistener:x]` and `[fcgi-program:x]`: one table,
//! [`OPTIONS`], with each option's full name, its default as Supervisor's options.py writes
//! it, the sections that use it and its meaning, in the manner of ripgrep's `flags/defs.rs`.
//!
//! The table is the one place where a default is written down: the loader takes defaults
//! from it (through the `SectionReader` methods below, which refuse a name the table lacks),
//! and `echo-conf`'s sample lists its rows. Its unit tests check that the loader reads every
//! row and nothing else, and that an option left out means the value the sample shows.

use std::borrow::Cow;

use super::section::{Problem, SectionReader};
use super::types::ValueResult;

/// The kinds of section that describe processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SectionKind {
    Program,
    EventListener,
    FcgiProgram,
}

use SectionKind::{EventListener, FcgiProgram, Program};

const EVERY: &[SectionKind] = &[Program, EventListener, FcgiProgram];
/// An event listener's stdout carries the listener protocol, so it has no capture mode and
/// no line prefix.
const NOT_LISTENER: &[SectionKind] = &[Program, FcgiProgram];
const LISTENER: &[SectionKind] = &[EventListener];
const FCGI: &[SectionKind] = &[FcgiProgram];

/// What an option that is left out means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionDefault {
    /// Supervisor's default, as options.py writes it.
    Value(&'static str),
    /// `priority`: Supervisor reads it twice in an `[eventlistener:x]`: for the pool, with
    /// `listener_pool` (-1, so listeners start first and stop last), and for each process,
    /// with `otherwise`, as in every other section.
    ListenerPool {
        listener_pool: &'static str,
        otherwise: &'static str,
    },
    /// The value this other option has (options.py passes it as the default).
    SameAs(&'static str),
    /// Unset (options.py's `None`); the sample shows `example`, and the meaning says what
    /// leaving the option out does.
    Unset { example: &'static str },
    /// The section is refused without it; the sample shows `example`.
    Required { example: &'static str },
}

use OptionDefault::{ListenerPool, Required, SameAs, Unset, Value};

/// One row of [`OPTIONS`].
#[derive(Debug)]
pub(crate) struct ProgramOption {
    /// The key as written in the section.
    pub name: &'static str,
    pub default: OptionDefault,
    /// The sections that use it.
    pub sections: &'static [SectionKind],
    /// One line, for the sample config.
    pub meaning: &'static str,
}

const fn row(
    name: &'static str,
    default: OptionDefault,
    sections: &'static [SectionKind],
    meaning: &'static str,
) -> ProgramOption {
    ProgramOption {
        name,
        default,
        sections,
        meaning,
    }
}

/// Every option of the program-like sections, in the order the sample shows them.
#[rustfmt::skip]
pub(crate) const OPTIONS: &[ProgramOption] = &[
    row("command", Required { example: "/bin/cat" }, EVERY,
        "the program and its arguments; found on PATH if relative"),
    row("socket", Required { example: "unix:///tmp/%(program_name)s.sock" }, FCGI,
        "or tcp://host:port; each process's stdin"),
    row("socket_backlog", Unset { example: "1024" }, FCGI,
        "listen() backlog; left out: the system's SOMAXCONN"),
    row("socket_owner", Unset { example: "chrism:wheel" }, FCGI,
        "unix socket owner as user[:group]; left out: the program's user"),
    row("socket_mode", Unset { example: "0700" }, FCGI,
        "unix socket mode; left out: 0700"),
    row("events", Required { example: "PROCESS_STATE,TICK_60" }, LISTENER,
        "event types to receive, comma separated"),
    row("buffer_size", Value("10"), LISTENER,
        "events queued before the oldest is dropped"),
    row("result_handler", Value("supervisor.dispatchers:default_handler"), LISTENER,
        "the one handler there is"),
    row("process_name", Value("%(program_name)s"), EVERY,
        "must contain %(process_num) when numprocs > 1"),
    row("numprocs", Value("1"), EVERY,
        "how many copies to run"),
    row("numprocs_start", Value("0"), EVERY,
        "the first %(process_num)"),
    row("priority", ListenerPool { listener_pool: "-1", otherwise: "999" }, EVERY,
        "start order (low first), stop order (high first)"),
    row("autostart", Value("true"), EVERY,
        "start when supervisord starts"),
    row("startsecs", Value("1"), EVERY,
        "seconds up before counting as started"),
    row("startretries", Value("3"), EVERY,
        "failed starts in a row before FATAL; -1 = retry forever"),
    row("backoff", Value("linear"), EVERY,
        "wait between failed starts: linear (1, 2, 3 s) or exponential (1, 2, 4 s)"),
    row("maxbackoff", Unset { example: "60" }, EVERY,
        "longest wait between failed starts, seconds; left out: no limit"),
    row("restartpause", Value("0"), EVERY,
        "seconds to wait before an autorestart after the program ran"),
    row("autorestart", Value("unexpected"), EVERY,
        "restart on exit: false, unexpected or true"),
    row("essential", Unset { example: "false" }, EVERY,
        "when it ends for good, stop supervisord with its exit status; left out: [supervisord] essential"),
    row("ready_notify", Unset { example: "sd_notify" }, EVERY,
        "ready when the child sends READY=1 to $NOTIFY_SOCKET, within startsecs"),
    row("healthcheck_command", Unset { example: "pg_isready -q" }, EVERY,
        "run with /bin/sh -c while RUNNING; exit 0 = healthy"),
    row("healthcheck_url", Unset { example: "http://127.0.0.1:8080/health" }, EVERY,
        "or https:// (certificate not checked), tcp://host:port; HTTP 2xx/3xx or a connection = healthy"),
    row("healthcheck_interval", Value("30"), EVERY,
        "seconds between health checks"),
    row("healthcheck_timeout", Value("10"), EVERY,
        "seconds a check may take before it fails"),
    row("healthcheck_retries", Value("3"), EVERY,
        "failed checks in a row before unhealthy"),
    row("healthcheck_start_period", Value("0"), EVERY,
        "seconds after a start during which failures do not count"),
    row("healthcheck_action", Value("restart"), EVERY,
        "when unhealthy: restart, stop or none"),
    row("exitcodes", Value("0"), EVERY,
        "exit codes that are \"expected\", comma separated"),
    row("stopsignal", Value("TERM"), EVERY,
        "signal to stop with: TERM, HUP, INT, QUIT, KILL, USR1, USR2"),
    row("stopwaitsecs", Value("10"), EVERY,
        "wait this long before SIGKILL"),
    row("stopasgroup", Value("false"), EVERY,
        "send stopsignal to the process group"),
    row("killasgroup", SameAs("stopasgroup"), EVERY,
        "send SIGKILL to the process group"),
    row("user", Unset { example: "chrism" }, EVERY,
        "run as this user (when root); left out: supervisord's"),
    row("redirect_stderr", Value("false"), EVERY,
        "send stderr to the stdout log (never in event listeners)"),
    row("stdout_logfile", Value("AUTO"), EVERY,
        "a path, NONE, or AUTO (a file in childlogdir)"),
    row("stdout_logfile_maxbytes", Value("50MB"), EVERY,
        "rotate past this size; 0 = never"),
    row("stdout_logfile_backups", Value("10"), EVERY,
        "rotated logs kept; 0 = none"),
    row("stdout_logfile_rotate", Value("size"), EVERY,
        "also rotate by the clock: hourly, daily or a period (30s, 15m, 2h) from local midnight"),
    row("stdout_logfile_compress", Value("false"), EVERY,
        "gzip the rotated logs (x.log.1.gz)"),
    row("stdout_capture_maxbytes", Value("0"), NOT_LISTENER,
        "capture-mode buffer size; 0 = off"),
    row("stdout_events_enabled", Value("false"), EVERY,
        "emit PROCESS_LOG_STDOUT events"),
    row("stdout_syslog", Value("false"), EVERY,
        "also send stdout to syslog"),
    row("stdout_log_prefix", Unset { example: "time,name,stream" }, NOT_LISTENER,
        "start each line of the log with these (an extension); left out: none"),
    row("stderr_logfile", Value("AUTO"), EVERY,
        "a path, NONE, or AUTO (a file in childlogdir)"),
    row("stderr_logfile_maxbytes", Value("50MB"), EVERY,
        "rotate past this size; 0 = never"),
    row("stderr_logfile_backups", Value("10"), EVERY,
        "rotated logs kept; 0 = none"),
    row("stderr_logfile_rotate", Value("size"), EVERY,
        "also rotate by the clock: hourly, daily or a period (30s, 15m, 2h) from local midnight"),
    row("stderr_logfile_compress", Value("false"), EVERY,
        "gzip the rotated logs (x.log.1.gz)"),
    row("stderr_capture_maxbytes", Value("0"), EVERY,
        "capture-mode buffer size; 0 = off"),
    row("stderr_events_enabled", Value("false"), EVERY,
        "emit PROCESS_LOG_STDERR events"),
    row("stderr_syslog", Value("false"), EVERY,
        "also send stderr to syslog"),
    row("stderr_log_prefix", Unset { example: "time,name,stream" }, EVERY,
        "start each line of the log with these (an extension); left out: none"),
    row("environment", Unset { example: "A=\"1\",B=\"2\"" }, EVERY,
        "added to the child's environment"),
    row("environment_file", Unset { example: "/etc/default/x, -/etc/default/x.local" }, EVERY,
        "KEY=VALUE files read at each spawn (systemd's format); - = optional; environment= wins"),
    row("rlimit_as", Unset { example: "4GB" }, EVERY,
        "address space limit, bytes; N, soft:hard or unlimited (as every rlimit_*)"),
    row("rlimit_core", Unset { example: "unlimited" }, EVERY,
        "core file size, bytes"),
    row("rlimit_cpu", Unset { example: "3600" }, EVERY,
        "CPU time, seconds"),
    row("rlimit_data", Unset { example: "1GB" }, EVERY,
        "data segment size, bytes"),
    row("rlimit_fsize", Unset { example: "10GB" }, EVERY,
        "largest file it may write, bytes"),
    row("rlimit_locks", Unset { example: "1024" }, EVERY,
        "file locks"),
    row("rlimit_memlock", Unset { example: "64MB" }, EVERY,
        "locked memory, bytes"),
    row("rlimit_msgqueue", Unset { example: "800KB" }, EVERY,
        "POSIX message queues, bytes"),
    row("rlimit_nice", Unset { example: "0" }, EVERY,
        "ceiling of the nice value, as 20 - nice"),
    row("rlimit_nofile", Unset { example: "1024:65536" }, EVERY,
        "open files"),
    row("rlimit_nproc", Unset { example: "4096" }, EVERY,
        "processes of its user"),
    row("rlimit_rss", Unset { example: "1GB" }, EVERY,
        "resident set size, bytes"),
    row("rlimit_rtprio", Unset { example: "0" }, EVERY,
        "real-time priority ceiling"),
    row("rlimit_rttime", Unset { example: "unlimited" }, EVERY,
        "CPU time under real-time scheduling, microseconds"),
    row("rlimit_sigpending", Unset { example: "1024" }, EVERY,
        "queued signals"),
    row("rlimit_stack", Unset { example: "8MB" }, EVERY,
        "stack size, bytes"),
    row("directory", Unset { example: "/tmp" }, EVERY,
        "chdir here before exec; left out: no chdir"),
    row("umask", Unset { example: "022" }, EVERY,
        "umask of the child; left out: supervisord's"),
    row("serverurl", Value("AUTO"), EVERY,
        "SUPERVISOR_SERVER_URL for the child; AUTO: this daemon's"),
    row("depends_on", Unset { example: "db, api:*, group:workers" }, NOT_LISTENER,
        "start once these programs, processes or groups are ready, stop before them; left out: none"),
];

/// The row named `name`. A name the table lacks is a bug in the loader, caught by any test
/// that loads such a section.
pub(crate) fn lookup(name: &str) -> &'static ProgramOption {
    OPTIONS
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("option {name:?} is missing from program_options::OPTIONS"))
}

impl ProgramOption {
    pub fn applies_to(&self, kind: SectionKind) -> bool {
        self.sections.contains(&kind)
    }

    /// The value this option takes when left out of a `kind` section (a pool's own value
    /// for an event listener's `priority`); `None` when unset or required.
    pub fn default_in(&self, kind: SectionKind) -> Option<&'static str> {
        match self.default {
            Value(value) => Some(value),
            ListenerPool {
                listener_pool,
                otherwise,
            } => Some(if kind == EventListener {
                listener_pool
            } else {
                otherwise
            }),
            SameAs(other) => lookup(other).default_in(kind),
            Unset { .. } | Required { .. } => None,
        }
    }

    /// The value `echo-conf` shows: the default, else the example.
    pub fn sample_value(&self, kind: SectionKind) -> &'static str {
        match self.default {
            Unset { example } | Required { example } => example,
            _ => self.default_in(kind).unwrap_or_default(),
        }
    }

    /// The comment `echo-conf` shows after the value.
    pub fn sample_comment(&self) -> Cow<'static, str> {
        match self.default {
            SameAs(other) => format!("{}; left out: as {other}", self.meaning).into(),
            Required { .. } => format!("{} (required)", self.meaning).into(),
            _ => self.meaning.into(),
        }
    }
}

/// Reading the options of [`OPTIONS`]: the default comes from the table, so it is written
/// nowhere else, and a name the table lacks panics (see [`lookup`]).
impl<'a> SectionReader<'a> {
    /// The option's value, else its default, converted. A process's value: for an event
    /// listener pool's own `priority` use [`Self::pool_option`].
    pub(super) fn option<T>(
        &self,
        name: &str,
        convert: impl Fn(&str) -> ValueResult<T>,
    ) -> Result<T, Problem> {
        let default = match lookup(name).default {
            Value(value)
            | ListenerPool {
                otherwise: value, ..
            } => value,
            // The other option was read first, so its text expands and converts again as it
            // did then (options.py passes its converted value).
            SameAs(other) => self.raw_option(other).unwrap_or_default(),
            Unset { .. } | Required { .. } => {
                panic!("option {name:?} has no default: read it with option_text")
            }
        };
        self.parse(name, default, convert)
    }

    /// An event listener pool's own value of `name` (its `priority`).
    pub(super) fn pool_option<T>(
        &self,
        name: &str,
        convert: impl Fn(&str) -> ValueResult<T>,
    ) -> Result<T, Problem> {
        let default = lookup(name)
            .default_in(EventListener)
            .unwrap_or_else(|| panic!("option {name:?} has no default for a listener pool"));
        self.parse(name, default, convert)
    }

    /// An option without a default, expanded: `None` when left out.
    pub(super) fn option_text(&self, name: &str) -> Result<Option<String>, Problem> {
        self.option_if_set(name, |text| Ok(text.to_string()))
    }

    /// An option without a default, converted: `None` when left out.
    pub(super) fn option_if_set<T>(
        &self,
        name: &str,
        convert: impl Fn(&str) -> ValueResult<T>,
    ) -> Result<Option<T>, Problem> {
        let row = lookup(name);
        assert!(
            matches!(row.default, Unset { .. } | Required { .. }),
            "option {name:?} has a default: read it with option"
        );
        self.parse_opt(name, convert)
    }

    /// The option's text as written, unexpanded (`environment`, `process_name`: Supervisor
    /// expands them later, per process), else its default; `None` when unset.
    pub(super) fn raw_option(&self, name: &str) -> Option<&'a str> {
        let row = lookup(name);
        self.raw(name).or(match row.default {
            Value(value) => Some(value),
            _ => None,
        })
    }
}

#[cfg(test)]
#[path = "program_options_tests.rs"]
mod tests;
