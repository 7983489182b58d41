//! LogWriter: one actor per program, reading its child's output pipes (stdout, and stderr
//! unless redirected) into each stream's log file with Supervisor's rotation. What happens to
//! a stream's output is [`stream`]'s: ANSI stripping, syslog, line prefixes ([`prefix`]),
//! capture mode, events; this actor owns the pipes, the reading and the messages.
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
//! PROCESS_LOG events go to the Registry as `Publish` messages, and an event listener's
//! stdout is copied to its pool, which reads the listener protocol from it.

mod ansi;
mod auto;
mod backlog;
pub(crate) mod capture;
mod prefix;
mod readiness;
mod stream;

pub use auto::{auto_log_path, clean_auto_logs};
pub use prefix::PrefixSettings;
pub use stream::{EventOutput, StreamSettings};

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use actix::prelude::*;
use tokio::sync::oneshot;

use self::readiness::PipeReader;
use self::stream::StreamWriter;
pub use crate::actors::rotating::Rotation;
use crate::model::Channel;

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

/// Start draining this pipe (the read end of the child's `channel`) until EOF.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach {
    pub pipe: OwnedFd,
    pub channel: Channel,
    /// The child writing to it, for event payloads.
    pub pid: i32,
}

/// SIGUSR2: reopen both log files by name (after logrotate moved them). Both are tried; the
/// first failure is the answer.
#[derive(Message)]
#[rtype(result = "io::Result<()>")]
pub struct Reopen;

/// clearProcessLogs: empty both log files and remove their backups, stdout first; a failure
/// stops there and is the answer.
#[derive(Message)]
#[rtype(result = "io::Result<()>")]
pub struct Clear;

/// Reply once every attached pipe, of both streams, has reached EOF and its output is written
/// (at once if none is attached). A grandchild holding a pipe open delays this indefinitely:
/// await it with a timeout.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drained;

/// Write what the attached pipes hold right now, stdout's then stderr's, before answering.
/// Sent when the child has exited: all it wrote is in its pipes then, and its exit is handled
/// after its output, as Supervisor's loop reads output before it reaps. What a grandchild
/// writes later comes in its turn; EOF is left to the pipe's [`Drain`].
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
/// A daemon runs one per program: each is one allocation of this struct plus actix's context
/// and mailbox, so both streams share them rather than paying for two.
pub struct LogWriter {
    /// The process name, for what is logged about its pipes.
    name: Arc<str>,
    /// Absent when the stream's output is not read (NONE and nothing else wants it).
    stdout: Option<StreamWriter>,
    /// Absent with redirect_stderr too.
    stderr: Option<StreamWriter>,
    /// [`Drained`] requests waiting for the last pipe's EOF.
    drained: Vec<oneshot::Sender<()>>,
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
}

impl LogWriter {
    /// A LogWriter for process `name`'s streams. Opens their log files now; one that fails to
    /// open is logged and retried with its next output.
    pub fn new(
        name: Arc<str>,
        stdout: Option<StreamSettings>,
        stderr: Option<StreamSettings>,
    ) -> Self {
        let stream = |channel, settings| StreamWriter::new(name.clone(), channel, settings);
        LogWriter {
            stdout: stdout.map(|settings| stream(Channel::Stdout, settings)),
            stderr: stderr.map(|settings| stream(Channel::Stderr, settings)),
            name,
            drained: Vec::new(),
        }
    }

    fn stream_mut(&mut self, channel: Channel) -> Option<&mut StreamWriter> {
        match channel {
            Channel::Stdout => self.stdout.as_mut(),
            Channel::Stderr => self.stderr.as_mut(),
        }
    }

    /// The streams present, stdout first.
    fn streams_mut(&mut self) -> impl Iterator<Item = &mut StreamWriter> {
        self.stdout.iter_mut().chain(self.stderr.iter_mut())
    }

    /// Whether a pipe of either stream is still attached.
    fn has_pipes(&self) -> bool {
        (self.stdout.iter().chain(&self.stderr)).any(|stream| !stream.pipes().is_empty())
    }

