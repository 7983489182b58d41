//! The machine's transitions, without a child or a clock: Supervisor's state diagram and the
//! corner cases of its own test_process.py.

use super::*;
use crate::config::Backoff;
use ProcessState::*;

const SIGTERM: i32 = libc::SIGTERM;
const SIGKILL: i32 = libc::SIGKILL;

pub(super) fn limits() -> Limits<'static> {
    Limits {
        autostart: true,
        startsecs: 1,
        startretries: Some(3),
        backoff: Backoff::Linear,
        maxbackoff: None,
        restartpause: 0,
        essential: false,
        ready_notify: false,
        health: None,
        stopwaitsecs: 10,
        autorestart: AutoRestart::Unexpected,
        exitcodes: &[0],
        stopsignal: SIGTERM,
        stopasgroup: false,
        killasgroup: false,
    }
}

/// A process and a clock that only moves when told.
pub(super) struct Sim {
    pub(super) core: Core,
    start: Instant,
    elapsed: Duration,
    limits: Limits<'static>,
}

impl Sim {
    pub(super) fn new(limits: Limits<'static>) -> Sim {
        Sim {
            core: Core::default(),
            start: Instant::now(),
            elapsed: Duration::ZERO,
            limits,
        }
    }

    pub(super) fn feed(&mut self, input: Input) -> Vec<Effect> {
        let now = Now {
            mono: self.start + self.elapsed,
            wall: 1_000_000.0 + self.elapsed.as_secs_f64(),
        };
        step(&mut self.core, input, &self.limits, now)
    }

    pub(super) fn wait(&mut self, secs: u64) {
        self.elapsed += Duration::from_secs(secs);
    }

    /// A start request answered by a spawn of `pid`; returns the spawn's effects.
    pub(super) fn start(&mut self, pid: i32) -> Vec<Effect> {
        assert_eq!(self.feed(Input::Start), [Effect::Spawn]);
        self.feed(Input::Spawned(Ok(pid)))
    }

    /// Fires the timer of this kind that `effects` armed.
    pub(super) fn fire(&mut self, effects: &[Effect], which: Timer) -> Vec<Effect> {
        let (after, epoch) = armed(effects, which).expect("timer armed");
        self.elapsed += after;
        self.feed(Input::Timer {
            timer: which,
            epoch,
        })
    }

    /// Started, and RUNNING once startsecs have passed.
    pub(super) fn running(&mut self, pid: i32) {
        let effects = self.start(pid);
        self.fire(&effects, Timer::Running);
        assert_eq!(self.core.state(), Running);
    }

    pub(super) fn exit(&mut self, pid: i32, code: i32) -> Vec<Effect> {
        self.feed(Input::Exited {
            pid,
            how: ExitHow::Code(code),
        })
    }
}

/// The states entered, in order.
pub(super) fn states(effects: &[Effect]) -> Vec<ProcessState> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Changed { snapshot, .. } => Some(snapshot.state),
            _ => None,
        })
        .collect()
}

pub(super) fn armed(effects: &[Effect], which: Timer) -> Option<(Duration, u64)> {
    effects.iter().find_map(|e| match e {
        Effect::Arm {
            timer,
            after,
            epoch,
        } if *timer == which => Some((*after, *epoch)),
        _ => None,
    })
}

pub(super) fn signals(effects: &[Effect]) -> Vec<(i32, i32)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Signal { target, sig, .. } => Some((*target, *sig)),
            _ => None,
        })
        .collect()
}

