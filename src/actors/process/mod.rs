//! Process: one child's life. The state machine is machine.rs, a pure function; this actor
//! feeds it requests, spawn results, exits and timer expiries, and carries out what it says:
//! spawn, kill(2), timers, main-log lines, state changes reported upward as [`StateChanged`]
//! (so this file never names the Registry), and the answers to waiting requests.

mod child_env;
mod exits;
mod health;
mod machine;
mod notify;
mod probe_tls;
mod readiness;
mod requests;
mod stdin;

use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::sync::oneshot;

pub use stdin::StdinError;

use super::events::Publish;
use super::fcgi_socket::{SocketLease, SocketManager};
use super::listener_pool::ListenerNote;
use super::log_writer::{
    self, Attach, EventOutput, LogWriter, PrefixSettings, Rotation, StreamSettings,
};
use super::mainlog;
use crate::config::{LogStreamConfig, LogTarget, ProcessConfig};
use crate::model::{
    namespec, ByteCount, Channel, EssentialEnded, ProcessInfo, ProcessState, StateChanged,
};
use crate::spawn::{self, Output, SpawnError, Spawned, StdinSource};
pub use child_env::DaemonContext;
pub use exits::route_exit;
use exits::Exited;
use machine::{Core, Effect, Input, Limits, Line, Now, Purpose, Refusal, Snapshot};

/// Why a start request failed; the RPC layer maps each to a Fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    NoFile(String),
    #[error("{0}")]
    NotExecutable(String),
    #[error("already started")]
    AlreadyStarted,
    #[error("{0} is in an unknown process state")]
    UnknownState(String),
    #[error("spawn error")]
    SpawnError,
    #[error("abnormal termination")]
    AbnormalTermination,
    #[error("shutting down")]
    ShuttingDown,
}

/// Why a stop or signal request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StopError {
    #[error("not running")]
    NotRunning,
    #[error("{0}")]
    Failed(String),
}

/// Start this process unless it is up. With `wait`, reply once it is RUNNING, or with why not.
#[derive(Message)]
#[rtype(result = "Result<(), StartError>")]
pub struct Start {
    pub wait: bool,
}

/// Start it if its config says autostart (the first pass of supervisord's main loop).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Autostart;

/// Stop this process. With `wait`, reply once it has settled in a stopped state.
#[derive(Message)]
#[rtype(result = "Result<(), StopError>")]
pub struct Stop {
    pub wait: bool,
}

/// Supervisor is going down: stop as `stop_all` does (BACKOFF gives up to FATAL), never
/// restart again, and reply once settled, with the log writer whose pipes a grandchild may
/// still hold open: the Registry drains them all at once, with one bound.
#[derive(Message)]
#[rtype(result = "Option<Addr<LogWriter>>")]
pub struct StopForShutdown;

/// Send a signal without intending to stop it (signalProcess).
#[derive(Message)]
#[rtype(result = "Result<(), StopError>")]
pub struct SendSignal {
    pub sig: i32,
}

/// Write to the child's stdin (sendProcessStdin).
#[derive(Message)]
#[rtype(result = "Result<(), StdinError>")]
pub struct WriteStdin {
    pub data: Vec<u8>,
}

/// Reopen both log files (SIGUSR2).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReopenLogs;

/// A start that will not happen, and why (a dependency went FATAL): the process stays
/// STOPPED, with the reason as its spawnerr.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Block(pub String);

/// Truncate both log files and drop their backups (clearProcessLogs).
#[derive(Message)]
#[rtype(result = "Result<(), StopError>")]
pub struct ClearLogs;

/// Whom a process reports to. One per group, shared by its processes: each Recipient clone
/// is an allocation.
pub struct Links {
    /// The Registry's side, the same for every group.
    pub registry: Arc<RegistryLinks>,
    /// For an event listener: its pool, told of every spawn (with the child's stdin), every
    /// state change, and (through the LogWriter) every byte of stdout.
    pub pool: Option<Recipient<ListenerNote>>,
    /// For an `[fcgi-program:x]`: the group's socket, each child's fd 0 (the Group makes it).
    pub fcgi_socket: Option<Arc<SocketManager>>,
}

