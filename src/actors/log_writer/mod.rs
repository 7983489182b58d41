//! LogWriter: one actor per child output stream (a program's stdout or stderr). It drains the
//! child's pipe into the stream's log file with Supervisor's rotation, strips ANSI escapes and
//! copies to syslog when configured, and starts each line with a prefix when asked to
//! ([`prefix`]).
//!
//! The daemon runs every LogWriter on one dedicated Arbiter, so disk writes never block the
//! supervision thread. Reading is paced by writing: a chunk is read only after the previous one
//! has been written, into one 64 KiB buffer shared by all LogWriters of the thread, so a flooding
//! child is slowed by its own full pipe and never by the daemon's memory. Nothing is kept in
//! memory between chunks (tails read the file, as in Supervisor), except while the log cannot
//! be written: then output is kept, bounded, and written once it can be ([`backlog`]).
//!
//! A pipe is drained until EOF, even after the process respawned and attached a new pipe: a
//! grandchild may still hold the old one. An actor whose `Addr` is dropped keeps draining until
//! all its pipes reach EOF, so no child ever blocks on a full pipe.
//!
//! Output also feeds the event system from this thread ([`EventOutput`]): capture mode and
//! PROCESS_LOG events go to the Registry as [`Publish`] messages, and an event listener's
//! stdout is copied to its pool, which reads the listener protocol from it.

mod ansi;
mod auto;
mod backlog;
pub(crate) mod capture;
mod prefix;

pub use auto::{auto_log_path, clean_auto_logs};
pub use prefix::PrefixSettings;

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use actix::prelude::*;
use tokio::net::unix::pipe;
use tokio::sync::oneshot;

use self::ansi::AnsiStripper;
use self::backlog::Backlog;
use self::capture::{Capture, Piece};
use self::prefix::LinePrefixer;
use crate::actors::events::{Event, Publish};
use crate::actors::listener_pool::ListenerNote;
use crate::actors::mainlog;
pub use crate::actors::rotating::Rotation;
use crate::actors::rotating::{RotatingFile, Unwritten};
use crate::model::{ByteCount, Channel};

/// Read size: Supervisor reads 128 KiB, but 64 KiB is the default Linux pipe capacity, so one
/// read empties a full pipe.
const READ_SIZE: usize = 64 * 1024;

/// The pipe size and read size for a child that fills its pipe: a flooding child gets a 1 MiB
/// pipe (F_SETPIPE_SZ), so its output is moved in 16 times fewer wake-ups and syscalls. Only
/// pipes seen full are grown: the kernel charges pipe capacity to the user, and a thousand
/// quiet programs must not use that budget up.
const BIG_READ_SIZE: usize = 1024 * 1024;
/// Chunks one pipe may process per wake-up before letting the thread's other LogWriters run.
const CHUNKS_PER_POLL: usize = 16;
/// How often output kept while the log could not be written is tried again, when no new
/// output comes to try it sooner.
const BACKLOG_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// One stream's logging options, resolved by the daemon (AUTO already turned into a path).
/// The name and path are shared with the Process and its snapshots, not copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogWriterSettings {
    /// The process name (`web`, `web_00`): the syslog prefix and main-log name.
    pub name: Arc<str>,
    pub channel: Channel,
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

/// Start draining this pipe (the read end of a child's stdout or stderr) until EOF.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach {
    pub pipe: OwnedFd,
    /// The child writing to it, for event payloads.
    pub pid: i32,
}

/// SIGUSR2: reopen the log file by name (after logrotate moved it).
#[derive(Message)]
#[rtype(result = "io::Result<()>")]
pub struct Reopen;

/// clearProcessLogs: empty the log file and remove its backups.
#[derive(Message)]
#[rtype(result = "io::Result<()>")]
pub struct Clear;

/// Reply once every attached pipe has reached EOF and its output is written (at once if none is
/// attached). A grandchild holding a pipe open delays this indefinitely: await it with a timeout.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drained;

/// Write what the attached pipes hold right now, before answering. Sent when the child has
/// exited: all it wrote is in its pipe then, and its exit is handled after its output, as
/// Supervisor's loop reads output before it reaps. What a grandchild writes later comes in
/// its turn; EOF is left to the pipe's [`Drain`].
#[derive(Message)]
#[rtype(result = "()")]
pub struct Flush;

/// The process is gone for good (its group was removed): stop this writer. Pipes still
/// attached are closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Close;

