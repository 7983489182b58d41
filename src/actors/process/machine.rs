//! Supervisor's process state machine (process.py) as a pure function: [`step`] takes what
//! happened ([`Input`]: a request, a spawn's result, an exit, a timer) and returns what to do
//! ([`Effect`]: spawn, signal, arm a timer, log a line, publish a change, refuse a request).
//! It calls no system function and reads no clock: the Process actor feeds it inputs, carries
//! out its effects in order, and feeds back what they produced (a spawn's pid, a failed
//! kill). So every transition is tested here without a child or real time.
//!
//! STOPPED -> STARTING on autostart or a start request; STARTING -> RUNNING once `startsecs`
//! have passed; an exit before that -> BACKOFF, which respawns after 1, 2, 3, ... seconds
//! (`backoff`, `maxbackoff`) until `startretries` is exceeded -> FATAL. RUNNING -> EXITED on
//! exit, then autorestart decides (after `restartpause`). A stop sends `stopsignal`, enters
//! STOPPING and arms a timer that sends SIGKILL after `stopwaitsecs` (again after each
//! further `stopwaitsecs`). An `essential` process that ends for good (FATAL, or EXITED with
//! no restart to come) asks for the daemon's end.
//!
//! Readiness (extensions): with `ready_notify`, STARTING lasts until the child's READY=1
//! (startsecs is then the time allowed: past it the child is stopped and BACKOFF follows,
//! as after a too-quick exit); with a health check, RUNNING probes every interval, the
//! process is ready once a probe passes, and `retries` failures in a row make it unhealthy
//! and trigger the check's action.

use std::time::{Duration, Instant};

use crate::actors::mainlog::exit_description;
mod readiness;

use crate::config::{AutoRestart, Backoff, HealthAction, HealthCheck, ProcessConfig};
use crate::model::{ExitHow, Health, ProcessState};

/// What the machine knows of one process.
#[derive(Debug, Clone, Default)]
pub struct Core {
    state: ProcessState,
    /// The child being supervised; 0 when there is none.
    pid: i32,
    /// The child just reaped, while its exit is handled: its events still name it.
    reaped_pid: i32,
    /// A stop was asked for: the next exit is STOPPING -> STOPPED (Supervisor's `killing`).
    stop_requested: bool,
    /// Supervisor is shutting down: never spawn again.
    retired: bool,
    /// Consecutive failed starts.
    backoff: u32,
    /// EXITED, with an autorestart due when `restartpause` has passed.
    restart_pending: bool,
    /// Ready for its dependents (see [`Snapshot::ready`]).
    ready: bool,
    /// The child is being stopped because it failed to become ready: BACKOFF follows.
    start_failed: bool,
    /// The child is being stopped by its health check's `restart`: a spawn follows.
    restart_after_stop: bool,
    health: Health,
    /// Failed health probes in a row.
    probe_failures: u32,
    spawnerr: Option<String>,
    exitstatus: i32,
    /// Wall-clock seconds of the last spawn and of the last exit, as shown to people.
    laststart: f64,
    laststop: f64,
    started_at: Option<Instant>,
    /// Bumped on every state change: a timer armed in an earlier phase finds it moved on.
    epoch: u64,
}

/// The options of the process that the machine reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    pub autostart: bool,
    pub startsecs: u64,
    /// `None`: retry forever.
    pub startretries: Option<u32>,
    pub backoff: Backoff,
    pub maxbackoff: Option<u64>,
    pub restartpause: u64,
    pub essential: bool,
    pub ready_notify: bool,
    pub health: Option<&'a HealthCheck>,
    pub stopwaitsecs: u64,
    pub autorestart: AutoRestart,
    pub exitcodes: &'a [i32],
    pub stopsignal: i32,
    pub stopasgroup: bool,
    pub killasgroup: bool,
}

