//! Process: one child's life, Supervisor's state machine (process.py) driven by messages and
//! per-actor timers instead of a once-a-second `transition()` pass.
//!
//! STOPPED -> STARTING on autostart or a start request; STARTING -> RUNNING when `startsecs`
//! have passed (a timer, not a poll); an exit before that -> BACKOFF, which respawns after
//! `backoff` seconds (1, 2, 3, ...) until `startretries` is exceeded -> FATAL. RUNNING -> EXITED
//! on exit, then autorestart decides. A stop sends `stopsignal` and arms a timer for SIGKILL
//! after `stopwaitsecs`. Every change is reported upward as [`StateChanged`], so this file never
//! names the Registry.

mod child_env;
mod info;
mod state;
mod stdin;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::sync::oneshot;

pub use info::{ProcessInfo, StateChanged};
pub use state::ProcessState;
pub use stdin::StdinError;

use super::events::Publish;
use super::listener_pool::ListenerNote;
use super::log_writer::{self, Attach, Channel, EventOutput, LogWriter, LogWriterSettings};
use super::mainlog::{self, ExitHow};
use super::reaper::{self, Exited};
use crate::config::{AutoRestart, LogStreamConfig, LogTarget, ProcessConfig};
use crate::spawn::{self, Output, SpawnError};
pub use child_env::DaemonContext;

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
/// restart again, and reply once settled, with the log writers whose pipes a grandchild may
/// still hold open: the Registry drains them all at once, with one bound.
#[derive(Message)]
#[rtype(result = "Vec<Addr<LogWriter>>")]
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

/// Truncate both log files and drop their backups (clearProcessLogs).
#[derive(Message)]
#[rtype(result = "Result<(), StopError>")]
pub struct ClearLogs;

/// Whom a process reports to. One per group, shared by its processes: each Recipient clone
/// is an allocation.
pub struct Links {
    /// Told of every state change (the Registry).
    pub observer: Recipient<StateChanged>,
    /// The event bus, for capture mode and PROCESS_LOG events from its output.
    pub bus: Option<Recipient<Publish>>,
    /// For an event listener: its pool, told of every spawn (with the child's stdin), every
    /// state change, and (through the stdout LogWriter) every byte of stdout.
    pub pool: Option<Recipient<ListenerNote>>,
}

/// One stream's log: its file (if any) and the writer reading the child's pipe (if any).
#[derive(Default)]
struct StreamLog {
    path: Option<Arc<Path>>,
    writer: Option<Addr<LogWriter>>,
}