/// The Registry's recipients, made once and shared by every group: a Recipient is three
/// allocations (actix's sender handles), which a thousand groups would each repeat.
pub struct RegistryLinks {
    /// Told of every state change.
    pub observer: Recipient<StateChanged>,
    /// Told when an essential process ends for good.
    pub essential: Recipient<EssentialEnded>,
    /// The event bus, for capture mode and PROCESS_LOG events from its output.
    pub bus: Option<Recipient<Publish>>,
}

/// One stream's log as the snapshots show it: its file (if any) and what was read from it.
#[derive(Default)]
struct StreamLog {
    path: Option<Arc<Path>>,
    bytes: ByteCount,
}

struct Logs {
    /// Reads the child's pipes, both streams'; none when neither stream has one.
    writer: Option<Addr<LogWriter>>,
    stdout: StreamLog,
    /// Nothing with redirect_stderr.
    stderr: StreamLog,
}

/// A start or stop request waiting for its outcome (rpcinterface's onwait).
enum Waiter {
    Start(oneshot::Sender<Result<(), StartError>>),
    Stop(oneshot::Sender<()>),
}

/// The process actor.
pub struct Process {
    config: Arc<ProcessConfig>,
    /// The names every snapshot carries, shared rather than copied into each.
    name: Arc<str>,
    group: Arc<str>,
    daemon: Arc<DaemonContext>,
    links: Arc<Links>,
    /// The state machine's own state.
    core: Core,
    /// A child spawned and not yet wired up: [`Effect::ChildUp`] takes it.
    newborn: Option<Spawned>,
    stdin: Option<stdin::Stdin>,
    /// With an fcgi socket: this child's hold on it, from its spawn until it is reaped.
    socket_lease: Option<SocketLease>,
    /// None while neither stream is logged anywhere (boxed: a thousand programs with no
    /// logs then carry no room for them).
    logs: Option<Box<Logs>>,
    /// Start and stop requests waiting for the outcome.
    waiters: Vec<Waiter>,
    stop_report: Option<SpawnHandle>,
    /// The machine's one live timer: each phase has at most one, and a change of state or a
    /// re-arm makes the old one pointless, so it is cancelled rather than left to fire idle
    /// (a stop's SIGKILL timer would otherwise be kept stopwaitsecs after every stop).
    timer: Option<SpawnHandle>,
    /// With ready_notify: the NOTIFY_SOCKET its children get.
    notify_socket: Option<String>,
    /// A health-check command under way, whose exit the reaper routes here.
    probe: Option<health::RunningProbe>,
    /// Children spawned so far (the metrics' restarts).
    spawns: u32,
}

impl Process {
    /// `name` is the config's name, shared with the snapshots that carry it.
    pub fn new(
        config: Arc<ProcessConfig>,
        name: Arc<str>,
        group: Arc<str>,
        daemon: Arc<DaemonContext>,
        links: Arc<Links>,
    ) -> Self {
        Process {
            name,
            config,
            group,
            daemon,
            links,
            core: Core::default(),
            newborn: None,
            stdin: None,
            socket_lease: None,
            logs: None,
            waiters: Vec::new(),
            stop_report: None,
            timer: None,
            notify_socket: None,
            probe: None,
            spawns: 0,
        }
    }

    /// The writer of both streams' logs.
    fn writer(&self) -> Option<Addr<LogWriter>> {
        self.logs.as_deref().and_then(|logs| logs.writer.clone())
    }

    fn log_path(&self, pick: impl Fn(&Logs) -> &StreamLog) -> Option<Arc<Path>> {
        self.logs
            .as_deref()
            .and_then(|logs| pick(logs).path.clone())
    }

    fn log_bytes(&self, pick: impl Fn(&Logs) -> &StreamLog) -> ByteCount {
        self.logs
            .as_deref()
            .map(|logs| pick(logs).bytes.clone())
            .unwrap_or_default()
    }

