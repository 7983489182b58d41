//! Readiness in the machine: `ready_notify` (READY=1 within startsecs) and health checks
//! (probes while RUNNING, ready on the first pass, the action after `retries` failures).

use super::tests::{armed, limits, lines, states, Sim};
use super::*;
use crate::config::{HealthAction, HealthCheck, Probe};
use ProcessState::*;

fn notify() -> Limits<'static> {
    Limits {
        ready_notify: true,
        startsecs: 5,
        ..limits()
    }
}

#[test]
fn ready_notify_stays_starting_until_ready_then_runs() {
    let mut sim = Sim::new(notify());
    let started = sim.start(9);
    assert_eq!(states(&started), [Starting]);
    sim.wait(2);
    assert_eq!(states(&sim.feed(Input::Ready)), [Running]);
    assert!(sim.core.snapshot().ready);
    // The startsecs timer of that STARTING is spent.
    assert_eq!(sim.fire(&started, Timer::Running), []);
}

#[test]
fn ready_notify_without_ready_in_startsecs_stops_the_child_and_backs_off() {
    let mut sim = Sim::new(notify());
    let started = sim.start(9);
    let due = sim.fire(&started, Timer::Running);
    assert_eq!(
        states(&due),
        [],
        "STARTING stays while the child is stopped"
    );
    assert!(lines(&due).contains(&Line::NotReady { startsecs: 5 }));
    assert!(due.contains(&Effect::Signal {
        target: 9,
        pid: 9,
        sig: libc::SIGTERM,
        purpose: Purpose::Stop
    }));
    // A late READY=1 changes nothing now; SIGKILL follows stopwaitsecs later.
    assert_eq!(states(&sim.feed(Input::Ready)), []);
    let kill = sim.fire(&due, Timer::Kill);
    assert!(kill
        .iter()
        .any(|e| matches!(e, Effect::Signal { sig, .. } if *sig == libc::SIGKILL)));
    let exit = sim.exit(9, -1);
    assert_eq!(states(&exit), [Backoff]);
    assert_eq!(
        sim.core.snapshot().spawnerr.as_deref(),
        Some("Not ready within 5 seconds (startsecs)")
    );
}

#[test]
fn ready_notify_an_exit_before_ready_is_a_failed_start_even_after_startsecs() {
    let mut sim = Sim::new(Limits {
        startsecs: 0,
        ..notify()
    });
    let started = sim.start(9);
    assert_eq!(
        armed(&started, Timer::Running),
        None,
        "startsecs=0: no time limit"
    );
    sim.wait(60);
    assert_eq!(states(&sim.exit(9, 0)), [Backoff]);
}

fn check(action: HealthAction) -> &'static HealthCheck {
    leak(HealthCheck {
        probe: Probe::Command("true".into()),
        interval: 10,
        timeout: 5,
        retries: 2,
        start_period: 30,
        action,
    })
}

/// Limits borrow their check for the whole test.
fn leak(check: HealthCheck) -> &'static HealthCheck {
    Box::leak(Box::new(check))
}

fn probe_epoch(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Probe { epoch } => Some(*epoch),
            _ => None,
        })
        .expect("a probe")
}

/// RUNNING with a health check; returns the effects that asked for the first probe.
fn running_checked(sim: &mut Sim) -> Vec<Effect> {
    let started = sim.start(7);
    let running = sim.fire(&started, Timer::Running);
    assert_eq!(sim.core.snapshot().health, Health::Starting);
    assert!(
        !sim.core.snapshot().ready,
        "not ready before a probe passes"
    );
    running
}

fn probed(sim: &mut Sim, asked: &[Effect], healthy: bool) -> Vec<Effect> {
    let epoch = probe_epoch(asked);
    sim.feed(Input::Probed { epoch, healthy })
}

/// The next probe the `after` effects armed, due now.
fn next_probe(sim: &mut Sim, after: &[Effect]) -> Vec<Effect> {
    let asked = sim.fire(after, Timer::Probe);
    assert_eq!(asked.len(), 1, "{asked:?}");
    asked
}

