//! supervisord.conf -> a typed, validated [`Config`]. Pure: no actors, no sockets, no fork.
//!
//! Field names keep Supervisor's option names so that one grep searches both codebases.
//! Every error names the file, the section and (where there is one) the option, in
//! Supervisor's words: `... in section 'program:web' (file: '/etc/supervisord.conf')`.

pub mod depends_on;
pub mod diff;
pub mod expand;
pub mod parse;
pub mod sample;
pub mod types;

mod decode;
mod environment_file;
mod health;
mod load;
mod log_rotation;
mod process_section;
mod program_options;
mod programs;
pub mod py;
mod rlimits;
mod section;
mod servers;
mod strict;

use std::path::PathBuf;

pub use environment_file::EnvironmentFile;
pub use health::{HealthAction, HealthCheck, Probe};
pub use load::{config_search_paths, find_config_file, load, load_client, load_strict, Overrides};
pub use log_rotation::RotateBy;
pub use programs::EVENT_TYPES;
pub use rlimits::Rlimit;
pub use servers::STOCK_RPCINTERFACE_FACTORY;
pub use strict::UnknownOption;
pub use types::{AutoRestart, Backoff, LogPrefix, LogTarget, PrefixField};

/// A config error, displayed exactly as Supervisor words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// The whole line shown to the user, e.g.
    /// `Invalid umask value '999' in section 'program:x' (file: '/etc/s.conf')`.
    pub message: String,
}

impl ConfigError {
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
}

/// The whole configuration, as read from one file and its includes.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The main configuration file (absolute).
    pub path: PathBuf,
    /// Every file read, main file first, in the order read.
    pub files_read: Vec<PathBuf>,
    /// What to log once logging is up (`Included extra file ...`, `No file matches ...`).
    pub notes: Vec<ConfigNote>,
    pub supervisord: SupervisordConfig,
    pub unix_http_server: Option<UnixHttpServerConfig>,
    /// `[inet_http_server]` and named `[inet_http_server:x]` variants.
    pub inet_http_servers: Vec<InetHttpServerConfig>,
    pub supervisorctl: SupervisorctlConfig,
    /// `[rpcinterface:x]` sections.
    pub rpcinterfaces: Vec<RpcInterfaceConfig>,
    /// Process groups sorted by (priority, name): start order. Shared with the running groups.
    pub groups: Vec<std::sync::Arc<GroupConfig>>,
}

/// Something the reader has to say once the main log is open, in the order it was found; the
/// main log words each one (actors/mainlog), as Supervisor does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigNote {
    /// `[include]` read this file (INFO).
    IncludedFile(String),
    /// An `[include]` pattern matched nothing (WARN).
    NoFileMatches(String),
    /// `stdout_logfile=syslog`, read as `stdout_syslog=true` (WARN).
    SyslogLogfileDeprecated {
        section: String,
        logfile_key: &'static str,
        syslog_key: &'static str,
    },
    /// AUTO logging with maxbytes 0 (WARN).
    AutoLogWithoutRollover {
        section: String,
        logfile_key: &'static str,
    },
    /// redirect_stderr=true with a stderr_logfile path (WARN).
    RedirectStderrLogfileIgnored { section: String },
    /// An event listener's stdout_capture_maxbytes (WARN; ours, not Supervisor's).
    ListenerCaptureIgnored { section: String },
}