    /// A chunk read from a pipe of `channel`: recorded, and the timers it may need armed.
    fn handle_chunk(
        &mut self,
        channel: Channel,
        data: &[u8],
        stripped: &mut Vec<u8>,
        pid: i32,
        ctx: &mut Context<Self>,
    ) {
        if let Some(stream) = self.stream_mut(channel) {
            stream.handle_chunk(data, stripped, pid);
            stream.arm_backlog_retry(ctx);
            stream.arm_line_timer(ctx);
        }
    }

    /// A pipe of `channel` reached EOF (or failed); the last one answers [`Drained`].
    fn pipe_closed(&mut self, channel: Channel, fd: RawFd, pid: i32) {
        if let Some(stream) = self.stream_mut(channel) {
            stream.pipe_closed(fd, pid);
        }
        if !self.has_pipes() {
            for tx in self.drained.drain(..) {
                let _ = tx.send(());
            }
        }
    }
}

impl Actor for LogWriter {
    type Context = Context<Self>;

    fn stopping(&mut self, _: &mut Context<Self>) -> Running {
        self.streams_mut().for_each(StreamWriter::end_held_line);
        Running::Stop
    }
}

impl Handler<Attach> for LogWriter {
    type Result = ();

    fn handle(&mut self, Attach { pipe, channel, pid }: Attach, ctx: &mut Context<Self>) {
        // A stream nobody reads has no pipe; one sent anyway is closed here.
        let Some(stream) = self.stream_mut(channel) else {
            return;
        };
        // Registering here puts the pipe in this actor's thread's epoll set; it is also made
        // non-blocking.
        match PipeReader::register(pipe) {
            Ok(rx) => {
                stream.attach(rx.as_raw_fd(), pid);
                ctx.spawn(Drain {
                    rx,
                    channel,
                    pid,
                    grown: false,
                });
            }
            Err(e) => tracing::warn!("cannot read {} of {}: {e}", channel.as_str(), self.name),
        }
    }
}

impl Handler<Reopen> for LogWriter {
    type Result = io::Result<()>;

    fn handle(&mut self, _: Reopen, _: &mut Context<Self>) -> io::Result<()> {
        // Each stream is reopened whatever an earlier one did; the first failure is the answer.
        let mut answer = Ok(());
        for stream in self.streams_mut() {
            let reopened = stream.reopen();
            answer = answer.and(reopened);
        }
        answer
    }
}

impl Handler<Clear> for LogWriter {
    type Result = io::Result<()>;

    fn handle(&mut self, _: Clear, _: &mut Context<Self>) -> io::Result<()> {
        self.streams_mut().try_for_each(StreamWriter::clear)
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
        if !self.has_pipes() {
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
        for stream in self.streams_mut() {
            SCRATCH.with_borrow_mut(|Scratch { read, stripped }| {
                if read.len() < READ_SIZE {
                    read.resize(READ_SIZE, 0);
                }
                for (fd, pid) in stream.pipes().to_vec() {
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
                        stream.handle_chunk(&read[..n as usize], stripped, pid);
                        left -= n as usize;
                    }
                }
            });
            // The child has exited: the rest of its last line will not come.
            stream.end_held_line();
            stream.arm_backlog_retry(ctx);
        }
    }
}

/// Drains one pipe. An actor future rather than a stream of messages so that each chunk is
/// written, synchronously and in order, before the next read: that is the backpressure.
struct Drain {
    rx: PipeReader,
    /// The stream it feeds.
    channel: Channel,
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
                match this.rx.poll_read(task, read) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(0)) => {
                        act.pipe_closed(this.channel, this.rx.as_raw_fd(), this.pid);
                        return Poll::Ready(());
                    }
                    Poll::Ready(Ok(n)) => {
                        act.handle_chunk(this.channel, &read[..n], stripped, this.pid, ctx);
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
                    Poll::Ready(Err(e)) => {
                        tracing::debug!(name = %act.name, error = %e, "pipe read failed");
                        act.pipe_closed(this.channel, this.rx.as_raw_fd(), this.pid);
                        return Poll::Ready(());
                    }
                }
            }
        })
    }
}