pub(super) fn lines(effects: &[Effect]) -> Vec<Line> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Log(line) => Some(line.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn refusal(effects: &[Effect]) -> Option<Refusal> {
    effects.iter().find_map(|e| match e {
        Effect::Refused(r) => Some(*r),
        _ => None,
    })
}

#[test]
fn start_spawns_then_running_after_startsecs() {
    let mut sim = Sim::new(limits());
    let effects = sim.start(42);
    assert_eq!(states(&effects), [Starting]);
    assert_eq!(sim.core.pid(), 42);
    assert!(effects.contains(&Effect::ChildUp));
    assert_eq!(lines(&effects), [Line::Spawned { pid: 42 }]);
    assert_eq!(
        armed(&effects, Timer::Running).map(|a| a.0),
        Some(Duration::from_secs(1))
    );
    let effects = sim.fire(&effects, Timer::Running);
    assert_eq!(states(&effects), [Running]);
    assert_eq!(lines(&effects), [Line::EnteredRunning { startsecs: 1 }]);
}

#[test]
fn startsecs_zero_is_running_at_once() {
    let mut sim = Sim::new(Limits {
        startsecs: 0,
        ..limits()
    });
    assert_eq!(states(&sim.start(7)), [Starting, Running]);
}

#[test]
fn autostart_only_once_and_only_when_configured() {
    let mut sim = Sim::new(limits());
    assert_eq!(sim.feed(Input::Autostart), [Effect::Spawn]);
    sim.feed(Input::Spawned(Ok(1)));
    sim.feed(Input::Stop);
    sim.exit(1, 0);
    // STOPPED again, but it has been started: autostart is the first pass only.
    assert_eq!(sim.core.state(), Stopped);
    assert!(sim.feed(Input::Autostart).is_empty());
    let mut off = Sim::new(Limits {
        autostart: false,
        ..limits()
    });
    assert!(off.feed(Input::Autostart).is_empty());
}

#[test]
fn a_spawn_error_is_starting_then_backoff_with_its_text() {
    let mut sim = Sim::new(limits());
    assert_eq!(sim.feed(Input::Start), [Effect::Spawn]);
    let effects = sim.feed(Input::Spawned(Err("can't find command 'x'".into())));
    assert_eq!(states(&effects), [Starting, Backoff]);
    assert_eq!(
        lines(&effects),
        [Line::SpawnErr("can't find command 'x'".into())]
    );
    assert_eq!(
        sim.core.snapshot().start_outcome(),
        Some(Err(crate::actors::process::StartError::SpawnError))
    );
    assert_eq!(
        armed(&effects, Timer::Backoff).map(|a| a.0),
        Some(Duration::from_secs(1))
    );
}

#[test]
fn exits_too_quickly_back_off_1_2_3_seconds_then_fatal() {
    let mut sim = Sim::new(Limits {
        startretries: Some(3),
        ..limits()
    });
    let mut effects = sim.start(100);
    for (try_no, pid) in (1..=3).zip(101..) {
        let exit = sim.exit(pid - 1, 1);
        assert_eq!(states(&exit), [Backoff], "try {try_no}");
        assert!(matches!(
            exit.iter().find(|e| matches!(e, Effect::Changed { .. })),
            Some(Effect::Changed { tries, .. }) if *tries == try_no
        ));
        assert_eq!(
            armed(&exit, Timer::Backoff).map(|a| a.0),
            Some(Duration::from_secs(u64::from(try_no)))
        );
        assert_eq!(sim.fire(&exit, Timer::Backoff), [Effect::Spawn]);
        effects = sim.feed(Input::Spawned(Ok(pid)));
    }
    let _ = effects;
    let exit = sim.exit(103, 1);
    assert_eq!(states(&exit), [Backoff, Fatal]);
    assert_eq!(lines(&exit).last(), Some(&Line::GaveUp));
    assert_eq!(
        sim.core.snapshot().spawnerr.as_deref(),
        Some("Exited too quickly (process log may have details)")
    );
}

#[test]
fn a_start_that_stays_up_resets_the_backoff() {
    let mut sim = Sim::new(limits());
    sim.start(1);
    let exit = sim.exit(1, 1);
    sim.fire(&exit, Timer::Backoff);
    let effects = sim.feed(Input::Spawned(Ok(2)));
    let running = sim.fire(&effects, Timer::Running);
    assert_eq!(states(&running), [Running]);
    sim.exit(2, 0);
    // The next quick exit counts from one again.
    let effects = sim.feed(Input::Start);
    assert_eq!(effects, [Effect::Spawn]);
    sim.feed(Input::Spawned(Ok(3)));
    let exit = sim.exit(3, 1);
    assert!(matches!(
        exit.iter().find(|e| matches!(e, Effect::Changed { .. })),
        Some(Effect::Changed { tries: 1, .. })
    ));
}

#[test]
fn autorestart_against_exitcodes() {
    // (autorestart, exit code, restarts, logged as expected)
    let table = [
        (AutoRestart::True, 0, true, true),
        (AutoRestart::True, 2, true, false),
        (AutoRestart::False, 0, false, true),
        (AutoRestart::False, 2, false, false),
        (AutoRestart::Unexpected, 0, false, true),
        (AutoRestart::Unexpected, 2, true, false),
    ];
    for (autorestart, code, restarts, expected) in table {
        let mut sim = Sim::new(Limits {
            autorestart,
            ..limits()
        });
        sim.running(5);
        let effects = sim.exit(5, code);
        let row = format!("{autorestart:?} exit {code}");
        assert_eq!(states(&effects), [Exited], "{row}");
        assert_eq!(effects.last() == Some(&Effect::Spawn), restarts, "{row}");
        assert_eq!(
            lines(&effects),
            [Line::Exited {
                how: format!("exit status {code}"),
                expected
            }],
            "{row}"
        );
        // What EXITED showed (a restart clears both for the new life).
        let exited = effects
            .iter()
            .find_map(|e| match e {
                Effect::Changed { snapshot, .. } => Some(snapshot.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(exited.exitstatus, code, "{row}");
        assert_eq!(exited.spawnerr.is_some(), !expected, "{row}: {exited:?}");
    }
}

#[test]
fn an_exit_after_startsecs_but_before_the_timer_is_running_then_exited() {
    let mut sim = Sim::new(limits());
    sim.start(9);
    sim.wait(2);
    let effects = sim.exit(9, 0);
    assert_eq!(states(&effects), [Running, Exited]);
    // The RUNNING timer of that life, due now, finds the process moved on.
    assert!(sim
        .feed(Input::Timer {
            timer: Timer::Running,
            epoch: 1
        })
        .is_empty());
}

#[test]
fn stop_during_starting_wins_over_exited_too_quickly() {
    let mut sim = Sim::new(limits());
    sim.start(11);
    let effects = sim.feed(Input::Stop);
    assert_eq!(states(&effects), [Stopping]);
    assert_eq!(signals(&effects), [(11, SIGTERM)]);
    let effects = sim.exit(11, 0);
    assert_eq!(states(&effects), [Stopped]);
    assert_eq!(
        lines(&effects),
        [Line::Stopped {
            how: "exit status 0".into(),
            expected: true
        }]
    );
    assert!(sim.core.snapshot().spawnerr.is_none());
}

#[test]
fn an_exit_during_stopping_is_stopped_with_its_status() {
    let mut sim = Sim::new(limits());
    sim.running(12);
    sim.feed(Input::Stop);
    let effects = sim.feed(Input::Exited {
        pid: 12,
        how: ExitHow::Signal {
            sig: SIGTERM,
            core: false,
        },
    });
    assert_eq!(states(&effects), [Stopped]);
    assert_eq!(sim.core.snapshot().exitstatus, -1);
    assert!(matches!(
        effects.iter().find(|e| matches!(e, Effect::Changed { .. })),
        Some(Effect::Changed { pid: 12, .. })
    ));
    assert_eq!(
        lines(&effects),
        [Line::Stopped {
            how: "terminated by SIGTERM".into(),
            expected: false
        }]
    );
}

#[test]
fn sigkill_after_stopwaitsecs_and_again_after_each_further_wait() {
    let mut sim = Sim::new(Limits {
        stopasgroup: false,
        killasgroup: true,
        ..limits()
    });
    sim.running(13);
    let stop = sim.feed(Input::Stop);
    assert_eq!(signals(&stop), [(13, SIGTERM)]);
    assert_eq!(
        armed(&stop, Timer::Kill).map(|a| a.0),
        Some(Duration::from_secs(10))
    );
    let kill = sim.fire(&stop, Timer::Kill);
    assert_eq!(lines(&kill)[0], Line::KillTimeout { pid: 13 });
    // Once STOPPING, killasgroup decides: the process group.
    assert_eq!(signals(&kill), [(-13, SIGKILL)]);
    assert_eq!(signals(&sim.fire(&kill, Timer::Kill)), [(-13, SIGKILL)]);
    assert_eq!(states(&sim.exit(13, 0)), [Stopped]);
}

#[test]
fn a_kill_timer_from_an_earlier_stop_does_nothing() {
    let mut sim = Sim::new(limits());
    sim.running(14);
    let stop = sim.feed(Input::Stop);
    sim.exit(14, 0);
    sim.running(15);
    assert!(sim.fire(&stop, Timer::Kill).is_empty());
    assert_eq!(sim.core.state(), Running);
}

#[test]
fn stop_in_backoff_is_stopped_without_a_signal() {
    let mut sim = Sim::new(limits());
    sim.start(16);
    let exit = sim.exit(16, 1);
    let effects = sim.feed(Input::Stop);
    assert_eq!(states(&effects), [Stopped]);
    assert_eq!(lines(&effects), [Line::KillInBackoff]);
    assert!(signals(&effects).is_empty());
    // The respawn that BACKOFF had armed no longer happens.
    assert!(sim.fire(&exit, Timer::Backoff).is_empty());
}

#[test]
fn requests_refused_as_supervisor_refuses_them() {
    let mut sim = Sim::new(limits());
    assert_eq!(refusal(&sim.feed(Input::Stop)), Some(Refusal::NotRunning));
    assert_eq!(
        refusal(&sim.feed(Input::Signal(1))),
        Some(Refusal::NotRunning)
    );
    sim.running(17);
    assert_eq!(
        refusal(&sim.feed(Input::Start)),
        Some(Refusal::AlreadyStarted)
    );
    let effects = sim.feed(Input::Signal(libc::SIGHUP));
    assert_eq!(signals(&effects), [(17, libc::SIGHUP)]);
    assert_eq!(
        lines(&effects),
        [Line::SendingSignal {
            pid: 17,
            sig: libc::SIGHUP
        }]
    );
    assert_eq!(sim.core.state(), Running);
}

#[test]
fn a_failed_kill_leaves_the_process_unknown_and_unstartable() {
    let mut sim = Sim::new(limits());
    sim.running(18);
    sim.feed(Input::Stop);
    let effects = sim.feed(Input::SignalFailed(Purpose::Stop));
    assert_eq!(states(&effects), [Unknown]);
    assert!(sim.core.takes_stdin());
    assert_eq!(
        refusal(&sim.feed(Input::Start)),
        Some(Refusal::UnknownState)
    );
}

#[test]
fn stdin_is_taken_while_a_child_runs_and_no_stop_is_under_way() {
    let mut sim = Sim::new(limits());
    assert!(!sim.core.takes_stdin());
    sim.running(19);
    assert!(sim.core.takes_stdin());
    sim.feed(Input::Stop);
    assert!(!sim.core.takes_stdin());
}

#[test]
fn shutdown_stops_gives_up_backoff_and_never_starts_again() {
    let mut sim = Sim::new(Limits {
        autorestart: AutoRestart::True,
        ..limits()
    });
    sim.running(20);
    let effects = sim.feed(Input::Shutdown);
    assert_eq!(states(&effects), [Stopping]);
    let effects = sim.exit(20, 0);
    assert_eq!(states(&effects), [Stopped]);
    assert!(!effects.contains(&Effect::Spawn));
    assert_eq!(
        refusal(&sim.feed(Input::Start)),
        Some(Refusal::ShuttingDown)
    );

    let mut backing_off = Sim::new(limits());
    backing_off.start(21);
    let exit = backing_off.exit(21, 1);
    let effects = backing_off.feed(Input::Shutdown);
    assert_eq!(states(&effects), [Fatal]);
    assert!(backing_off.fire(&exit, Timer::Backoff).is_empty());
}

#[test]
fn an_exit_of_another_pid_is_ignored() {
    let mut sim = Sim::new(limits());
    sim.running(22);
    assert!(sim.exit(999, 0).is_empty());
    assert_eq!(sim.core.state(), Running);
}

#[test]
fn a_waiting_start_settles_when_running_or_when_it_fails() {
    let mut sim = Sim::new(limits());
    let effects = sim.start(23);
    assert_eq!(sim.core.snapshot().start_outcome(), None);
    sim.fire(&effects, Timer::Running);
    assert_eq!(sim.core.snapshot().start_outcome(), Some(Ok(())));
    sim.feed(Input::Stop);
    sim.exit(23, 0);
    let effects = sim.start(24);
    let _ = effects;
    sim.exit(24, 1);
    assert_eq!(
        sim.core.snapshot().start_outcome(),
        Some(Err(crate::actors::process::StartError::SpawnError))
    );
}

#[test]
fn a_start_while_stopping_finds_the_child_still_up() {
    let mut sim = Sim::new(limits());
    sim.running(25);
    sim.feed(Input::Stop);
    assert_eq!(lines(&sim.feed(Input::Start)), [Line::AlreadyRunning]);
    assert_eq!(sim.core.state(), Stopping);
}
