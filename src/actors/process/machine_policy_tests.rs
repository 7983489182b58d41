//! The machine's extensions beyond Supervisor: restart policies (`startretries=-1`,
//! `backoff`, `maxbackoff`, `restartpause`) and `essential`. Left at their defaults they
//! change nothing (machine_tests.rs is Supervisor's table with them at their defaults).

use super::tests::{armed, limits, refusal, states, Sim};
use super::*;
use crate::config::Backoff;
use ProcessState::*;

/// Fails `tries` starts in a row; returns the backoff delay armed after each.
fn failed_start_delays(sim: &mut Sim, tries: u32) -> Vec<u64> {
    let mut delays = Vec::new();
    sim.start(100);
    for pid in 100..100 + tries as i32 {
        let exit = sim.exit(pid, 1);
        let Some((after, _)) = armed(&exit, Timer::Backoff) else {
            break;
        };
        delays.push(after.as_secs());
        assert_eq!(sim.fire(&exit, Timer::Backoff), [Effect::Spawn]);
        sim.feed(Input::Spawned(Ok(pid + 1)));
    }
    delays
}

fn essential_end(effects: &[Effect]) -> Option<i32> {
    effects.iter().find_map(|e| match e {
        Effect::EssentialEnded { status } => Some(*status),
        _ => None,
    })
}

#[test]
fn startretries_minus_one_retries_forever() {
    let mut sim = Sim::new(Limits {
        startretries: None,
        ..limits()
    });
    let delays = failed_start_delays(&mut sim, 50);
    assert_eq!(delays, (1..=50).collect::<Vec<_>>());
    assert_eq!(sim.core.state(), Starting);
}

#[test]
fn maxbackoff_caps_the_linear_delay() {
    let mut sim = Sim::new(Limits {
        startretries: None,
        maxbackoff: Some(4),
        ..limits()
    });
    assert_eq!(failed_start_delays(&mut sim, 7), [1, 2, 3, 4, 4, 4, 4]);
}

#[test]
fn exponential_backoff_doubles_up_to_maxbackoff() {
    let mut sim = Sim::new(Limits {
        startretries: None,
        backoff: Backoff::Exponential,
        maxbackoff: Some(20),
        ..limits()
    });
    assert_eq!(failed_start_delays(&mut sim, 7), [1, 2, 4, 8, 16, 20, 20]);
}

#[test]
fn exponential_backoff_without_a_cap_saturates_rather_than_overflows() {
    let limits = Limits {
        backoff: Backoff::Exponential,
        ..limits()
    };
    assert_eq!(backoff_delay(&limits, 64), Duration::from_secs(1 << 63));
    assert_eq!(
        backoff_delay(&limits, u32::MAX),
        Duration::from_secs(u64::MAX)
    );
}

#[test]
fn backoff_still_gives_up_after_startretries() {
    let mut sim = Sim::new(Limits {
        startretries: Some(2),
        backoff: Backoff::Exponential,
        ..limits()
    });
    assert_eq!(failed_start_delays(&mut sim, 5), [1, 2]);
    assert_eq!(sim.core.state(), Fatal);
}

/// RUNNING with autorestart and a 5 s restartpause, then an exit: the exit's effects.
fn exited_in_restartpause() -> (Sim, Vec<Effect>) {
    let mut sim = Sim::new(Limits {
        autorestart: AutoRestart::True,
        restartpause: 5,
        ..limits()
    });
    sim.running(7);
    let exit = sim.exit(7, 0);
    (sim, exit)
}

#[test]
fn restartpause_waits_in_exited_then_restarts() {
    let (mut sim, exit) = exited_in_restartpause();
    assert_eq!(states(&exit), [Exited]);
    assert!(!exit.contains(&Effect::Spawn));
    assert_eq!(
        armed(&exit, Timer::Restart).map(|a| a.0),
        Some(Duration::from_secs(5))
    );
    assert_eq!(sim.fire(&exit, Timer::Restart), [Effect::Spawn]);
}

#[test]
fn a_stop_during_restartpause_cancels_the_restart() {
    let (mut sim, exit) = exited_in_restartpause();
    let stop = sim.feed(Input::Stop);
    assert_eq!(refusal(&stop), None, "the stop is accepted");
    assert_eq!(sim.fire(&exit, Timer::Restart), []);
    assert_eq!(sim.core.state(), Exited);
    // Nothing pending now: a second stop is refused as for any EXITED process.
    assert_eq!(refusal(&sim.feed(Input::Stop)), Some(Refusal::NotRunning));
}

#[test]
fn a_start_during_restartpause_starts_at_once_and_the_pause_ends_idle() {
    let (mut sim, exit) = exited_in_restartpause();
    sim.start(8);
    assert_eq!(sim.fire(&exit, Timer::Restart), []);
    assert_eq!(sim.core.pid(), 8);
}