    fn info(&self, snapshot: &Snapshot) -> ProcessInfo {
        ProcessInfo {
            name: self.name.clone(),
            group: self.group.clone(),
            state: snapshot.state,
            start: snapshot.laststart as i64,
            stop: snapshot.laststop as i64,
            pid: snapshot.pid,
            exitstatus: snapshot.exitstatus,
            spawnerr: snapshot.spawnerr.clone().unwrap_or_default(),
            stdout_logfile: self.log_path(|logs| &logs.stdout),
            stderr_logfile: self.log_path(|logs| &logs.stderr),
            ready: snapshot.ready,
            health: snapshot.health,
            spawns: self.spawns,
            stdout_bytes: self.log_bytes(|logs| &logs.stdout),
            stderr_bytes: self.log_bytes(|logs| &logs.stderr),
        }
    }

    /// Opens the log writer (once per process life, as Supervisor keeps its loggers across
    /// restarts), resolving AUTO names in childlogdir.
    fn open_logs(&mut self) {
        let config = self.config.clone();
        let (stdout, stdout_settings) = self.open_log(Channel::Stdout, &config.stdout);
        let (stderr, stderr_settings) = if config.redirect_stderr {
            (StreamLog::default(), None)
        } else {
            self.open_log(Channel::Stderr, &config.stderr)
        };
        let writer = (stdout_settings.is_some() || stderr_settings.is_some()).then(|| {
            let name = self.name.clone();
            LogWriter::start_in_arbiter(&self.daemon.log_arbiter, move |_| {
                LogWriter::new(name, stdout_settings, stderr_settings)
            })
        });
        let logged = writer.is_some() || stdout.path.is_some() || stderr.path.is_some();
        self.logs = logged.then(|| {
            Box::new(Logs {
                writer,
                stdout,
                stderr,
            })
        });
    }

