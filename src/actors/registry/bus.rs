//! The event bus: the Registry sees every process state change, group change and supervisor
//! state change, and output events arrive from the log thread as [`Publish`] messages. Each
//! event goes to the pools subscribed to its type (or a parent type), numbered with the global
//! serial; an event no pool wants is dropped without using a serial, as in Supervisor, where
//! the serial is taken when the first pool accepts the event.
//!
//! TICK timers exist only while some pool subscribes to them, and fire on wall-clock
//! boundaries: `when:` is the epoch floored to the period, as supervisord.py `tick()` computes.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix::prelude::*;

use super::Registry;
use crate::actors::events::{timeslice, Event, EventKind, Publish, TICK_PERIODS};
use crate::actors::listener_pool::{self, Accept, ListenerNote, ListenerPool};
use crate::config::{GroupConfig, GroupKind};

/// One running `[eventlistener:x]` pool.
pub(super) struct PoolEntry {
    /// The event type names it subscribes to.
    events: Vec<String>,
    addr: Addr<ListenerPool>,
}

impl Registry {
    /// Numbers `event` and hands it to every subscribed pool.
    pub(super) fn publish(&mut self, event: Event) {
        let targets: Vec<_> = self
            .pools
            .values()
            .filter(|p| p.events.iter().any(|e| event.kind.is_a(e)))
            .map(|p| p.addr.clone())
            .collect();
        if targets.is_empty() {
            return;
        }
        let serial = self.serial.map_or(0, |s| s.wrapping_add(1));
        self.serial = Some(serial);
        let event = Arc::new(event);
        for pool in targets {
            pool.do_send(Accept {
                event: event.clone(),
                serial,
            });
        }
    }

    /// Starts the pool of a listener group (before its processes, which report to it).
    pub(super) fn add_pool(
        &mut self,
        config: &GroupConfig,
        ctx: &mut Context<Self>,
    ) -> Option<Recipient<ListenerNote>> {
        let GroupKind::EventListener(listener) = &config.kind else {
            return None;
        };
        let addr = ListenerPool::new(config, listener.buffer_size, &self.daemon.identifier).start();
        self.pools.insert(
            config.name.clone(),
            PoolEntry {
                events: listener.events.clone(),
                addr: addr.clone(),
            },
        );
        self.update_ticks(ctx);
        Some(addr.recipient())
    }

    /// Stops the pool `name` if there is one (its group is being removed).
    pub(super) fn remove_pool(&mut self, name: &str, ctx: &mut Context<Self>) {
        if let Some(pool) = self.pools.remove(name) {
            pool.addr.do_send(listener_pool::Dissolve);
            self.update_ticks(ctx);
        }
    }

    fn wants(&self, kind: EventKind) -> bool {
        self.pools
            .values()
            .any(|p| p.events.iter().any(|e| kind.is_a(e)))
    }

    /// Arms the timer of each TICK period someone subscribes to, and cancels the others.
    fn update_ticks(&mut self, ctx: &mut Context<Self>) {
        for period in TICK_PERIODS {
            let wanted = self.wants(EventKind::Tick(period));
            match (wanted, self.ticks.contains_key(&period)) {
                (true, false) => self.arm_tick(period, ctx),
                (false, true) => {
                    if let Some(handle) = self.ticks.remove(&period) {
                        ctx.cancel_future(handle);
                    }
                }
                _ => {}
            }
        }
    }

    /// Sleeps until the next multiple of `period` seconds since the epoch, then publishes.
    fn arm_tick(&mut self, period: u64, ctx: &mut Context<Self>) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let next = timeslice(period, now.as_secs()) + period;
        let delay = Duration::from_secs(next).saturating_sub(now);
        let handle = ctx.run_later(delay, move |act, ctx| {
            act.ticks.remove(&period);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            // The monotonic timer may wake a hair before the wall clock turns over.
            let when = timeslice(period, now).max(next);
            act.publish(Event::tick(period, when));
            if act.wants(EventKind::Tick(period)) {
                act.arm_tick(period, ctx);
            }
        });
        self.ticks.insert(period, handle);
    }
}

impl Handler<Publish> for Registry {
    type Result = ();
    fn handle(&mut self, Publish(event): Publish, _: &mut Context<Self>) {
        self.publish(event);
    }
}

/// Each event listener pool's name and how many events wait in its queue, by name.
#[derive(Message)]
#[rtype(result = "Vec<(String, usize)>")]
pub struct ListenerQueues;

impl Handler<ListenerQueues> for Registry {
    type Result = ResponseFuture<Vec<(String, usize)>>;
    fn handle(&mut self, _: ListenerQueues, _: &mut Context<Self>) -> Self::Result {
        let pools: Vec<_> = self
            .pools
            .iter()
            .map(|(name, entry)| (name.clone(), entry.addr.clone()))
            .collect();
        Box::pin(async move {
            let mut lengths = Vec::with_capacity(pools.len());
            for (name, addr) in pools {
                // A pool that is going away has no queue to report.
                if let Ok(length) = addr.send(listener_pool::QueueLength).await {
                    lengths.push((name, length));
                }
            }
            lengths
        })
    }
}
