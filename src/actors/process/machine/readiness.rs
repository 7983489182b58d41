//! The machine's readiness transitions (extensions): a child that sends no READY=1 in
//! time, and the verdicts of health probes.

use std::time::Duration;

use super::{Effect, Line, Purpose, Run, Timer};
use crate::config::HealthAction;
use crate::model::Health;

impl Run<'_, '_> {
    /// ready_notify: startsecs passed without READY=1. The child is stopped as a stop
    /// would (stopsignal, SIGKILL after stopwaitsecs) while STARTING stays; its exit is a
    /// failed start.
    pub(super) fn not_ready(&mut self) {
        self.log(Line::NotReady {
            startsecs: self.limits.startsecs,
        });
        self.core.start_failed = true;
        self.stop_child(self.limits.stopsignal, self.limits.stopasgroup);
    }

    /// Signals the child to stop and arms the SIGKILL timer (a stop request also changes
    /// the state first; a failed start does not).
    pub(super) fn stop_child(&mut self, sig: i32, as_group: bool) {
        let pid = self.core.pid;
        self.log(Line::Killing { pid, as_group, sig });
        self.signal_stop(sig, as_group);
    }

    /// kill(2) for a stop, with the SIGKILL timer after stopwaitsecs.
    pub(super) fn signal_stop(&mut self, sig: i32, as_group: bool) {
        let pid = self.core.pid;
        self.arm(Timer::Kill, Duration::from_secs(self.limits.stopwaitsecs));
        self.effects.push(Effect::Signal {
            target: if as_group { -pid } else { pid },
            pid,
            sig,
            purpose: Purpose::Stop,
        });
    }

    /// A health probe's verdict, in RUNNING.
    pub(super) fn probed(&mut self, healthy: bool) {
        let Some(check) = self.limits.health else {
            return;
        };
        let interval = Duration::from_secs(check.interval);
        if healthy {
            self.core.probe_failures = 0;
            if self.core.health != Health::Healthy {
                self.core.health = Health::Healthy;
                self.core.ready = true;
                self.log(Line::Healthy);
                self.refreshed();
            }
            self.arm(Timer::Probe, interval);
            return;
        }
        let ran_for = self.ran_for();
        if ran_for < Duration::from_secs(check.start_period) {
            self.arm(Timer::Probe, interval);
            return;
        }
        self.core.probe_failures = self.core.probe_failures.saturating_add(1);
        if self.core.probe_failures < check.retries {
            self.arm(Timer::Probe, interval);
            return;
        }
        if self.core.health != Health::Unhealthy {
            self.core.health = Health::Unhealthy;
            self.core.ready = false;
            self.log(Line::Unhealthy {
                failures: self.core.probe_failures,
                action: check.action,
            });
            self.refreshed();
        }
        match check.action {
            HealthAction::None => self.arm(Timer::Probe, interval),
            HealthAction::Stop => self.kill(self.limits.stopsignal),
            HealthAction::Restart => {
                self.kill(self.limits.stopsignal);
                self.core.restart_after_stop = true;
            }
        }
    }

    pub(super) fn refreshed(&mut self) {
        self.effects.push(Effect::Refreshed {
            snapshot: self.core.snapshot(),
        });
    }
}