/// `[supervisord]`, after command-line overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct SupervisordConfig {
    /// Main log file (`$CWD/supervisord.log`); `None` for `NONE`; `Syslog` for `syslog`.
    pub logfile: LogTarget,
    /// Rotate the main log past this many bytes (50MB); 0 = never.
    pub logfile_maxbytes: u64,
    /// Rotated main logs kept (10).
    pub logfile_backups: u32,
    /// `logfile_rotate` (ours; size): also rotate hourly, daily or every period.
    pub logfile_rotate: RotateBy,
    /// `logfile_compress` (ours; false): gzip the backups.
    pub logfile_compress: bool,
    /// info; critical/error/warn/info/debug/trace/blather.
    pub loglevel: LogLevel,
    /// `$CWD/supervisord.pid`.
    pub pidfile: PathBuf,
    /// 0o022.
    pub umask: u32,
    /// false.
    pub nodaemon: bool,
    /// false: with nodaemon, do not copy the main log to stderr.
    pub silent: bool,
    /// 1024.
    pub minfds: u64,
    /// 200.
    pub minprocs: u64,
    /// false: remove stale AUTO child logs at start.
    pub nocleanup: bool,
    /// The system temp dir.
    pub childlogdir: PathBuf,
    /// Switch to this user after start (name or uid).
    pub user: Option<String>,
    /// chdir here when daemonizing.
    pub directory: Option<PathBuf>,
    /// false.
    pub strip_ansi: bool,
    /// false: the default of each program's `essential`.
    pub essential: bool,
    /// Added to every child's environment.
    pub environment: Vec<(String, String)>,
    /// "supervisor".
    pub identifier: String,
    /// `sd_notify` (ours; auto): whether to talk to systemd when NOTIFY_SOCKET is set.
    pub sd_notify: SdNotify,
    /// `sd_notify_ready` (ours; started): when READY=1 is sent.
    pub sd_notify_ready: SdNotifyReady,
    /// `metrics_process_group` (ours; false): resource figures count the whole process
    /// group of each child, not only the child.
    pub metrics_process_group: bool,
    /// `metrics_sample_interval` (ours; 5 seconds): how often resource figures are sampled
    /// while someone looks.
    pub metrics_sample_interval: u64,
}

/// `[supervisord] sd_notify`: `auto` talks to systemd whenever it passed a NOTIFY_SOCKET;
/// `off` never does (Python Supervisor ignores the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdNotify {
    Auto,
    Off,
}

/// `[supervisord] sd_notify_ready`: `started` says READY=1 once the servers answer and the
/// autostart pass has begun; `settled` waits until every autostart program has left
/// STARTING and BACKOFF (RUNNING, FATAL, EXITED...), so units ordered after ours find the
/// programs up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdNotifyReady {
    Started,
    Settled,
}

/// Levels in Supervisor's order (loggers.py LevelsByName); the tag is the 4-letter one in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Blather = 3,
    Trace = 5,
    Debug = 10,
    Info = 20,
    Warn = 30,
    Error = 40,
    Critical = 50,
}

impl LogLevel {
    /// The tag written in the main log: `BLAT TRAC DEBG INFO WARN ERRO CRIT`.
    pub fn tag(self) -> &'static str {
        match self {
            LogLevel::Blather => "BLAT",
            LogLevel::Trace => "TRAC",
            LogLevel::Debug => "DEBG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERRO",
            LogLevel::Critical => "CRIT",
        }
    }
}

/// HTTP basic-auth credentials; `password` may be `{SHA}<hex sha1>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// `[unix_http_server]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnixHttpServerConfig {
    /// Socket path (required).
    pub file: PathBuf,
    /// 0o700.
    pub chmod: u32,
    /// `user[:group]`, resolved to ids at parse time.
    pub chown: Option<(u32, Option<u32>)>,
    pub auth: Option<Credentials>,
    /// `metrics` (ours; false): serve `GET /metrics` on this socket.
    pub metrics: bool,
}

/// `[inet_http_server]` or `[inet_http_server:name]`.
#[derive(Debug, Clone, PartialEq)]
pub struct InetHttpServerConfig {
    /// The section name, e.g. `inet_http_server` or `inet_http_server:x`.
    pub section: String,
    /// Host to bind; empty string for `*:port` / `:port` (all interfaces).
    pub host: String,
    pub port: u16,
    pub auth: Option<Credentials>,
    /// `metrics` (ours; false): serve `GET /metrics` on this socket.
    pub metrics: bool,
}

/// `[supervisorctl]` (client side; parsed so the daemon and ctl share one reader).
#[derive(Debug, Clone, PartialEq)]
pub struct SupervisorctlConfig {
    /// `http://localhost:9001`.
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `supervisor`.
    pub prompt: String,
    pub history_file: Option<PathBuf>,
}

/// `[rpcinterface:x]`: only the stock factory is implemented; others are refused at load.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcInterfaceConfig {
    pub name: String,
    pub factory: String,
    /// The section's other options (and `[DEFAULT]`'s): Supervisor's keyword arguments for
    /// the factory. The stock one takes none, so with an HTTP server they are refused.
    pub extra: Vec<(String, String)>,
}