struct Logs {
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
    /// The child being reaped while `finish` changes state: its events still name it.
    reaped_pid: i32,
    state: ProcessState,
    pid: i32,
    /// Wall-clock time of the last spawn (seconds), for `start` and uptimes.
    laststart: f64,
    /// Monotonic time of the last spawn, for startsecs.
    started_at: Option<std::time::Instant>,
    laststop: f64,
    spawnerr: Option<String>,
    exitstatus: i32,
    backoff: u32,
    /// A stop was asked for: the next exit is STOPPING -> STOPPED.
    killing: bool,
    /// Supervisor is shutting down: never spawn again.
    retired: bool,
    /// Bumped on every spawn and every state change a timer could race with, so a timer
    /// armed for an older phase does nothing.
    epoch: u64,
    stdin: Option<stdin::Stdin>,
    /// None while neither stream is logged anywhere (boxed: a thousand programs with no
    /// logs then carry no room for them).
    logs: Option<Box<Logs>>,
    /// Start and stop requests waiting for the outcome.
    waiters: Vec<Waiter>,
    stop_report: Option<SpawnHandle>,
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
            reaped_pid: 0,
            state: ProcessState::Stopped,
            pid: 0,
            laststart: 0.0,
            started_at: None,
            laststop: 0.0,
            spawnerr: None,
            exitstatus: 0,
            backoff: 0,
            killing: false,
            retired: false,
            epoch: 0,
            stdin: None,
            logs: None,
            waiters: Vec::new(),
            stop_report: None,
        }
    }

    /// The log writers of both streams.
    fn writers(&self) -> Vec<Addr<LogWriter>> {
        self.logs
            .iter()
            .flat_map(|logs| [&logs.stdout.writer, &logs.stderr.writer])
            .flatten()
            .cloned()
            .collect()
    }

    fn log_path(&self, pick: impl Fn(&Logs) -> &StreamLog) -> Option<Arc<Path>> {
        self.logs
            .as_deref()
            .and_then(|logs| pick(logs).path.clone())
    }

    fn info(&self) -> ProcessInfo {
        ProcessInfo {
            name: self.name.clone(),
            group: self.group.clone(),
            state: self.state,
            start: self.laststart as i64,
            stop: self.laststop as i64,
            pid: self.pid,
            exitstatus: self.exitstatus,
            spawnerr: self.spawnerr.clone().unwrap_or_default(),
            stdout_logfile: self.log_path(|logs| &logs.stdout),
            stderr_logfile: self.log_path(|logs| &logs.stderr),
        }
    }

    /// Opens the log writers (once per process life, as Supervisor keeps its loggers across
    /// restarts), resolving AUTO names in childlogdir.
    fn open_logs(&mut self) {
        let config = self.config.clone();
        let logs = Logs {
            stdout: self.open_log(Channel::Stdout, &config.stdout),
            stderr: if config.redirect_stderr {
                StreamLog::default()
            } else {
                self.open_log(Channel::Stderr, &config.stderr)
            },
        };
        let none = |log: &StreamLog| log.path.is_none() && log.writer.is_none();
        self.logs = (!none(&logs.stdout) || !none(&logs.stderr)).then(|| Box::new(logs));
    }

    fn open_log(&self, channel: Channel, stream: &LogStreamConfig) -> StreamLog {
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
        let listener_stdout = channel == Channel::Stdout && self.links.pool.is_some();
        if child_env::output(stream, listener_stdout) == Output::Discard {
            return StreamLog {
                path: path.map(Arc::from),
                writer: None,
            };
        }
        let settings = LogWriterSettings {
            name: self.config.name.clone(),
            channel,
            path: path.clone(),
            maxbytes: stream.logfile_maxbytes,
            backups: stream.logfile_backups,
            strip_ansi: self.daemon.strip_ansi,
            syslog: stream.syslog,
        };
        let events = EventOutput {
            group: self.group.to_string(),
            capture_maxbytes: stream.capture_maxbytes,
            events_enabled: stream.events_enabled,
            bus: self.links.bus.clone(),
            listener: match channel {
                Channel::Stdout => self.links.pool.clone(),
                Channel::Stderr => None,
            },
        };
        let writer = LogWriter::start_in_arbiter(&self.daemon.log_arbiter, move |_| {
            LogWriter::new(settings).with_events(events)
        });
        StreamLog {
            path: path.map(Arc::from),
            writer: Some(writer),
        }
    }

    fn change_state(&mut self, new: ProcessState, expected: bool, ctx: &mut Context<Self>) {
        let from = self.state;
        if new == from {
            return;
        }
        self.state = new;
        self.epoch += 1;
        if new == ProcessState::Backoff {
            self.backoff += 1;
        }
        let changed = StateChanged {
            info: self.info(),
            from,
            expected,
            tries: self.backoff,
            pid: if self.pid != 0 {
                self.pid
            } else {
                self.reaped_pid
            },
        };
        if let Some(pool) = &self.links.pool {
            pool.do_send(ListenerNote::State(changed.clone()));
        }
        self.links.observer.do_send(changed);
        self.settle_waiters();
        match new {
            ProcessState::Backoff => self.after_backoff(ctx),
            ProcessState::Stopping => {}
            _ => {
                if let Some(handle) = self.stop_report.take() {
                    ctx.cancel_future(handle);
                }
            }
        }
    }

    /// Answers waiting start/stop requests whose outcome is now known (rpcinterface's onwait).
    fn settle_waiters(&mut self) {
        if self.waiters.is_empty() {
            return;
        }
        let start_outcome = if self.spawnerr.is_some() {
            Some(Err(StartError::SpawnError))
        } else {
            match self.state {
                ProcessState::Running => Some(Ok(())),
                ProcessState::Starting => None,
                _ => Some(Err(StartError::AbnormalTermination)),
            }
        };
        let stopped = self.state.is_stopped();
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

    /// Spawns the child. Allowed from STOPPED, EXITED, FATAL and BACKOFF.
    fn spawn(&mut self, ctx: &mut Context<Self>) {
        if self.pid != 0 || self.retired {
            return;
        }
        self.killing = false;
        self.spawnerr = None;
        self.exitstatus = 0;
        self.laststart = now();
        self.started_at = Some(std::time::Instant::now());

        let spawned = self
            .daemon
            .child_spec(&self.config, &self.group, self.links.pool.is_some())
            .and_then(|spec| spawn::spawn(&spec));
        // The pid is set before the STARTING snapshot goes out, so that getProcessInfo
        // shows it during STARTING as Supervisor does (its spawn() returns with the pid).
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                self.change_state(ProcessState::Starting, true, ctx);
                self.record_spawnerr(e.to_string());
                self.change_state(ProcessState::Backoff, true, ctx);
                return;
            }
        };
        self.pid = child.pid;
        self.change_state(ProcessState::Starting, true, ctx);
        reaper::watch(child.pid, ctx.address());
        mainlog::spawned(&self.config.name, child.pid);
        if let Some(pool) = &self.links.pool {
            // Before the stdout pipe is attached, so that no output of this child can reach
            // the pool ahead of the news that it exists.
            match child.stdin.try_clone() {
                Ok(stdin) => pool.do_send(ListenerNote::Spawned {
                    name: self.config.name.clone(),
                    pid: child.pid,
                    stdin,
                }),
                Err(e) => tracing::warn!(
                    "cannot hand the stdin of {} to its pool: {e}",
                    self.config.name
                ),
            }
        }
        self.stdin = Some(stdin::Stdin::new(child.stdin));
        let pid = child.pid;
        if let Some(logs) = &self.logs {
            for (pipe, log) in [(child.stdout, &logs.stdout), (child.stderr, &logs.stderr)] {
                if let (Some(pipe), Some(writer)) = (pipe, &log.writer) {
                    writer.do_send(Attach { pipe, pid });
                }
            }
        }
        self.arm_running_timer(ctx);
    }

    fn record_spawnerr(&mut self, msg: String) {
        mainlog::spawnerr(&msg);
        self.spawnerr = Some(msg);
    }

    /// STARTING -> RUNNING once the child has stayed up `startsecs` (immediately for 0).
    fn arm_running_timer(&mut self, ctx: &mut Context<Self>) {
        let epoch = self.epoch;
        let enter_running = move |act: &mut Self, ctx: &mut Context<Self>| {
            if act.epoch == epoch && act.state == ProcessState::Starting {
                act.backoff = 0;
                act.change_state(ProcessState::Running, true, ctx);
                mainlog::entered_running(&act.config.name, act.config.startsecs);
            }
        };
        if self.config.startsecs == 0 {
            enter_running(self, ctx);
        } else {
            ctx.run_later(Duration::from_secs(self.config.startsecs), enter_running);
        }
    }

    /// In BACKOFF: give up past startretries, else respawn after `backoff` seconds.
    fn after_backoff(&mut self, ctx: &mut Context<Self>) {
        if self.backoff > self.config.startretries {
            self.give_up(ctx);
            mainlog::gave_up(&self.config.name);
            return;
        }
        let epoch = self.epoch;
        ctx.run_later(Duration::from_secs(self.backoff as u64), move |act, ctx| {
            if act.epoch == epoch && act.state == ProcessState::Backoff {
                act.spawn(ctx);
            }
        });
    }

    fn give_up(&mut self, ctx: &mut Context<Self>) {
        self.backoff = 0;
        self.change_state(ProcessState::Fatal, true, ctx);
    }

    /// Supervisor's `kill()`: BACKOFF -> STOPPED; with a pid, signal it (the process group with
    /// *asgroup), enter STOPPING and arm the SIGKILL timer.
    fn kill(&mut self, sig: Signal, ctx: &mut Context<Self>) -> Result<(), StopError> {
        if self.state == ProcessState::Backoff {
            mainlog::kill_in_backoff(&self.config.name);
            self.change_state(ProcessState::Stopped, true, ctx);
            return Ok(());
        }
        if self.pid == 0 {
            return Err(StopError::Failed(mainlog::kill_not_running(
                &self.config.name,
                sig as i32,
            )));
        }
        let as_group = if self.state == ProcessState::Stopping {
            self.config.killasgroup
        } else {
            self.config.stopasgroup
        };
        mainlog::killing_with(&self.config.name, self.pid, as_group, sig as i32);
        self.killing = true;
        self.change_state(ProcessState::Stopping, true, ctx);
        self.arm_kill_timer(ctx);
        let target = if as_group { -self.pid } else { self.pid };
        self.deliver(target, sig, Purpose::Stop, ctx)
    }

    /// Sends `sig` to `target` (a pid, or minus a process group). A child that is already gone
    /// (ESRCH) is not an error: its exit is on its way to the reaper. Any other failure leaves
    /// the process UNKNOWN, as Supervisor's kill() and signal() do.
    fn deliver(
        &mut self,
        target: i32,
        sig: Signal,
        purpose: Purpose,
        ctx: &mut Context<Self>,
    ) -> Result<(), StopError> {
        let (name, pid) = (&self.config.name, self.pid);
        match kill(Pid::from_raw(target), sig) {
            Ok(()) => Ok(()),
            Err(nix::errno::Errno::ESRCH) => {
                let err = nix::errno::Errno::ESRCH.desc();
                match purpose {
                    Purpose::Stop => mainlog::kill_esrch(name, pid, err),
                    Purpose::Signal => mainlog::signal_esrch(name, pid, err),
                }
                Ok(())
            }
            Err(e) => {
                let msg = match purpose {
                    Purpose::Stop => mainlog::kill_failed(name, pid, e.desc()),
                    Purpose::Signal => mainlog::signal_failed(name, pid, e.desc()),
                };
                if matches!(purpose, Purpose::Stop) {
                    self.killing = false;
                }
                self.change_state(ProcessState::Unknown, true, ctx);
                Err(StopError::Failed(msg))
            }
        }
    }

    /// After stopwaitsecs in STOPPING, SIGKILL (again after each further stopwaitsecs).
    fn arm_kill_timer(&mut self, ctx: &mut Context<Self>) {
        let epoch = self.epoch;
        ctx.run_later(
            Duration::from_secs(self.config.stopwaitsecs),
            move |act, ctx| {
                if act.epoch == epoch && act.state == ProcessState::Stopping {
                    mainlog::killing(&act.config.name, act.pid, libc::SIGKILL);
                    let _ = act.kill(Signal::SIGKILL, ctx);
                }
            },
        );
    }

    fn stop(&mut self, ctx: &mut Context<Self>) -> Result<(), StopError> {
        let sig = Signal::try_from(self.config.stopsignal).unwrap_or(Signal::SIGTERM);
        self.kill(sig, ctx)
    }

    /// Supervisor's `finish()`: the child was reaped.
    fn finish(&mut self, how: ExitHow, ctx: &mut Context<Self>) {
        let es = match how {
            ExitHow::Code(code) => code,
            ExitHow::Signal { .. } => -1,
        };
        let msg = mainlog::exit_description(how);
        self.laststop = now();
        let ran_for = self.started_at.map(|t| t.elapsed()).unwrap_or_default();
        let too_quickly = ran_for < Duration::from_secs(self.config.startsecs);
        let expected = self.config.exitcodes.contains(&es);
        self.reaped_pid = self.pid;
        self.pid = 0;
        self.stdin = None;

        if self.killing {
            // A stop request wins over "exited too quickly": finish() checks `killing` first.
            self.killing = false;
            self.exitstatus = es;
            self.change_state(ProcessState::Stopped, true, ctx);
            mainlog::stopped(&self.config.name, &msg, expected);
        } else if too_quickly && self.state == ProcessState::Starting {
            self.exitstatus = 0;
            self.spawnerr = Some("Exited too quickly (process log may have details)".into());
            mainlog::exited(&self.config.name, &msg, false);
            self.change_state(ProcessState::Backoff, false, ctx);
        } else {
            self.backoff = 0;
            self.exitstatus = es;
            if self.state == ProcessState::Starting {
                self.change_state(ProcessState::Running, true, ctx);
            }
            if !expected {
                self.spawnerr = Some(format!("Bad exit code {es}"));
            }
            mainlog::exited(&self.config.name, &msg, expected);
            self.change_state(ProcessState::Exited, expected, ctx);
            self.reaped_pid = 0;
            self.maybe_autorestart(ctx);
        }
        self.reaped_pid = 0;
    }

    /// EXITED -> STARTING when autorestart says so. Done at once rather than on the next
    /// one-second pass as Supervisor does.
    fn maybe_autorestart(&mut self, ctx: &mut Context<Self>) {
        let restart = match self.config.autorestart {
            AutoRestart::True => true,
            AutoRestart::Unexpected => !self.config.exitcodes.contains(&self.exitstatus),
            AutoRestart::False => false,
        };
        if restart && !self.retired {
            self.spawn(ctx);
        }
    }

    /// While someone waits on a stop, log `waiting for x to stop` every 2 s (stop_report).
    /// The first line comes at once, as Supervisor's first onwait() poll writes it.
    fn arm_stop_report(&mut self, ctx: &mut Context<Self>) {
        if self.stop_report.is_none() && self.state == ProcessState::Stopping {
            mainlog::waiting_for_stop(&self.config.name);
            self.stop_report = Some(ctx.run_interval(Duration::from_secs(2), |act, _| {
                if act.state == ProcessState::Stopping {
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
        if self.state.is_stopped() {
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

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Actor for Process {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Context<Self>) {
        self.open_logs();
        self.links.observer.do_send(StateChanged {
            info: self.info(),
            from: ProcessState::Stopped,
            expected: true,
            tries: 0,
            pid: 0,
        });
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(logs) = &mut self.logs {
            for log in [&mut logs.stdout, &mut logs.stderr] {
                if let Some(w) = log.writer.take() {
                    w.do_send(log_writer::Close);
                }
            }
        }
    }
}

impl Handler<Autostart> for Process {
    type Result = ();
    fn handle(&mut self, _: Autostart, ctx: &mut Context<Self>) {
        if self.config.autostart && self.state == ProcessState::Stopped && self.laststart == 0.0 {
            self.spawn(ctx);
        }
    }
}

impl Handler<Start> for Process {
    type Result = ResponseFuture<Result<(), StartError>>;

    fn handle(&mut self, Start { wait }: Start, ctx: &mut Context<Self>) -> Self::Result {
        let result = self.start(wait, ctx);
        Box::pin(async move {
            match result {
                Ok(None) => Ok(()),
                Ok(Some(rx)) => rx.await.unwrap_or(Err(StartError::AbnormalTermination)),
                Err(e) => Err(e),
            }
        })
    }
}

impl Process {
    /// startProcess: pre-checks as rpcinterface does, spawn, then either an answer now or a
    /// receiver that settle_waiters answers.
    #[allow(clippy::type_complexity)]
    fn start(
        &mut self,
        wait: bool,
        ctx: &mut Context<Self>,
    ) -> Result<Option<oneshot::Receiver<Result<(), StartError>>>, StartError> {
        if self.retired {
            return Err(StartError::ShuttingDown);
        }
        if let Err(e) = self.daemon.resolve(&self.config) {
            return Err(match e {
                SpawnError::NotFound(_) => StartError::NoFile(e.to_string()),
                _ => StartError::NotExecutable(e.to_string()),
            });
        }
        if self.state.is_running() {
            return Err(StartError::AlreadyStarted);
        }
        if self.state == ProcessState::Unknown {
            return Err(StartError::UnknownState(self.config.name.clone()));
        }
        self.spawn(ctx);
        if self.spawnerr.is_some() {
            return Err(StartError::SpawnError);
        }
        if !wait || self.state == ProcessState::Running {
            return Ok(None);
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.push(Waiter::Start(tx));
        Ok(Some(rx))
    }
}

impl Handler<Stop> for Process {
    type Result = ResponseFuture<Result<(), StopError>>;

    fn handle(&mut self, Stop { wait }: Stop, ctx: &mut Context<Self>) -> Self::Result {
        if !self.state.is_running() {
            return Box::pin(async { Err(StopError::NotRunning) });
        }
        if let Err(e) = self.stop(ctx) {
            return Box::pin(async move { Err(e) });
        }
        let rx = wait.then(|| self.wait_stopped(ctx, true));
        Box::pin(async move {
            if let Some(rx) = rx {
                let _ = rx.await;
            }
            Ok(())
        })
    }
}

impl Handler<StopForShutdown> for Process {
    type Result = ResponseFuture<Vec<Addr<LogWriter>>>;

    fn handle(&mut self, _: StopForShutdown, ctx: &mut Context<Self>) -> Self::Result {
        self.retired = true;
        match self.state {
            ProcessState::Running | ProcessState::Starting => {
                let _ = self.stop(ctx);
            }
            ProcessState::Backoff => self.give_up(ctx),
            _ => {}
        }
        let stopped = self.wait_stopped(ctx, false);
        let writers = self.writers();
        Box::pin(async move {
            let _ = stopped.await;
            writers
        })
    }
}

/// Why a signal is sent: its log lines differ.
#[derive(Clone, Copy)]
enum Purpose {
    Stop,
    Signal,
}

impl Handler<SendSignal> for Process {
    type Result = Result<(), StopError>;

    fn handle(&mut self, SendSignal { sig }: SendSignal, ctx: &mut Context<Self>) -> Self::Result {
        if !self.state.is_signallable() {
            return Err(StopError::NotRunning);
        }
        let name = &self.config.name;
        if self.pid == 0 {
            return Err(StopError::Failed(mainlog::signal_not_running(name, sig)));
        }
        mainlog::sending_signal(name, self.pid, sig);
        let signal = Signal::try_from(sig).map_err(|e| StopError::Failed(e.to_string()))?;
        self.deliver(self.pid, signal, Purpose::Signal, ctx)
    }
}

impl Handler<WriteStdin> for Process {
    type Result = Result<(), StdinError>;

    fn handle(&mut self, WriteStdin { data }: WriteStdin, _: &mut Context<Self>) -> Self::Result {
        match &mut self.stdin {
            Some(stdin) if self.pid != 0 && !self.killing => stdin.write(&data),
            _ => Err(StdinError::NotRunning),
        }
    }
}

impl Handler<ReopenLogs> for Process {
    type Result = ();
    fn handle(&mut self, _: ReopenLogs, _: &mut Context<Self>) {
        for w in self.writers() {
            w.do_send(log_writer::Reopen);
        }
    }
}

impl Handler<ClearLogs> for Process {
    type Result = ResponseFuture<Result<(), StopError>>;
    fn handle(&mut self, _: ClearLogs, _: &mut Context<Self>) -> Self::Result {
        let writers = self.writers();
        Box::pin(async move {
            for w in writers {
                match w.send(log_writer::Clear).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(StopError::Failed(e.to_string())),
                    Err(e) => return Err(StopError::Failed(e.to_string())),
                }
            }
            Ok(())
        })
    }
}

impl Handler<Exited> for Process {
    type Result = ();
    fn handle(&mut self, Exited { pid, how }: Exited, ctx: &mut Context<Self>) {
        if pid != self.pid {
            return;
        }
        let writers = self.writers();
        if writers.is_empty() {
            mainlog::child_quit();
            self.finish(how, ctx);
            return;
        }
        // The child's last output first, then its exit: the main log and the events keep
        // the order in which things happened. Nothing else is handled meanwhile.
        let flushed = async move {
            for writer in writers {
                let _ = tokio::time::timeout(FLUSH_AT_EXIT, writer.send(log_writer::Flush)).await;
            }
        };
        ctx.wait(flushed.into_actor(self).map(move |(), act, ctx| {
            mainlog::child_quit();
            if act.pid == pid {
                act.finish(how, ctx);
            }
        }));
    }
}

/// How long an exit waits for the child's writers to take in what its pipes held: they run
/// on their own thread and answer at once unless a disk write stalls.
const FLUSH_AT_EXIT: Duration = Duration::from_secs(1);