impl<'a> Limits<'a> {
    pub fn of(config: &'a ProcessConfig) -> Limits<'a> {
        Limits {
            autostart: config.autostart,
            startsecs: config.startsecs,
            startretries: config.startretries,
            backoff: config.backoff,
            maxbackoff: config.maxbackoff,
            restartpause: config.restartpause,
            essential: config.essential,
            ready_notify: config.ready_notify,
            health: config.healthcheck.as_deref(),
            stopwaitsecs: config.stopwaitsecs,
            autorestart: config.autorestart,
            exitcodes: &config.exitcodes,
            stopsignal: config.stopsignal,
            stopasgroup: config.stopasgroup,
            killasgroup: config.killasgroup,
        }
    }
}

/// The time of an input: monotonic for durations, wall clock for what people see.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub mono: Instant,
    pub wall: f64,
}

/// The machine's timers. Each is armed with the epoch it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// STARTING -> RUNNING after startsecs.
    Running,
    /// BACKOFF -> a new spawn.
    Backoff,
    /// STOPPING -> SIGKILL after stopwaitsecs.
    Kill,
    /// EXITED -> the autorestart, after restartpause.
    Restart,
    /// RUNNING, with a health check: the next probe.
    Probe,
}

/// Why a signal is sent: the log lines of its failure differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Stop,
    Signal,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// supervisord's first pass: start if the config says autostart.
    Autostart,
    /// startProcess (after the actor's checks that need the file system).
    Start,
    /// stopProcess.
    Stop,
    /// Supervisor is going down: stop, give up a BACKOFF, never start again.
    Shutdown,
    /// signalProcess with this signal number.
    Signal(i32),
    /// What [`Effect::Spawn`] produced: the child's pid, or Supervisor's spawnerr text.
    Spawned(Result<i32, String>),
    /// The reaper saw `pid` end.
    Exited { pid: i32, how: ExitHow },
    /// A timer armed by [`Effect::Arm`] is due.
    Timer { timer: Timer, epoch: u64 },
    /// The child sent READY=1 on its notify socket.
    Ready,
    /// What the probe asked for by [`Effect::Probe`] found.
    Probed { epoch: u64, healthy: bool },
    /// [`Effect::Signal`] failed for another reason than the child being gone already.
    SignalFailed(Purpose),
    /// A start will not happen, for this reason (a dependency went FATAL): a process that is
    /// not up stays, or becomes, STOPPED with the reason as its spawnerr.
    Blocked(String),
}

/// A main-log line about this process (the actor words it, with the process's name).
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Spawned {
        pid: i32,
    },
    SpawnErr(String),
    EnteredRunning {
        startsecs: u64,
    },
    GaveUp,
    Exited {
        how: String,
        expected: bool,
    },
    Stopped {
        how: String,
        expected: bool,
    },
    /// stopwaitsecs ran out: SIGKILL follows.
    KillTimeout {
        pid: i32,
    },
    Killing {
        pid: i32,
        as_group: bool,
        sig: i32,
    },
    KillInBackoff,
    SendingSignal {
        pid: i32,
        sig: i32,
    },
    /// A spawn was asked for while a child is still up (a start during STOPPING).
    AlreadyRunning,
    /// ready_notify: no READY=1 within startsecs.
    NotReady {
        startsecs: u64,
    },
    Healthy,
    Unhealthy {
        failures: u32,
        action: HealthAction,
    },
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    AlreadyStarted,
    UnknownState,
    ShuttingDown,
    /// Stop or signal: the process is not in a state that has a child.
    NotRunning,
    /// A stop found no child to signal (Supervisor's `attempted to kill ... wasn't running`).
    KillNotRunning {
        sig: i32,
    },
}

/// What the process looked like right after a change: what its events and snapshot show.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub state: ProcessState,
    pub pid: i32,
    pub laststart: f64,
    pub laststop: f64,
    pub exitstatus: i32,
    pub spawnerr: Option<String>,
    /// What dependents wait for: RUNNING, past startsecs (and notified ready, or healthy,
    /// where so configured).
    pub ready: bool,
    pub health: Health,
}