/// One process group: a `[program:x]`, `[fcgi-program:x]`, `[eventlistener:x]`
/// (implicit groups named after the section) or a `[group:x]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupConfig {
    pub name: String,
    /// The section's `priority` (an event listener pool's own default differs).
    pub priority: i32,
    pub kind: GroupKind,
    /// Members sorted by (priority, name): start order. Shared with their Process actors, so
    /// a thousand programs are not held twice.
    pub processes: Vec<std::sync::Arc<ProcessConfig>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GroupKind {
    Program,
    /// Boxed, as FastCgi: most groups are programs, and these would double the size of every
    /// GroupConfig.
    EventListener(Box<EventListenerConfig>),
    FastCgi(Box<FcgiSocketConfig>),
}

/// `[eventlistener:x]` pool options, named as the section's; their meanings and defaults are
/// in the option table (`program_options.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventListenerConfig {
    pub buffer_size: usize,
    /// Upper-cased, each once, in the order written.
    pub events: Vec<String>,
    pub result_handler: String,
}

/// `[fcgi-program:x]` socket options, named as the section's; their meanings and defaults are
/// in the option table (`program_options.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct FcgiSocketConfig {
    /// `unix:///abs/path` or `tcp://host:port`: Supervisor's socket URL after expansion
    /// (unix path normalized, host lower-cased); two configs compare equal by it.
    pub socket: String,
    /// `None`: the system's `SOMAXCONN`.
    pub socket_backlog: Option<u32>,
    /// `user[:group]` resolved to ids.
    pub socket_owner: Option<(u32, Option<u32>)>,
    pub socket_mode: u32,
}

/// One process, with every expansion done. Fields are named after their options, whose
/// meanings and defaults are in the option table (`program_options.rs`); the notes here say
/// only how a value is kept. A negative count is kept as 0, which Supervisor treats alike.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessConfig {
    /// Process name (after `process_name` expansion).
    pub name: String,
    /// The section's name after the colon (`%(program_name)s`).
    pub program_name: String,
    /// The command line, expanded but not split.
    pub command: String,
    pub priority: i32,
    pub autostart: bool,
    pub startsecs: u64,
    /// `None` for a negative value: retry forever.
    pub startretries: Option<u32>,
    pub backoff: Backoff,
    /// `None`: no limit.
    pub maxbackoff: Option<u64>,
    pub restartpause: u64,
    /// Left out: `[supervisord] essential`.
    pub essential: bool,
    /// `ready_notify=sd_notify`.
    pub ready_notify: bool,
    /// Boxed: a check is 88 bytes, most programs have none, and every process keeps its config.
    pub healthcheck: Option<Box<HealthCheck>>,
    pub autorestart: AutoRestart,
    pub exitcodes: Vec<i32>,
    /// As a signal number.
    pub stopsignal: i32,
    pub stopwaitsecs: u64,
    pub stopasgroup: bool,
    pub killasgroup: bool,
    /// As written (name or uid); resolved into `uid` at parse time.
    pub user: Option<String>,
    pub uid: Option<u32>,
    pub redirect_stderr: bool,
    pub stdout: LogStreamConfig,
    pub stderr: LogStreamConfig,
    /// Program `environment=` (not including [supervisord] environment).
    pub environment: Vec<(String, String)>,
    /// `environment_file=`, read at each spawn; `environment=` wins over them.
    pub environment_files: Vec<EnvironmentFile>,
    /// `rlimit_*=`, in the order of the option table.
    pub rlimits: Vec<Rlimit>,
    pub directory: Option<PathBuf>,
    pub umask: Option<u32>,
    /// `None` for AUTO: the daemon's own URL.
    pub serverurl: Option<String>,
    /// The entries as written (`depends_on.rs` resolves them); empty for none.
    pub depends_on: Vec<String>,
    /// Numbers for `%(process_num)d`.
    pub process_num: u32,
}

/// One of a process's two output streams: its `stdout_*` (or `stderr_*`) options, named
/// without the prefix; meanings and defaults are in the option table (`program_options.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogStreamConfig {
    /// `NONE` for a redirected stderr; the deprecated `syslog` becomes `NONE` and `syslog`.
    pub logfile: LogTarget,
    pub logfile_maxbytes: u64,
    pub logfile_backups: u32,
    /// `stdout_logfile_rotate` (an extension).
    pub logfile_rotate: RotateBy,
    /// `stdout_logfile_compress` (an extension): gzip the backups.
    pub logfile_compress: bool,
    pub capture_maxbytes: u64,
    pub events_enabled: bool,
    pub syslog: bool,
    /// `stdout_log_prefix` (an extension); always empty for an event listener's stdout.
    pub prefix: LogPrefix,
}