#[test]
fn health_ready_on_the_first_pass_then_unhealthy_after_retries_then_restart() {
    let mut sim = Sim::new(Limits {
        health: Some(check(HealthAction::Restart)),
        ..limits()
    });
    let asked = running_checked(&mut sim);
    let passed = probed(&mut sim, &asked, true);
    assert!(lines(&passed).contains(&Line::Healthy));
    assert!(passed
        .iter()
        .any(|e| matches!(e, Effect::Refreshed { snapshot } if snapshot.ready)));
    assert_eq!(sim.core.snapshot().health, Health::Healthy);
    // Past the start period: two failures in a row make it unhealthy and restart it.
    sim.wait(40);
    let asked = next_probe(&mut sim, &passed);
    let failed = probed(&mut sim, &asked, false);
    assert_eq!(
        sim.core.snapshot().health,
        Health::Healthy,
        "one failure is not enough"
    );
    let asked = next_probe(&mut sim, &failed);
    let failed = probed(&mut sim, &asked, false);
    assert!(lines(&failed).contains(&Line::Unhealthy {
        failures: 2,
        action: HealthAction::Restart
    }));
    assert_eq!(states(&failed), [Stopping]);
    let exit = sim.exit(7, -1);
    assert_eq!(states(&exit), [Stopped]);
    assert!(exit.contains(&Effect::Spawn), "restarted");
}

#[test]
fn health_failures_in_the_start_period_do_not_count() {
    let mut sim = Sim::new(Limits {
        health: Some(check(HealthAction::Stop)),
        ..limits()
    });
    let mut asked = running_checked(&mut sim);
    for _ in 0..2 {
        let failed = probed(&mut sim, &asked, false);
        assert_eq!(states(&failed), []);
        asked = next_probe(&mut sim, &failed);
    }
    assert_eq!(sim.core.snapshot().health, Health::Starting);
    // 1 + 10 + 10 s in: past the 30 s start period after one more interval.
    sim.wait(10);
    let failed = probed(&mut sim, &asked, false);
    let asked = next_probe(&mut sim, &failed);
    let failed = probed(&mut sim, &asked, false);
    assert_eq!(states(&failed), [Stopping], "action=stop");
    assert_eq!(states(&sim.exit(7, 0)), [Stopped]);
    assert_eq!(sim.core.state(), Stopped);
}

#[test]
fn health_action_none_keeps_probing_and_recovers() {
    let mut sim = Sim::new(Limits {
        health: Some(leak(HealthCheck {
            start_period: 0,
            ..check(HealthAction::None).clone()
        })),
        ..limits()
    });
    let asked = running_checked(&mut sim);
    let failed = probed(&mut sim, &asked, false);
    let asked = next_probe(&mut sim, &failed);
    let failed = probed(&mut sim, &asked, false);
    assert_eq!(sim.core.snapshot().health, Health::Unhealthy);
    assert_eq!(states(&failed), []);
    let asked = next_probe(&mut sim, &failed);
    probed(&mut sim, &asked, true);
    assert_eq!(sim.core.snapshot().health, Health::Healthy);
    assert!(sim.core.snapshot().ready);
}

#[test]
fn a_probe_verdict_from_an_earlier_run_is_ignored() {
    let mut sim = Sim::new(Limits {
        health: Some(check(HealthAction::Restart)),
        autorestart: AutoRestart::True,
        ..limits()
    });
    let asked = running_checked(&mut sim);
    sim.exit(7, 0);
    sim.feed(Input::Spawned(Ok(8)));
    assert_eq!(states(&probed(&mut sim, &asked, true)), []);
    assert_eq!(sim.core.snapshot().health, Health::Unchecked);
}

#[test]
fn a_stop_during_a_health_restart_stays_stopped() {
    let mut sim = Sim::new(Limits {
        health: Some(leak(HealthCheck {
            start_period: 0,
            retries: 1,
            ..check(HealthAction::Restart).clone()
        })),
        ..limits()
    });
    let asked = running_checked(&mut sim);
    probed(&mut sim, &asked, false);
    assert_eq!(sim.core.state(), Stopping);
    sim.feed(Input::Stop);
    let exit = sim.exit(7, 0);
    assert!(!exit.contains(&Effect::Spawn));
}