/// What to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the child now and answer with [`Input::Spawned`].
    Spawn,
    /// The child just spawned is supervised from here on: watch its exit, wire its pipes.
    ChildUp,
    /// The child was reaped: its stdin goes.
    ChildGone,
    /// kill(2) `target` (a pid, or minus a process group) with `sig`; on failure other than
    /// ESRCH answer with [`Input::SignalFailed`].
    Signal {
        target: i32,
        pid: i32,
        sig: i32,
        purpose: Purpose,
    },
    Arm {
        timer: Timer,
        after: Duration,
        epoch: u64,
    },
    Log(Line),
    /// The state changed: publish it and answer the waiters it settles.
    Changed {
        from: ProcessState,
        snapshot: Snapshot,
        /// For EXITED: whether the exit code was expected.
        expected: bool,
        /// Consecutive failed starts (the `tries:` of STARTING and BACKOFF events).
        tries: u32,
        /// The child the change concerns: for EXITED and STOPPED the one just reaped.
        pid: i32,
    },
    Refused(Refusal),
    /// An essential process ended for good: the daemon stops, and exits with `status`.
    EssentialEnded {
        status: i32,
    },
    /// Probe the child's health now and answer with [`Input::Probed`] with this epoch.
    Probe {
        epoch: u64,
    },
    /// The snapshot changed without a change of state (health, readiness): publish it.
    Refreshed {
        snapshot: Snapshot,
    },
}

impl Core {
    pub fn state(&self) -> ProcessState {
        self.state
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    pub fn is_retired(&self) -> bool {
        self.retired
    }

    /// Whether stdin may be written (Supervisor: a pid, and no stop under way).
    pub fn takes_stdin(&self) -> bool {
        self.pid != 0 && !self.stop_requested
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: self.state,
            pid: self.pid,
            laststart: self.laststart,
            laststop: self.laststop,
            exitstatus: self.exitstatus,
            spawnerr: self.spawnerr.clone(),
            ready: self.ready,
            health: self.health,
        }
    }
}

/// Feeds one input to the machine; returns the effects to carry out, in order.
pub fn step(core: &mut Core, input: Input, limits: &Limits, now: Now) -> Vec<Effect> {
    let mut run = Run {
        core,
        limits,
        now,
        effects: Vec::new(),
    };
    run.input(input);
    run.effects
}

/// One step under way.
struct Run<'a, 'l> {
    core: &'a mut Core,
    limits: &'a Limits<'l>,
    now: Now,
    effects: Vec<Effect>,
}

