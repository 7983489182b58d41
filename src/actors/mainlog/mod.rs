//! Supervisor's main log (`supervisord.log`) as a `tracing` layer.
//!
//! Lines look exactly like Supervisor's: `2025-01-01 12:00:00,123 INFO spawned: 'web' with pid 42`
//! (local time, 4-letter level tags), because people grep them. Every wording lives in
//! [`messages`], one function per line; the rest of the daemon calls those and never formats a
//! main-log line itself.
//!
//! Levels: tracing's five plus Supervisor's two extra ones, carried by target: CRIT is an ERROR
//! event with target [`CRIT`], BLAT a TRACE event with target [`BLATHER`]. Only events from this
//! crate reach the main log; other crates' events are dropped at their callsite.

mod messages;
#[cfg(test)]
mod tests;

pub(crate) use messages::*;

use std::ffi::CString;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

use super::rotating::RotatingFile;
pub use super::rotating::Rotation;
use crate::config::{LogLevel, LogTarget};

/// Target of CRIT lines: `tracing::error!(target: mainlog::CRIT, ...)`.
pub const CRIT: &str = "supervisord::CRIT";
/// Target of BLAT lines: `tracing::trace!(target: mainlog::BLATHER, ...)`.
pub const BLATHER: &str = "supervisord::BLATHER";

/// Where events come from that belong in the main log: this crate (lib and bin share the name).
const CRATE_PREFIX: &str = "supervisord";

/// `[supervisord]` logging options, as the daemon resolved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainLogSettings {
    /// `logfile=`: a path, `NONE` (no file) or `syslog`. Never `Auto` here.
    pub logfile: LogTarget,
    /// `logfile_maxbytes` (50MB; 0 = never by size), `logfile_backups` (10), `logfile_rotate`
    /// (size) and `logfile_compress` (false).
    pub rotation: Rotation,
    /// `loglevel` (info): lines below it are not written.
    pub level: LogLevel,
    /// Copy every line to stdout: `nodaemon` and not `silent`.
    pub also_stdout: bool,
}

/// A cheap, cloneable handle on the installed main log, for SIGUSR2, clearLog and daemonizing.
#[derive(Clone)]
pub struct MainLogHandle {
    shared: Arc<Shared>,
}

/// The layer installed in the global subscriber; [`init`] does this for the daemon, tests install
/// it with `tracing::subscriber::with_default`.
pub struct MainLogLayer {
    shared: Arc<Shared>,
}

struct Shared {
    /// `LogLevel as u8`: read on every event, changed by `reconfigure`.
    level: AtomicU8,
    also_stdout: AtomicBool,
    sink: Mutex<Sink>,
}

enum Sink {
    Discard,
    Syslog,
    File(RotatingFile),
}

/// Install the main log as the global tracing subscriber. Fails if the file cannot be opened or a
/// global subscriber is already set.
pub fn init(settings: &MainLogSettings) -> io::Result<MainLogHandle> {
    let (layer, handle) = layer(settings)?;
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .map_err(io::Error::other)?;
    Ok(handle)
}

/// The main-log layer and its handle, without installing anything.
pub fn layer(settings: &MainLogSettings) -> io::Result<(MainLogLayer, MainLogHandle)> {
    let shared = Arc::new(Shared {
        level: AtomicU8::new(settings.level as u8),
        also_stdout: AtomicBool::new(settings.also_stdout),
        sink: Mutex::new(open_sink(settings)?),
    });
    Ok((
        MainLogLayer {
            shared: shared.clone(),
        },
        MainLogHandle { shared },
    ))
}

fn open_sink(settings: &MainLogSettings) -> io::Result<Sink> {
    Ok(match &settings.logfile {
        LogTarget::Path(p) => Sink::File(RotatingFile::open(p.as_path(), settings.rotation)?),
        LogTarget::Syslog => Sink::Syslog,
        LogTarget::None | LogTarget::Auto => Sink::Discard,
    })
}

impl MainLogHandle {
    fn sink(&self) -> MutexGuard<'_, Sink> {
        // A panic while writing a line leaves nothing half-updated worth refusing: keep logging.
        self.shared.sink.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// SIGUSR2: reopen the file by name (after logrotate moved it). The caller logs
    /// [`logreopen`] first, as Supervisor does.
    pub fn reopen(&self) -> io::Result<()> {
        match &mut *self.sink() {
            Sink::File(f) => f.reopen(),
            _ => Ok(()),
        }
    }

    /// clearLog: empty the file and remove its backups. `NotFound` when there is no file (the
    /// RPC answers NO_FILE). The caller then logs [`reopening_log_file`].
    pub fn clear(&self) -> io::Result<()> {
        match &mut *self.sink() {
            Sink::File(f) => f.clear(),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no main log file")),
        }
    }

    /// The log file, if there is one (readLog, /mainlogtail).
    pub fn path(&self) -> Option<PathBuf> {
        match &*self.sink() {
            Sink::File(f) => Some(f.path().to_path_buf()),
            _ => None,
        }
    }

    /// Apply new settings after a config reload (SIGHUP): new file, size, level.
    pub fn reconfigure(&self, settings: &MainLogSettings) -> io::Result<()> {
        let sink = open_sink(settings)?;
        *self.sink() = sink;
        self.shared
            .level
            .store(settings.level as u8, Ordering::Relaxed);
        self.shared
            .also_stdout
            .store(settings.also_stdout, Ordering::Relaxed);
        // Callsites cache the level hint; make them ask again.
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    }
}

