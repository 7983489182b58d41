//! One stream of a child (its stdout or its stderr) as its LogWriter records it: the log file
//! with its rotation, the backlog kept while that file cannot be written, ANSI stripping,
//! syslog, capture mode, line prefixes, events, and the pipes attached to it. The actor
//! ([`super::LogWriter`]) holds one per logged stream and reads their pipes; this is what
//! happens to what it reads.

use std::cell::RefCell;
use std::io;
use std::os::fd::RawFd;
use std::path::Path;
use std::sync::Arc;

use actix::prelude::*;

use super::ansi::AnsiStripper;
use super::backlog::Backlog;
use super::capture::{Capture, Piece};
use super::prefix::{LinePrefixer, PrefixSettings};
use super::LogWriter;
use crate::actors::events::{Event, Publish};
use crate::actors::listener_pool::ListenerNote;
use crate::actors::mainlog;
use crate::actors::rotating::{RotatingFile, Rotation, Unwritten};
use crate::model::{ByteCount, Channel};

/// How often output kept while the log could not be written is tried again, when no new
/// output comes to try it sooner.
const BACKLOG_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// One stream's logging options, resolved by the daemon (AUTO already turned into a path).
/// The path is shared with the Process and its snapshots, not copied.
#[derive(Clone)]
pub struct StreamSettings {
    /// `stdout_logfile`; `None` for NONE: the pipe is drained and the output discarded.
    pub path: Option<Arc<Path>>,
    /// `stdout_logfile_maxbytes` (50MB; 0 = never by size), `stdout_logfile_backups` (10),
    /// `stdout_logfile_rotate` (size) and `stdout_logfile_compress` (false).
    pub rotation: Rotation,
    /// `[supervisord] strip_ansi` (false).
    pub strip_ansi: bool,
    /// `stdout_syslog` (false): also send each line to syslog as `name line`.
    pub syslog: bool,
    /// `stdout_log_prefix` (none): what starts each line of the log file.
    pub prefix: Option<PrefixSettings>,
    /// Counts every byte read from the child on this stream (the metrics' log bytes).
    pub bytes: ByteCount,
    /// What the output feeds besides the log file; `None` (most streams) keeps none of it.
    pub events: Option<EventOutput>,
}

/// What this stream's output feeds besides the log file (all off by default, and then not
/// given to the writer at all: it keeps none of this).
#[derive(Clone, Default)]
pub struct EventOutput {
    /// The process's group, for event payloads.
    pub group: Arc<str>,
    /// `stdout_capture_maxbytes` (0): capture mode when > 0.
    pub capture_maxbytes: u64,
    /// `stdout_events_enabled` (false): a PROCESS_LOG event per chunk.
    pub events_enabled: bool,
    /// The event bus (the Registry).
    pub bus: Option<Recipient<Publish>>,
    /// For an event listener's stdout: its pool, which reads the protocol from this output.
    pub listener: Option<Recipient<ListenerNote>>,
}

/// One stream's state. See the module doc.
///
/// A program has two (with default logging), held inline by its LogWriter, so what most
/// streams never use is boxed (or absent) rather than inline: a thousand programs pay for
/// every inline byte two thousand times.
pub(super) struct StreamWriter {
    /// The process name (`web`, `web_00`): the syslog prefix and main-log name.
    name: Arc<str>,
    channel: Channel,
    /// The settings' fields but the prefix, which became `prefixer`, and the path and
    /// rotation, which are in `log`.
    strip_ansi: bool,
    syslog: bool,
    log: LogFile,
    /// Reported a failing open or write in the main log; quiet until writing works again.
    failing: bool,
    /// Output not written yet because writing failed (boxed: none most of the time).
    backlog: Option<Box<Backlog>>,
    /// The timer that tries the backlog again.
    retry: Option<SpawnHandle>,
    ansi: AnsiStripper,
    /// Pipes attached and not yet at EOF, as (fd, pid of the child writing to it). Each is
    /// owned, and closed, by its [`super::Drain`].
    pipes: Vec<(RawFd, i32)>,
    bytes: ByteCount,
    /// Present when the output feeds events or a listener's pool.
    events: Option<Box<EventOutput>>,
    /// Present in capture mode.
    capture: Option<Box<Capture>>,
    /// Present when lines of the log file get a prefix.
    prefixer: Option<Box<LinePrefixer>>,
}