impl Run<'_, '_> {
    fn input(&mut self, input: Input) {
        let state = self.core.state;
        match input {
            Input::Autostart => {
                if self.limits.autostart
                    && state == ProcessState::Stopped
                    && self.core.laststart == 0.0
                {
                    self.spawn();
                }
            }
            Input::Start => {
                if self.core.retired {
                    self.refuse(Refusal::ShuttingDown);
                } else if state.is_running() {
                    self.refuse(Refusal::AlreadyStarted);
                } else if state == ProcessState::Unknown {
                    self.refuse(Refusal::UnknownState);
                } else {
                    self.spawn();
                }
            }
            Input::Stop => {
                self.core.restart_after_stop = false;
                if self.core.restart_pending {
                    // The stop lands between an exit and its autorestart: there is no
                    // child to signal, and no restart to come.
                    self.core.restart_pending = false;
                } else if state.is_running() {
                    self.kill(self.limits.stopsignal);
                } else {
                    self.refuse(Refusal::NotRunning);
                }
            }
            Input::Shutdown => {
                self.core.retired = true;
                self.core.restart_pending = false;
                self.core.restart_after_stop = false;
                match state {
                    ProcessState::Running | ProcessState::Starting => {
                        self.kill(self.limits.stopsignal)
                    }
                    ProcessState::Backoff => self.give_up(),
                    _ => {}
                }
            }
            Input::Signal(sig) => {
                if state.is_signallable() && self.core.pid != 0 {
                    let pid = self.core.pid;
                    self.log(Line::SendingSignal { pid, sig });
                    self.effects.push(Effect::Signal {
                        target: pid,
                        pid,
                        sig,
                        purpose: Purpose::Signal,
                    });
                } else {
                    self.refuse(Refusal::NotRunning);
                }
            }
            Input::Spawned(Ok(pid)) => {
                self.core.pid = pid;
                self.change(ProcessState::Starting, true);
                self.log(Line::Spawned { pid });
                self.effects.push(Effect::ChildUp);
                if self.limits.startsecs == 0 {
                    if !self.limits.ready_notify {
                        self.enter_running();
                    }
                } else {
                    self.arm(Timer::Running, Duration::from_secs(self.limits.startsecs));
                }
            }
            Input::Spawned(Err(spawnerr)) => {
                self.change(ProcessState::Starting, true);
                self.log(Line::SpawnErr(spawnerr.clone()));
                self.core.spawnerr = Some(spawnerr);
                self.change(ProcessState::Backoff, true);
            }
            Input::Exited { pid, how } => {
                if pid != 0 && pid == self.core.pid {
                    self.finish(how);
                }
            }
            Input::Timer { timer, epoch } => {
                if epoch == self.core.epoch {
                    self.timer_due(timer);
                }
            }
            Input::Ready => {
                if state == ProcessState::Starting
                    && self.limits.ready_notify
                    && !self.core.start_failed
                {
                    self.enter_running();
                }
            }
            Input::Probed { epoch, healthy } => {
                if epoch == self.core.epoch && state == ProcessState::Running {
                    self.probed(healthy);
                }
            }
            Input::SignalFailed(purpose) => {
                if purpose == Purpose::Stop {
                    self.core.stop_requested = false;
                }
                self.change(ProcessState::Unknown, true);
            }
            Input::Blocked(reason) => {
                if matches!(
                    state,
                    ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal
                ) && !self.core.restart_pending
                {
                    self.core.spawnerr = Some(reason);
                    if state == ProcessState::Stopped {
                        self.republish();
                    } else {
                        self.change(ProcessState::Stopped, true);
                    }
                }
            }
        }
    }

    fn timer_due(&mut self, timer: Timer) {
        match (timer, self.core.state) {
            (Timer::Running, ProcessState::Starting) if self.limits.ready_notify => {
                self.not_ready()
            }
            (Timer::Running, ProcessState::Starting) => self.enter_running(),
            (Timer::Kill, ProcessState::Starting) if self.core.start_failed => {
                self.log(Line::KillTimeout { pid: self.core.pid });
                self.stop_child(libc::SIGKILL, self.limits.killasgroup);
            }
            (Timer::Probe, ProcessState::Running) => self.effects.push(Effect::Probe {
                epoch: self.core.epoch,
            }),
            (Timer::Backoff, ProcessState::Backoff) => self.spawn(),
            (Timer::Restart, ProcessState::Exited) if self.core.restart_pending => self.spawn(),
            (Timer::Kill, ProcessState::Stopping) => {
                self.log(Line::KillTimeout { pid: self.core.pid });
                self.kill(libc::SIGKILL);
            }
            _ => {}
        }
    }

    /// Supervisor's `spawn()`, from STOPPED, EXITED, FATAL or BACKOFF.
    fn spawn(&mut self) {
        if self.core.pid != 0 {
            self.log(Line::AlreadyRunning);
            return;
        }
        if self.core.retired {
            return;
        }
        self.core.stop_requested = false;
        self.core.restart_pending = false;
        self.core.start_failed = false;
        self.core.spawnerr = None;
        self.core.exitstatus = 0;
        self.core.laststart = self.now.wall;
        self.core.started_at = Some(self.now.mono);
        self.effects.push(Effect::Spawn);
    }

    fn enter_running(&mut self) {
        self.core.backoff = 0;
        self.change(ProcessState::Running, true);
        self.log(Line::EnteredRunning {
            startsecs: self.limits.startsecs,
        });
        if self.limits.health.is_some() {
            self.effects.push(Effect::Probe {
                epoch: self.core.epoch,
            });
        }
    }