/// Supervisor's level of an event: tracing's level, with CRIT and BLAT carried by target.
fn supervisor_level(meta: &Metadata<'_>) -> LogLevel {
    match *meta.level() {
        Level::ERROR if meta.target() == CRIT => LogLevel::Critical,
        Level::ERROR => LogLevel::Error,
        Level::WARN => LogLevel::Warn,
        Level::INFO => LogLevel::Info,
        Level::DEBUG => LogLevel::Debug,
        Level::TRACE if meta.target() == BLATHER => LogLevel::Blather,
        Level::TRACE => LogLevel::Trace,
    }
}

fn is_ours(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with(CRATE_PREFIX)
}

fn level_filter(level: u8) -> LevelFilter {
    match level {
        l if l >= LogLevel::Error as u8 => LevelFilter::ERROR,
        l if l >= LogLevel::Warn as u8 => LevelFilter::WARN,
        l if l >= LogLevel::Info as u8 => LevelFilter::INFO,
        l if l >= LogLevel::Debug as u8 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

impl<S: Subscriber> Layer<S> for MainLogLayer {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        // Events, and the hints of `tracing::enabled!` (neither is a span).
        if !meta.is_span() && is_ours(meta) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        !meta.is_span()
            && is_ours(meta)
            && supervisor_level(meta) as u8 >= self.shared.level.load(Ordering::Relaxed)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(level_filter(self.shared.level.load(Ordering::Relaxed)))
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = supervisor_level(meta);
        if !is_ours(meta) || (level as u8) < self.shared.level.load(Ordering::Relaxed) {
            return;
        }
        let mut line = String::with_capacity(128);
        let mut extra = String::new();
        event.record(&mut FieldVisitor {
            message: &mut line,
            extra: &mut extra,
        });
        // Structured fields help debugging, but INFO and above is a text interface people grep:
        // keep those lines exactly Supervisor's.
        if level <= LogLevel::Debug {
            line.push_str(&extra);
        }
        let line = format_line(chrono::Local::now(), level, &line);
        self.write(&line);
    }
}

impl MainLogLayer {
    fn write(&self, line: &str) {
        let result = match &mut *self.shared.sink.lock().unwrap_or_else(|e| e.into_inner()) {
            Sink::Discard => Ok(()),
            Sink::Syslog => {
                syslog_lines(line.as_bytes(), b"");
                Ok(())
            }
            Sink::File(f) => f.write_chunk(line.as_bytes()).map_err(io::Error::from),
        };
        if self.shared.also_stdout.load(Ordering::Relaxed) {
            // Supervisor's handle_stdout: with nodaemon the main log is copied to stdout.
            let _ = io::stdout().lock().write_all(line.as_bytes());
        }
        if let Err(e) = result {
            // Nowhere else to say it; Supervisor prints a traceback to stderr too.
            let _ = writeln!(
                io::stderr().lock(),
                "supervisord: cannot write main log: {e}"
            );
        }
    }
}

/// `%(asctime)s %(levelname)s %(message)s\n`.
pub(crate) fn format_line<Tz: chrono::TimeZone>(
    now: chrono::DateTime<Tz>,
    level: LogLevel,
    message: &str,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    format!("{} {} {}\n", asctime(&now), level.tag(), message)
}

/// Python logging's `asctime`: `YYYY-MM-DD HH:MM:SS,mmm`. Also the time of child log line
/// prefixes, so both logs read alike.
pub(crate) fn asctime<Tz: chrono::TimeZone>(
    now: &chrono::DateTime<Tz>,
) -> impl std::fmt::Display + '_
where
    Tz::Offset: std::fmt::Display,
{
    now.format("%Y-%m-%d %H:%M:%S,%3f")
}

struct FieldVisitor<'a> {
    message: &'a mut String,
    extra: &'a mut String,
}

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.extra, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.extra, " {}={:?}", field.name(), value);
        }
    }
}

/// Send text to syslog one line at a time, each prefixed with `prefix` (Supervisor's
/// SyslogHandler: `message.rstrip('\n').split('\n')`, priority LOG_INFO, facility LOG_USER, ident
/// `supervisord`, as Python's `syslog.syslog` does without `openlog`).
pub(crate) fn syslog_lines(text: &[u8], prefix: &[u8]) {
    static OPEN: Once = Once::new();
    OPEN.call_once(|| {
        // SAFETY: the ident is a 'static C string, as openlog requires (it keeps the pointer).
        unsafe { libc::openlog(c"supervisord".as_ptr(), 0, libc::LOG_USER) };
    });
    let mut text = text;
    while let [rest @ .., b'\n'] = text {
        text = rest;
    }
    for line in text.split(|&b| b == b'\n') {
        let mut msg = Vec::with_capacity(prefix.len() + line.len());
        msg.extend_from_slice(prefix);
        msg.extend(line.iter().copied().filter(|&b| b != 0));
        let Ok(msg) = CString::new(msg) else {
            continue;
        };
        // SAFETY: both pointers are valid NUL-terminated strings; "%s" consumes exactly one.
        unsafe { libc::syslog(libc::LOG_INFO, c"%s".as_ptr(), msg.as_ptr()) };
    }
}