    /// One stream's log, and what its writer needs when its pipe is to be read.
    fn open_log(
        &self,
        channel: Channel,
        stream: &LogStreamConfig,
    ) -> (StreamLog, Option<StreamSettings>) {
        let path = match &stream.logfile {
            LogTarget::Path(p) => Some(p.clone()),
            LogTarget::Auto => {
                match log_writer::auto_log_path(
                    &self.daemon.childlogdir,
                    &self.config.name,
                    channel,
                    &self.daemon.identifier,
                ) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::error!("cannot create AUTO log for {}: {e}", self.config.name);
                        None
                    }
                }
            }
            LogTarget::None | LogTarget::Syslog => None,
        };
        let path: Option<Arc<Path>> = path.map(Arc::from);
        let log = StreamLog {
            path: path.clone(),
            bytes: ByteCount::default(),
        };
        let listener_stdout = channel == Channel::Stdout && self.links.pool.is_some();
        if child_env::output(stream, listener_stdout) == Output::Discard {
            return (log, None);
        }
        // Only a stream that feeds events holds the bus: each Recipient clone is an
        // allocation, and most streams never publish.
        let events = (stream.capture_maxbytes > 0 || stream.events_enabled || listener_stdout)
            .then(|| EventOutput {
                group: self.group.clone(),
                capture_maxbytes: stream.capture_maxbytes,
                events_enabled: stream.events_enabled,
                bus: self.links.registry.bus.clone(),
                listener: match channel {
                    Channel::Stdout => self.links.pool.clone(),
                    Channel::Stderr => None,
                },
            });
        let settings = StreamSettings {
            path,
            rotation: Rotation {
                maxbytes: stream.logfile_maxbytes,
                backups: stream.logfile_backups,
                by: stream.logfile_rotate,
                compress: stream.logfile_compress,
            },
            strip_ansi: self.daemon.strip_ansi,
            syslog: stream.syslog,
            prefix: (!stream.prefix.is_empty()).then(|| PrefixSettings {
                fields: stream.prefix,
                name: namespec(&self.group, &self.config.name),
            }),
            bytes: log.bytes.clone(),
            events,
        };
        (log, Some(settings))
    }

    /// Feeds `input` to the machine and carries out its effects, feeding back what they
    /// produce, at once and in order (a spawn's pid, a failed kill).
    fn feed(&mut self, input: Input, ctx: &mut Context<Self>) -> Outcome {
        let mut outcome = Outcome::default();
        self.feed_into(input, ctx, &mut outcome);
        outcome
    }

    fn feed_into(&mut self, input: Input, ctx: &mut Context<Self>, outcome: &mut Outcome) {
        let config = self.config.clone();
        let effects = machine::step(&mut self.core, input, &Limits::of(&config), now());
        for effect in effects {
            if let Some(next) = self.carry_out(effect, ctx, outcome) {
                self.feed_into(next, ctx, outcome);
            }
        }
    }

    /// Does what the machine said; returns what it produced, for the machine.
    fn carry_out(
        &mut self,
        effect: Effect,
        ctx: &mut Context<Self>,
        outcome: &mut Outcome,
    ) -> Option<Input> {
        let name = &self.config.name;
        match effect {
            Effect::Spawn => return Some(Input::Spawned(self.spawn_child())),
            Effect::ChildUp => self.wire_up(ctx),
            Effect::ChildGone => {
                self.stdin = None;
                outcome.released_socket = self.socket_lease.take();
            }
            Effect::Signal {
                target,
                pid,
                sig,
                purpose,
            } => {
                let failure = self.deliver(target, pid, sig, purpose)?;
                outcome.failure = Some(failure);
                return Some(Input::SignalFailed(purpose));
            }
            Effect::Arm {
                timer,
                after,
                epoch,
            } => {
                self.cancel_timer(ctx);
                self.timer = Some(ctx.run_later(after, move |act, ctx| {
                    act.timer = None;
                    act.feed(Input::Timer { timer, epoch }, ctx);
                }));
            }
            Effect::Log(line) => log_line(name, line),
            Effect::Changed {
                from,
                snapshot,
                expected,
                tries,
                pid,
            } => {
                self.cancel_timer(ctx);
                self.publish(from, snapshot, expected, tries, pid, ctx)
            }
            Effect::Refused(refusal) => outcome.refusal = Some(refusal),
            Effect::Probe { epoch } => self.probe(epoch, ctx),
            Effect::Refreshed { snapshot } => {
                self.links.registry.observer.do_send(StateChanged {
                    info: self.info(&snapshot),
                    from: snapshot.state,
                    expected: true,
                    tries: 0,
                    pid: snapshot.pid,
                });
            }
            Effect::EssentialEnded { status } => {
                self.links.registry.essential.do_send(EssentialEnded {
                    name: self.name.clone(),
                    state: self.core.state(),
                    status,
                })
            }
        }
        None
    }

    fn cancel_timer(&mut self, ctx: &mut Context<Self>) {
        if let Some(handle) = self.timer.take() {
            ctx.cancel_future(handle);
        }
    }

    /// Starts the child; keeps it for [`Effect::ChildUp`]. The pid is known before the
    /// STARTING snapshot goes out, so getProcessInfo shows it during STARTING as Supervisor's
    /// does (its spawn() returns with the pid).
    fn spawn_child(&mut self) -> Result<i32, String> {
        let mut spec = self
            .daemon
            .child_spec(&self.config, &self.group, self.links.pool.is_some())
            .map_err(|e| e.to_string())?;
        if self.config.ready_notify {
            let socket = self
                .notify_socket
                .as_deref()
                .ok_or("no notify socket for ready_notify (see the main log)")?;
            spec.env.retain(|(key, _)| key != "NOTIFY_SOCKET");
            spec.env.push(("NOTIFY_SOCKET".into(), socket.into()));
        }
        // Taken before the spawn and dropped with a failed one, as Supervisor's
        // FastCGISubprocess holds its socket.
        let lease = match &self.links.fcgi_socket {
            Some(manager) => Some(manager.lease()?),
            None => None,
        };
        if let Some(lease) = &lease {
            spec.stdin = StdinSource::Socket(lease.socket().clone());
        }
        let spawned = spawn::spawn(&spec).map_err(|e| e.to_string())?;
        let pid = spawned.pid;
        self.newborn = Some(spawned);
        self.socket_lease = lease;
        self.spawns += 1;
        Ok(pid)
    }

    /// The new child is ours: the reaper routes its exit here, its pool learns of it, its
    /// pipes go to the log writer.
    fn wire_up(&mut self, ctx: &mut Context<Self>) {
        let Some(child) = self.newborn.take() else {
            return;
        };
        exits::watch(child.pid, ctx.address());
        if let Some(pool) = &self.links.pool {
            // Before the stdout pipe is attached, so that no output of this child can reach
            // the pool ahead of the news that it exists.
            match child.stdin.as_ref().map(OwnedFd::try_clone).transpose() {
                Ok(Some(stdin)) => pool.do_send(ListenerNote::Spawned {
                    name: self.config.name.clone(),
                    pid: child.pid,
                    stdin,
                }),
                Ok(None) => {}
                Err(e) => tracing::warn!(
                    "cannot hand the stdin of {} to its pool: {e}",
                    self.config.name
                ),
            }
        }
        self.stdin = child.stdin.map(stdin::Stdin::new);
        let pid = child.pid;
        if let Some(writer) = self.writer() {
            for (pipe, channel) in [
                (child.stdout, Channel::Stdout),
                (child.stderr, Channel::Stderr),
            ] {
                if let Some(pipe) = pipe {
                    writer.do_send(Attach { pipe, channel, pid });
                }
            }
        }
    }

    /// Sends `sig` to `target` (a pid, or minus a process group). A child that is already gone
    /// (ESRCH) is not an error: its exit is on its way to the reaper. Any other failure is
    /// returned, worded as Supervisor logs it: the machine makes the process UNKNOWN.
    fn deliver(&self, target: i32, pid: i32, sig: i32, purpose: Purpose) -> Option<String> {
        let name = &self.config.name;
        let result = Signal::try_from(sig).and_then(|sig| kill(Pid::from_raw(target), sig));
        match result {
            Ok(()) => None,
            Err(nix::errno::Errno::ESRCH) => {
                let err = nix::errno::Errno::ESRCH.desc();
                match purpose {
                    Purpose::Stop => mainlog::kill_esrch(name, pid, err),
                    Purpose::Signal => mainlog::signal_esrch(name, pid, err),
                }
                None
            }
            Err(e) => Some(match purpose {
                Purpose::Stop => mainlog::kill_failed(name, pid, e.desc()),
                Purpose::Signal => mainlog::signal_failed(name, pid, e.desc()),
            }),
        }
    }

    /// A state change: to the pool and the observer, then the waiters it settles.
    fn publish(
        &mut self,
        from: ProcessState,
        snapshot: Snapshot,
        expected: bool,
        tries: u32,
        pid: i32,
        ctx: &mut Context<Self>,
    ) {
        let changed = StateChanged {
            info: self.info(&snapshot),
            from,
            expected,
            tries,
            pid,
        };
        if let Some(pool) = &self.links.pool {
            pool.do_send(ListenerNote::State(changed.clone()));
        }
        self.links.registry.observer.do_send(changed);
        self.settle_waiters(&snapshot);
        if !matches!(
            snapshot.state,
            ProcessState::Backoff | ProcessState::Stopping
        ) {
            if let Some(handle) = self.stop_report.take() {
                ctx.cancel_future(handle);
            }
        }
    }

    /// Answers waiting start/stop requests whose outcome is now known (rpcinterface's onwait).
    fn settle_waiters(&mut self, snapshot: &Snapshot) {
        if self.waiters.is_empty() {
            return;
        }
        let start_outcome = snapshot.start_outcome();
        let stopped = snapshot.state.is_stopped();
        for waiter in std::mem::take(&mut self.waiters) {
            match waiter {
                Waiter::Start(tx) => match &start_outcome {
                    Some(outcome) => {
                        let _ = tx.send(outcome.clone());
                    }
                    None => self.waiters.push(Waiter::Start(tx)),
                },
                Waiter::Stop(tx) if stopped => {
                    let _ = tx.send(());
                }
                waiter => self.waiters.push(waiter),
            }
        }
    }

    /// While someone waits on a stop, log `waiting for x to stop` every 2 s (stop_report).
    /// The first line comes at once, as Supervisor's first onwait() poll writes it.
    fn arm_stop_report(&mut self, ctx: &mut Context<Self>) {
        if self.stop_report.is_none() && self.core.state() == ProcessState::Stopping {
            mainlog::waiting_for_stop(&self.config.name);
            self.stop_report = Some(ctx.run_interval(Duration::from_secs(2), |act, _| {
                if act.core.state() == ProcessState::Stopping {
                    mainlog::waiting_for_stop(&act.config.name);
                }
            }));
        }
    }

    /// A receiver answered once the process has settled. `report`: log `waiting for x to
    /// stop` meanwhile, as a stopProcess(wait) does (a shutdown logs `waiting for ... to die`
    /// instead).
    fn wait_stopped(&mut self, ctx: &mut Context<Self>, report: bool) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        if self.core.state().is_stopped() {
            let _ = tx.send(());
        } else {
            self.waiters.push(Waiter::Stop(tx));
            if report {
                self.arm_stop_report(ctx);
            }
        }
        rx
    }
}