    fn ran_for(&self) -> Duration {
        self.core
            .started_at
            .map(|t| self.now.mono.saturating_duration_since(t))
            .unwrap_or_default()
    }

    fn give_up(&mut self) {
        self.core.backoff = 0;
        self.change(ProcessState::Fatal, true);
        self.end_if_essential(1);
    }

    /// The process will not run again by itself: an essential one ends the daemon (not
    /// while the daemon is going down anyway).
    fn end_if_essential(&mut self, status: i32) {
        if self.limits.essential && !self.core.retired {
            self.effects.push(Effect::EssentialEnded { status });
        }
    }

    /// Supervisor's `kill()`: BACKOFF -> STOPPED; with a child, signal it (its process group
    /// with stopasgroup, or killasgroup once STOPPING), enter STOPPING, arm the SIGKILL timer.
    fn kill(&mut self, sig: i32) {
        if self.core.state == ProcessState::Backoff {
            self.log(Line::KillInBackoff);
            self.change(ProcessState::Stopped, true);
            return;
        }
        let pid = self.core.pid;
        if pid == 0 {
            self.refuse(Refusal::KillNotRunning { sig });
            return;
        }
        let as_group = if self.core.state == ProcessState::Stopping {
            self.limits.killasgroup
        } else {
            self.limits.stopasgroup
        };
        self.log(Line::Killing { pid, as_group, sig });
        self.core.stop_requested = true;
        self.change(ProcessState::Stopping, true);
        self.signal_stop(sig, as_group);
    }

    /// Supervisor's `finish()`: the child was reaped.
    fn finish(&mut self, how: ExitHow) {
        let status = match how {
            ExitHow::Code(code) => code,
            ExitHow::Signal { .. } => -1,
        };
        let how_text = exit_description(how);
        self.core.laststop = self.now.wall;
        let too_quickly = self.ran_for() < Duration::from_secs(self.limits.startsecs);
        // With ready_notify, any exit before READY=1 is a failed start.
        let failed_start =
            self.core.state == ProcessState::Starting && (too_quickly || self.limits.ready_notify);
        let expected = self.limits.exitcodes.contains(&status);
        self.core.reaped_pid = self.core.pid;
        self.core.pid = 0;
        self.effects.push(Effect::ChildGone);

        if self.core.stop_requested {
            // A stop request wins over "exited too quickly": finish() checks `killing` first.
            self.core.stop_requested = false;
            self.core.exitstatus = status;
            self.change(ProcessState::Stopped, true);
            self.log(Line::Stopped {
                how: how_text,
                expected,
            });
            if std::mem::take(&mut self.core.restart_after_stop) {
                self.spawn();
            }
        } else if failed_start {
            self.core.exitstatus = 0;
            self.core.spawnerr = Some(if std::mem::take(&mut self.core.start_failed) {
                format!(
                    "Not ready within {} seconds (startsecs)",
                    self.limits.startsecs
                )
            } else {
                "Exited too quickly (process log may have details)".into()
            });
            self.log(Line::Exited {
                how: how_text,
                expected: false,
            });
            self.change(ProcessState::Backoff, false);
        } else {
            self.core.backoff = 0;
            self.core.exitstatus = status;
            if self.core.state == ProcessState::Starting {
                self.change(ProcessState::Running, true);
            }
            if !expected {
                self.core.spawnerr = Some(format!("Bad exit code {status}"));
            }
            self.log(Line::Exited {
                how: how_text,
                expected,
            });
            self.change(ProcessState::Exited, expected);
            self.core.reaped_pid = 0;
            if !self.restarts_after(status) {
                self.end_if_essential(match how {
                    ExitHow::Code(code) => code,
                    // A shell's way of telling a death by signal.
                    ExitHow::Signal { sig, .. } => 128 + sig,
                });
            } else if self.limits.restartpause > 0 {
                self.core.restart_pending = true;
                self.arm(
                    Timer::Restart,
                    Duration::from_secs(self.limits.restartpause),
                );
            } else {
                self.spawn();
            }
        }
        self.core.reaped_pid = 0;
    }