#[test]
fn a_shutdown_during_restartpause_leaves_it_exited() {
    let (mut sim, exit) = exited_in_restartpause();
    sim.feed(Input::Shutdown);
    assert_eq!(sim.fire(&exit, Timer::Restart), []);
    assert_eq!(sim.core.state(), Exited);
}

fn essential() -> Limits<'static> {
    Limits {
        essential: true,
        ..limits()
    }
}

#[test]
fn an_essential_process_that_goes_fatal_ends_the_daemon_with_1() {
    let mut sim = Sim::new(Limits {
        startretries: Some(0),
        ..essential()
    });
    sim.start(5);
    let exit = sim.exit(5, 3);
    assert_eq!(states(&exit), [Backoff, Fatal]);
    assert_eq!(essential_end(&exit), Some(1));
}

#[test]
fn an_essential_process_that_exits_for_good_ends_the_daemon_with_its_status() {
    let mut sim = Sim::new(Limits {
        autorestart: AutoRestart::False,
        ..essential()
    });
    sim.running(5);
    assert_eq!(essential_end(&sim.exit(5, 3)), Some(3));
    sim.running(6);
    let killed = sim.feed(Input::Exited {
        pid: 6,
        how: ExitHow::Signal {
            sig: libc::SIGKILL,
            core: false,
        },
    });
    assert_eq!(essential_end(&killed), Some(128 + libc::SIGKILL));
}

#[test]
fn an_essential_process_that_will_restart_does_not_end_the_daemon() {
    let mut sim = Sim::new(essential());
    sim.running(5);
    // autorestart=unexpected: 0 is expected, so no restart comes and the daemon ends...
    assert_eq!(essential_end(&sim.exit(5, 0)), Some(0));
    sim.running(6);
    // ...while an unexpected code restarts it.
    let exit = sim.exit(6, 2);
    assert!(exit.contains(&Effect::Spawn));
    assert_eq!(essential_end(&exit), None);
    // So does a too-quick exit that will be retried.
    sim.feed(Input::Spawned(Ok(7)));
    assert_eq!(essential_end(&sim.exit(7, 2)), None);
}

#[test]
fn stopping_an_essential_process_or_a_shutdown_does_not_end_the_daemon() {
    let mut sim = Sim::new(essential());
    sim.running(5);
    sim.feed(Input::Stop);
    assert_eq!(essential_end(&sim.exit(5, 0)), None);
    assert_eq!(sim.core.state(), Stopped);

    let mut sim = Sim::new(essential());
    sim.start(5);
    sim.exit(5, 1);
    // In BACKOFF, a shutdown gives up (FATAL) without ending anything by itself.
    let shutdown = sim.feed(Input::Shutdown);
    assert_eq!(states(&shutdown), [Fatal]);
    assert_eq!(essential_end(&shutdown), None);
}

#[test]
fn ready_while_running_only() {
    let mut sim = Sim::new(limits());
    let started = sim.start(5);
    assert!(!sim.core.snapshot().ready);
    sim.fire(&started, Timer::Running);
    assert!(sim.core.snapshot().ready);
    sim.exit(5, 0);
    assert!(!sim.core.snapshot().ready);
}

/// The spawnerr of the last snapshot in `effects`.
fn last_spawnerr(effects: &[Effect]) -> Option<String> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Changed { snapshot, .. } => Some(snapshot.spawnerr.clone()?),
        _ => None,
    })
}

#[test]
fn blocked_keeps_a_stopped_process_stopped_with_the_reason() {
    let mut sim = Sim::new(limits());
    let effects = sim.feed(Input::Blocked("dependency db is FATAL".into()));
    assert_eq!(states(&effects), [Stopped]);
    assert_eq!(
        last_spawnerr(&effects).as_deref(),
        Some("dependency db is FATAL")
    );
    assert!(!effects.contains(&Effect::Spawn));
    // The next start clears it.
    sim.start(100);
    assert_eq!(sim.core.snapshot().spawnerr, None);
}

#[test]
fn blocked_moves_an_exited_process_to_stopped_and_leaves_a_running_one_alone() {
    let mut sim = Sim::new(Limits {
        autorestart: AutoRestart::False,
        ..limits()
    });
    sim.running(100);
    assert!(sim.feed(Input::Blocked("x".into())).is_empty());
    sim.exit(100, 0);
    assert_eq!(sim.core.state(), Exited);
    let effects = sim.feed(Input::Blocked("dependency db is FATAL".into()));
    assert_eq!(states(&effects), [Stopped]);
    assert!(!sim.core.snapshot().ready);
}