/// The machine's clock: monotonic for startsecs and backoff, wall clock for what is shown.
fn now() -> Now {
    Now {
        mono: std::time::Instant::now(),
        wall: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
    }
}

/// What feeding one input produced for a request: a refusal, or a kill(2) that failed.
#[derive(Default)]
struct Outcome {
    refusal: Option<Refusal>,
    failure: Option<String>,
    /// A reaped child's hold on its fcgi socket, let go once every effect is carried out:
    /// `Closing socket ...` then follows `stopped: x ...`, as in Supervisor.
    released_socket: Option<SocketLease>,
}

/// Words a machine line about process `name` as Supervisor does.
fn log_line(name: &str, line: Line) {
    match line {
        Line::Spawned { pid } => mainlog::spawned(name, pid),
        Line::SpawnErr(msg) => mainlog::spawnerr(&msg),
        Line::EnteredRunning { startsecs } => mainlog::entered_running(name, startsecs),
        Line::GaveUp => mainlog::gave_up(name),
        Line::Exited { how, expected } => mainlog::exited(name, &how, expected),
        Line::Stopped { how, expected } => mainlog::stopped(name, &how, expected),
        Line::KillTimeout { pid } => mainlog::killing(name, pid, libc::SIGKILL),
        Line::Killing { pid, as_group, sig } => mainlog::killing_with(name, pid, as_group, sig),
        Line::KillInBackoff => mainlog::kill_in_backoff(name),
        Line::SendingSignal { pid, sig } => mainlog::sending_signal(name, pid, sig),
        Line::AlreadyRunning => mainlog::already_running(name),
        Line::NotReady { startsecs } => mainlog::not_ready(name, startsecs),
        Line::Healthy => mainlog::healthy(name),
        Line::Unhealthy { failures, action } => mainlog::unhealthy(name, failures, action),
    }
}