    /// autorestart against exitcodes; at once, not on the next one-second pass.
    fn restarts_after(&self, status: i32) -> bool {
        match self.limits.autorestart {
            AutoRestart::True => true,
            AutoRestart::Unexpected => !self.limits.exitcodes.contains(&status),
            AutoRestart::False => false,
        }
    }

    fn change(&mut self, new: ProcessState, expected: bool) {
        let from = self.core.state;
        if new == from {
            return;
        }
        self.core.state = new;
        self.core.epoch += 1;
        let running = new == ProcessState::Running;
        // Health and readiness begin anew in each RUNNING.
        self.core.ready = running && self.limits.health.is_none();
        self.core.health = match self.limits.health {
            Some(_) if running => Health::Starting,
            _ => Health::Unchecked,
        };
        self.core.probe_failures = 0;
        if new == ProcessState::Backoff {
            self.core.backoff = self.core.backoff.saturating_add(1);
        }
        let pid = if self.core.pid != 0 {
            self.core.pid
        } else {
            self.core.reaped_pid
        };
        self.effects.push(Effect::Changed {
            from,
            snapshot: self.core.snapshot(),
            expected,
            tries: self.core.backoff,
            pid,
        });
        if new == ProcessState::Backoff {
            self.after_backoff();
        }
    }

    /// The state stays, but what the snapshot shows changed (its spawnerr).
    fn republish(&mut self) {
        self.effects.push(Effect::Changed {
            from: self.core.state,
            snapshot: self.core.snapshot(),
            expected: true,
            tries: self.core.backoff,
            pid: self.core.pid,
        });
    }

    /// In BACKOFF: give up past startretries, else respawn after the backoff delay.
    fn after_backoff(&mut self) {
        let tries = self.core.backoff;
        if self
            .limits
            .startretries
            .is_some_and(|retries| tries > retries)
        {
            self.give_up();
            self.log(Line::GaveUp);
        } else {
            self.arm(Timer::Backoff, backoff_delay(self.limits, tries));
        }
    }

    fn arm(&mut self, timer: Timer, after: Duration) {
        self.effects.push(Effect::Arm {
            timer,
            after,
            epoch: self.core.epoch,
        });
    }

    fn log(&mut self, line: Line) {
        self.effects.push(Effect::Log(line));
    }

    fn refuse(&mut self, refusal: Refusal) {
        self.effects.push(Effect::Refused(refusal));
    }
}

/// The wait before try `tries` + 1: Supervisor's `tries` seconds, or 2^(tries - 1) seconds,
/// at most `maxbackoff`.
fn backoff_delay(limits: &Limits, tries: u32) -> Duration {
    let secs = match limits.backoff {
        Backoff::Linear => u64::from(tries),
        Backoff::Exponential => 1u64
            .checked_shl(tries.saturating_sub(1))
            .unwrap_or(u64::MAX),
    };
    Duration::from_secs(limits.maxbackoff.map_or(secs, |max| secs.min(max)))
}

impl Snapshot {
    /// How a waiting start request ends, once it is known (rpcinterface's onwait): Ok in
    /// RUNNING, a spawn error, or an abnormal termination; None while STARTING.
    pub fn start_outcome(&self) -> Option<Result<(), super::StartError>> {
        if self.spawnerr.is_some() {
            return Some(Err(super::StartError::SpawnError));
        }
        match self.state {
            ProcessState::Running => Some(Ok(())),
            ProcessState::Starting => None,
            _ => Some(Err(super::StartError::AbnormalTermination)),
        }
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "machine_policy_tests.rs"]
mod policy_tests;

#[cfg(test)]
#[path = "machine_readiness_tests.rs"]
mod readiness_tests;