/// The actor. See the module doc.
///
/// A daemon runs two per program, so what most streams never use is boxed (or absent) rather
/// than inline: each writer is one allocation of this struct plus actix's context, and a
/// thousand programs pay for every byte twice over.
pub struct LogWriter {
    /// The settings' fields but the prefix, which became `prefixer`, and the path and
    /// rotation, which are in `log`.
    name: Arc<str>,
    channel: Channel,
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
    /// owned, and closed, by its [`Drain`].
    pipes: Vec<(RawFd, i32)>,
    drained: Vec<oneshot::Sender<()>>,
    /// Counts every byte read from the child on this stream (the metrics' log bytes).
    bytes: Option<ByteCount>,
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

/// Buffers shared by all LogWriters of one thread: each chunk is read, processed and written
/// before the next read, so one set serves them all and memory does not grow with programs.
struct Scratch {
    read: Vec<u8>,
    stripped: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { read: Vec::new(), stripped: Vec::new() })
    };
    /// Prefixed output on its way to the file. Apart from SCRATCH, which is borrowed while a
    /// chunk is handled.
    static PREFIXED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl LogWriter {
    /// A LogWriter for `settings`. Opens the log file now; if that fails the error is logged and
    /// opening is retried with the next output. Use [`LogWriter::try_new`] to report the failure
    /// instead (Supervisor turns it into a spawn error).
    pub fn new(settings: LogWriterSettings) -> Self {
        let mut writer = LogWriter::new_unopened(settings);
        if let Err(e) = writer.open() {
            writer.report_failure(&e);
        }
        writer
    }

    /// Like [`LogWriter::new`], but fails if the log file cannot be opened.
    pub fn try_new(settings: LogWriterSettings) -> io::Result<Self> {
        let mut writer = LogWriter::new_unopened(settings);
        writer.open()?;
        Ok(writer)
    }

    fn new_unopened(settings: LogWriterSettings) -> Self {
        let LogWriterSettings {
            name,
            channel,
            path,
            rotation,
            strip_ansi,
            syslog,
            prefix,
        } = settings;
        // Output that goes to no file needs no prefix.
        let prefixer = prefix
            .filter(|_| path.is_some())
            .and_then(|prefix| LinePrefixer::new(&prefix, channel))
            .map(Box::new);
        LogWriter {
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
            drained: Vec::new(),
            bytes: None,
            events: None,
            capture: None,
            prefixer,
        }
    }

    /// Also count the bytes read from the child into `bytes`.
    pub fn with_byte_count(mut self, bytes: ByteCount) -> Self {
        self.bytes = Some(bytes);
        self
    }

    /// Also feed the event system from this stream (see [`EventOutput`]).
    pub fn with_events(mut self, events: EventOutput) -> Self {
        // A listener's stdout is its protocol channel: Supervisor neither captures it nor
        // emits log events for it.
        if events.capture_maxbytes > 0 && events.listener.is_none() {
            self.capture = Some(Box::new(Capture::new(events.capture_maxbytes)));
        }
        self.events = Some(Box::new(events));
        self
    }

    fn open(&mut self) -> io::Result<()> {
        if let LogFile::Unopened { path, rotation } = &self.log {
            self.log = LogFile::Open(RotatingFile::open(path.clone(), *rotation)?);
        }
        Ok(())
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
    fn handle_chunk(&mut self, data: &[u8], stripped: &mut Vec<u8>, pid: i32) {
        if let Some(bytes) = &self.bytes {
            bytes.add(data.len());
        }
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

    /// Writes the line held for its newline, if any, ended (see [`prefix`]).
    fn end_held_line(&mut self) {
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

    /// A line held for its newline is written once it has waited [`prefix::HOLD_TIME`].
    fn arm_line_timer(&mut self, ctx: &mut Context<Self>) {
        let Some(prefixer) = self.prefixer.as_deref_mut() else {
            return;
        };
        let Some(due) = prefixer.held_due_in().filter(|_| prefixer.timer.is_none()) else {
            return;
        };
        prefixer.timer = Some(ctx.run_later(due, |act, ctx| {
            if let Some(prefixer) = act.prefixer.as_deref_mut() {
                prefixer.timer = None;
                if prefixer.held_due_in() == Some(std::time::Duration::ZERO) {
                    act.end_held_line();
                }
            }
            // A line held since the timer was set waits for its own due time.
            act.arm_line_timer(ctx);
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
    fn arm_backlog_retry(&mut self, ctx: &mut Context<Self>) {
        if self.backlog.is_none() || self.retry.is_some() {
            return;
        }
        self.retry = Some(ctx.run_interval(BACKLOG_RETRY, |act, ctx| {
            act.write_backlog();
            if act.backlog.is_none() {
                if let Some(retry) = act.retry.take() {
                    ctx.cancel_future(retry);
                }
            }
        }));
    }

    /// A pipe reached EOF (or failed): flush what only the end of output can settle.
    fn pipe_closed(&mut self, fd: RawFd, pid: i32) {
        self.pipes.retain(|(attached, _)| *attached != fd);
        if self.pipes.is_empty() {
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
            for tx in self.drained.drain(..) {
                let _ = tx.send(());
            }
        }
    }
}

impl Actor for LogWriter {
    type Context = Context<Self>;

    fn stopping(&mut self, _: &mut Context<Self>) -> Running {
        self.end_held_line();
        Running::Stop
    }
}

impl Handler<Attach> for LogWriter {
    type Result = ();

    fn handle(&mut self, Attach { pipe, pid }: Attach, ctx: &mut Context<Self>) {
        // Registering with tokio here puts the pipe on this actor's thread; `from_owned_fd`
        // also makes it non-blocking.
        match pipe::Receiver::from_owned_fd(pipe) {
            Ok(rx) => {
                self.pipes.push((rx.as_raw_fd(), pid));
                ctx.spawn(Drain {
                    rx,
                    pid,
                    grown: false,
                });
            }
            Err(e) => tracing::warn!(
                "cannot read {} of {}: {e}",
                self.channel.as_str(),
                self.name
            ),
        }
    }
}

impl Handler<Reopen> for LogWriter {
    type Result = io::Result<()>;

    fn handle(&mut self, _: Reopen, _: &mut Context<Self>) -> io::Result<()> {
        match &mut self.log {
            LogFile::Open(file) => file.reopen(),
            LogFile::Discard | LogFile::Unopened { .. } => self.open(),
        }
    }
}

impl Handler<Clear> for LogWriter {
    type Result = io::Result<()>;

    fn handle(&mut self, _: Clear, _: &mut Context<Self>) -> io::Result<()> {
        match &mut self.log {
            LogFile::Open(file) => file.clear(),
            LogFile::Discard | LogFile::Unopened { .. } => Ok(()),
        }
    }
}

impl Handler<Close> for LogWriter {
    type Result = ();

    fn handle(&mut self, _: Close, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<Drained> for LogWriter {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drained, _: &mut Context<Self>) -> ResponseFuture<()> {
        if self.pipes.is_empty() {
            return Box::pin(async {});
        }
        let (tx, rx) = oneshot::channel();
        self.drained.push(tx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

impl Handler<Flush> for LogWriter {
    type Result = ();

    fn handle(&mut self, _: Flush, ctx: &mut Context<Self>) {
        SCRATCH.with_borrow_mut(|Scratch { read, stripped }| {
            if read.len() < READ_SIZE {
                read.resize(READ_SIZE, 0);
            }
            for (fd, pid) in self.pipes.clone() {
                // Only what is there now: a grandchild flooding the pipe cannot keep us here.
                let mut pending: libc::c_int = 0;
                // SAFETY: FIONREAD on a pipe fd that this writer's Drain keeps open.
                if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut pending) } < 0 {
                    continue;
                }
                let mut left = pending as usize;
                while left > 0 {
                    let size = left.min(read.len());
                    // SAFETY: a non-blocking read into a buffer of at least `size` bytes.
                    let n = unsafe { libc::read(fd, read.as_mut_ptr().cast(), size) };
                    if n <= 0 {
                        break;
                    }
                    self.handle_chunk(&read[..n as usize], stripped, pid);
                    left -= n as usize;
                }
            }
        });
        // The child has exited: the rest of its last line will not come.
        self.end_held_line();
        self.arm_backlog_retry(ctx);
    }
}

/// Drains one pipe. An actor future rather than a stream of messages so that each chunk is
/// written, synchronously and in order, before the next read: that is the backpressure.
struct Drain {
    rx: pipe::Receiver,
    pid: i32,
    /// The pipe was found full once and enlarged (or that was refused): read big chunks.
    grown: bool,
}

impl Drain {
    fn grow(&mut self) {
        self.grown = true;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&self.rx);
        // SAFETY: fcntl on a pipe fd we own; F_SETPIPE_SZ takes an int. A refusal (EPERM past
        // the user's pipe budget) only leaves the pipe at its size.
        if unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, BIG_READ_SIZE as libc::c_int) } < 0 {
            tracing::debug!("pipe stays at its size: {}", io::Error::last_os_error());
        }
    }
}

impl ActorFuture<LogWriter> for Drain {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        act: &mut LogWriter,
        ctx: &mut Context<LogWriter>,
        task: &mut TaskContext<'_>,
    ) -> Poll<()> {
        let this = self.get_mut();
        SCRATCH.with_borrow_mut(|scratch| {
            let Scratch { read, stripped } = scratch;
            let size = if this.grown { BIG_READ_SIZE } else { READ_SIZE };
            if read.len() < size {
                read.resize(size, 0);
            }
            let read = &mut read[..size];
            let mut chunks = 0;
            loop {
                match this.rx.poll_read_ready(task) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => {
                        tracing::debug!(name = %act.name, error = %e, "pipe not readable");
                        act.pipe_closed(this.rx.as_raw_fd(), this.pid);
                        return Poll::Ready(());
                    }
                    Poll::Ready(Ok(())) => {}
                }
                match this.rx.try_read(read) {
                    Ok(0) => {
                        act.pipe_closed(this.rx.as_raw_fd(), this.pid);
                        return Poll::Ready(());
                    }
                    Ok(n) => {
                        act.handle_chunk(&read[..n], stripped, this.pid);
                        act.arm_backlog_retry(ctx);
                        act.arm_line_timer(ctx);
                        if n == size && !this.grown {
                            this.grow();
                        }
                        chunks += 1;
                        if chunks == CHUNKS_PER_POLL {
                            // Fairness: let other LogWriters on this thread have a turn.
                            task.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                    }
                    // Spurious readiness: try_read cleared it, poll_read_ready waits again.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        tracing::debug!(name = %act.name, error = %e, "pipe read failed");
                        act.pipe_closed(this.rx.as_raw_fd(), this.pid);
                        return Poll::Ready(());
                    }
                }
            }
        })
    }
}