impl Actor for Process {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.open_logs();
        if self.config.ready_notify {
            match notify::bind() {
                Ok((address, datagrams)) => {
                    self.notify_socket = Some(address);
                    ctx.add_stream(datagrams);
                }
                // The child then never gets ready: its spawns fail with the reason.
                Err(e) => tracing::error!("cannot bind the notify socket of {}: {e}", self.name),
            }
        }
        self.links.registry.observer.do_send(StateChanged {
            info: self.info(&self.core.snapshot()),
            from: ProcessState::Stopped,
            expected: true,
            tries: 0,
            pid: 0,
        });
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(writer) = self.logs.as_mut().and_then(|logs| logs.writer.take()) {
            writer.do_send(log_writer::Close);
        }
    }
}

impl Handler<Exited> for Process {
    type Result = ();
    fn handle(&mut self, Exited { pid, how }: Exited, ctx: &mut Context<Self>) {
        if let Some(probe) = self.probe.take_if(|probe| probe.pid == pid) {
            let _ = probe.exit.send(how);
            return;
        }
        if pid != self.core.pid() {
            return;
        }
        let Some(writer) = self.writer() else {
            mainlog::child_quit();
            self.feed(Input::Exited { pid, how }, ctx);
            return;
        };
        // The child's last output first, then its exit: the main log and the events keep
        // the order in which things happened. Nothing else is handled meanwhile.
        let flushed = async move {
            let _ = tokio::time::timeout(FLUSH_AT_EXIT, writer.send(log_writer::Flush)).await;
        };
        ctx.wait(flushed.into_actor(self).map(move |(), act, ctx| {
            mainlog::child_quit();
            act.feed(Input::Exited { pid, how }, ctx);
        }));
    }
}

/// How long an exit waits for the child's writer to take in what its pipes held: it runs
/// on its own thread and answers at once unless a disk write stalls.
const FLUSH_AT_EXIT: Duration = Duration::from_secs(1);