/// Where the output goes. The path and rotation are kept apart only until the file opens: the
/// open file holds them.
enum LogFile {
    /// NONE: the pipe is drained and the output discarded.
    Discard,
    /// Not opened yet, or its first open failed: the next output tries again.
    Unopened {
        path: Arc<Path>,
        rotation: Rotation,
    },
    Open(RotatingFile),
}

thread_local! {
    /// Prefixed output on its way to the file. Apart from the writer's read buffers, which
    /// are borrowed while a chunk is handled.
    static PREFIXED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl StreamWriter {
    /// The stream `channel` of process `name`. Opens the log file now; if that fails the
    /// error is logged and opening is retried with the next output.
    pub(super) fn new(name: Arc<str>, channel: Channel, settings: StreamSettings) -> Self {
        let StreamSettings {
            path,
            rotation,
            strip_ansi,
            syslog,
            prefix,
            bytes,
            events,
        } = settings;
        // Output that goes to no file needs no prefix.
        let prefixer = prefix
            .filter(|_| path.is_some())
            .and_then(|prefix| LinePrefixer::new(&prefix, channel))
            .map(Box::new);
        // A listener's stdout is its protocol channel: Supervisor neither captures it nor
        // emits log events for it.
        let capture = events
            .as_ref()
            .filter(|events| events.capture_maxbytes > 0 && events.listener.is_none())
            .map(|events| Box::new(Capture::new(events.capture_maxbytes)));
        let mut stream = StreamWriter {
            name,
            channel,
            log: match path {
                Some(path) => LogFile::Unopened { path, rotation },
                None => LogFile::Discard,
            },
            strip_ansi,
            syslog,
            failing: false,
            backlog: None,
            retry: None,
            ansi: AnsiStripper::default(),
            pipes: Vec::new(),
            bytes,
            events: events.map(Box::new),
            capture,
            prefixer,
        };
        if let Err(e) = stream.open() {
            stream.report_failure(&e);
        }
        stream
    }

    /// A pipe the writer now drains into this stream.
    pub(super) fn attach(&mut self, fd: RawFd, pid: i32) {
        self.pipes.push((fd, pid));
    }

    /// The pipes attached and not at EOF yet, as (fd, pid).
    pub(super) fn pipes(&self) -> &[(RawFd, i32)] {
        &self.pipes
    }

    fn open(&mut self) -> io::Result<()> {
        if let LogFile::Unopened { path, rotation } = &self.log {
            self.log = LogFile::Open(RotatingFile::open(path.clone(), *rotation)?);
        }
        Ok(())
    }

    /// SIGUSR2: open the log file again by name.
    pub(super) fn reopen(&mut self) -> io::Result<()> {
        match &mut self.log {
            LogFile::Open(file) => file.reopen(),
            LogFile::Discard | LogFile::Unopened { .. } => self.open(),
        }
    }

    /// clearProcessLogs: empty the log file and remove its backups.
    pub(super) fn clear(&mut self) -> io::Result<()> {
        match &mut self.log {
            LogFile::Open(file) => file.clear(),
            LogFile::Discard | LogFile::Unopened { .. } => Ok(()),
        }
    }

    fn report_failure(&mut self, e: &io::Error) {
        if !self.failing {
            self.failing = true;
            let path = match &self.log {
                LogFile::Discard => Path::new(""),
                LogFile::Unopened { path, .. } => path,
                LogFile::Open(file) => file.path(),
            };
            mainlog::child_log_failed(&self.name, self.channel.as_str(), path, e);
        }
    }

    /// One chunk read from the pipe of child `pid`: to the listener's pool if this is a
    /// listener's stdout, then split at capture tokens, then recorded.
    pub(super) fn handle_chunk(&mut self, data: &[u8], stripped: &mut Vec<u8>, pid: i32) {
        self.bytes.add(data.len());
        if let Some(pool) = self
            .events
            .as_ref()
            .and_then(|events| events.listener.as_ref())
        {
            pool.do_send(ListenerNote::Output {
                name: self.name.to_string(),
                pid,
                data: data.to_vec(),
            });
        }
        match self.capture.take() {
            None => self.record_output(data, stripped, pid, None),
            Some(mut capture) => {
                let pieces = capture.feed(data);
                self.record_pieces(pieces, &mut capture, stripped, pid);
                self.capture = Some(capture);
            }
        }
    }

    fn record_pieces(
        &mut self,
        pieces: Vec<Piece>,
        capture: &mut Capture,
        stripped: &mut Vec<u8>,
        pid: i32,
    ) {
        for piece in pieces {
            match piece {
                Piece::Text { data, captured } => {
                    self.record_output(&data, stripped, pid, captured.then_some(&mut *capture))
                }
                Piece::End => {
                    let data = capture.take();
                    self.publish(|group| {
                        Event::process_communication(&self.name, group, pid, self.channel, &data)
                    });
                    mainlog::comm_event(&self.name, self.channel.as_str());
                }
            }
        }
    }

    /// Sends the event made for this stream's group to the bus, if there is one.
    fn publish(&self, event: impl FnOnce(&str) -> Event) {
        if let Some(EventOutput {
            bus: Some(bus),
            group,
            ..
        }) = self.events.as_deref()
        {
            bus.do_send(Publish(event(group)));
        }
    }

    /// Everything that happens to one piece of child output, in Supervisor's order
    /// (dispatchers.py `_log`): strip escapes, write the log (or the capture buffer between
    /// capture tokens), syslog, main log at debug level, PROCESS_LOG event.
    fn record_output(
        &mut self,
        data: &[u8],
        stripped: &mut Vec<u8>,
        pid: i32,
        capture: Option<&mut Capture>,
    ) {
        let data = if self.strip_ansi {
            stripped.clear();
            self.ansi.strip_into(data, stripped);
            &stripped[..]
        } else {
            data
        };
        if data.is_empty() {
            return;
        }
        match capture {
            Some(capture) => capture.store(data),
            None => self.write_log(data),
        }
        if self.syslog {
            let prefix = format!("{} ", self.name);
            mainlog::syslog_lines(data, prefix.as_bytes());
        }
        if tracing::enabled!(tracing::Level::DEBUG) {
            mainlog::child_output(&self.name, self.channel.as_str(), data);
        }
        let log_events = self
            .events
            .as_deref()
            .is_some_and(|events| events.events_enabled && events.listener.is_none());
        if log_events {
            self.publish(|group| Event::process_log(&self.name, group, pid, self.channel, data));
        }
    }

    /// Writes child output to the log file, each line prefixed if the stream has a prefix.
    fn write_log(&mut self, data: &[u8]) {
        if self.prefixer.is_none() {
            return self.write(data);
        }
        self.write_prefixed(|prefixer, out| prefixer.feed(data, chrono::Local::now, out));
    }

    /// Writes the line held for its newline, if any, ended (see [`super::prefix`]).
    pub(super) fn end_held_line(&mut self) {
        self.write_prefixed(LinePrefixer::end_line);
    }

    /// Writes what `fill` puts out through the prefixer.
    fn write_prefixed(&mut self, fill: impl FnOnce(&mut LinePrefixer, &mut Vec<u8>)) {
        let Some(prefixer) = self.prefixer.as_deref_mut() else {
            return;
        };
        let mut out = PREFIXED.take();
        out.clear();
        fill(prefixer, &mut out);
        if !out.is_empty() {
            self.write(&out);
        }
        PREFIXED.set(out);
    }

    /// A line held for its newline is written once it has waited [`super::prefix::HOLD_TIME`].
    pub(super) fn arm_line_timer(&mut self, ctx: &mut Context<LogWriter>) {
        let Some(prefixer) = self.prefixer.as_deref_mut() else {
            return;
        };
        let Some(due) = prefixer.held_due_in().filter(|_| prefixer.timer.is_none()) else {
            return;
        };
        let channel = self.channel;
        prefixer.timer = Some(ctx.run_later(due, move |act, ctx| {
            let Some(stream) = act.stream_mut(channel) else {
                return;
            };
            if let Some(prefixer) = stream.prefixer.as_deref_mut() {
                prefixer.timer = None;
                if prefixer.held_due_in() == Some(std::time::Duration::ZERO) {
                    stream.end_held_line();
                }
            }
            // A line held since the timer was set waits for its own due time.
            stream.arm_line_timer(ctx);
        }));
    }

    /// Writes `data` to the log file, after any backlog; what cannot be written is kept.
    fn write(&mut self, data: &[u8]) {
        if let LogFile::Discard = self.log {
            return;
        }
        if let Some(backlog) = &mut self.backlog {
            backlog.push(data);
            self.write_backlog();
            return;
        }
        match self.write_file(data) {
            Ok(()) => self.failing = false,
            Err(Unwritten { written, error }) => {
                self.report_failure(&error);
                let mut backlog = Box::<Backlog>::default();
                backlog.push(&data[written..]);
                self.backlog = Some(backlog);
            }
        }
    }

    fn write_file(&mut self, data: &[u8]) -> Result<(), Unwritten> {
        self.open()
            .map_err(|error| Unwritten { written: 0, error })?;
        match &mut self.log {
            LogFile::Open(file) => file.write_chunk(data),
            LogFile::Discard | LogFile::Unopened { .. } => Ok(()),
        }
    }

    /// Tries to write the backlog; once it is all written, says so with what was dropped.
    fn write_backlog(&mut self) {
        let Some(mut backlog) = self.backlog.take() else {
            return;
        };
        match self.write_file(backlog.pending()) {
            Ok(()) => {
                self.failing = false;
                mainlog::child_log_resumed(&self.name, self.channel.as_str(), backlog.dropped());
            }
            Err(Unwritten { written, .. }) => {
                backlog.consume(written);
                self.backlog = Some(backlog);
            }
        }
    }

    /// While there is a backlog, a timer tries it again even if the child says nothing more.
    pub(super) fn arm_backlog_retry(&mut self, ctx: &mut Context<LogWriter>) {
        if self.backlog.is_none() || self.retry.is_some() {
            return;
        }
        let channel = self.channel;
        self.retry = Some(ctx.run_interval(BACKLOG_RETRY, move |act, ctx| {
            let Some(stream) = act.stream_mut(channel) else {
                return;
            };
            stream.write_backlog();
            if stream.backlog.is_none() {
                if let Some(retry) = stream.retry.take() {
                    ctx.cancel_future(retry);
                }
            }
        }));
    }

    /// A pipe reached EOF (or failed): once the stream has no pipe left, flush what only the
    /// end of output can settle.
    pub(super) fn pipe_closed(&mut self, fd: RawFd, pid: i32) {
        self.pipes.retain(|(attached, _)| *attached != fd);
        if !self.pipes.is_empty() {
            return;
        }
        if let Some(mut capture) = self.capture.take() {
            let pieces = capture.finish();
            let mut stripped = Vec::new();
            self.record_pieces(pieces, &mut capture, &mut stripped, pid);
            self.capture = Some(capture);
        }
        let mut tail = Vec::new();
        self.ansi.finish(&mut tail);
        if !tail.is_empty() {
            self.write_log(&tail);
        }
        self.end_held_line();
    }
}
