//! Stopping processes before what they depend on (`depends_on`): a stop request (one
//! process, a group, all) first stops, wave after wave, every process that needs one of its
//! targets, so nothing runs without what it depends on. Only targets are reported.

use actix::prelude::*;
use futures_util::future::join_all;

use super::Registry;
use crate::actors::group::{Action, Control, Group, MemberResult};
use crate::config::depends_on::ProcessKey;

/// One wave: processes stopped at once, each with its group's address and its name there.
type Wave = Vec<(Addr<Group>, String)>;

impl Registry {
    /// Stops `targets` (listed in start order) after everything that needs them; replies
    /// with the targets' results in that order. Every wave but the last is waited on, so
    /// that the next one starts once it has stopped; the last waits as asked.
    pub(super) fn stop_after_dependents(
        &mut self,
        targets: Vec<ProcessKey>,
        wait: bool,
    ) -> impl std::future::Future<Output = Vec<MemberResult>> {
        let mut stop_order = targets.clone();
        stop_order.reverse();
        let waves: Vec<Wave> = self
            .graph
            .stop_waves(&stop_order, false)
            .into_iter()
            .map(|wave| {
                self.cancel_starts(&wave);
                wave.iter()
                    .filter_map(|key| self.locate(&key.to_string()).ok())
                    .collect()
            })
            .collect();
        let last = waves.len().saturating_sub(1);
        async move {
            let mut results = Vec::new();
            for (i, wave) in waves.into_iter().enumerate() {
                let action = Action::Stop {
                    wait: wait || i < last,
                };
                let stops = wave.into_iter().map(|(group, name)| async move {
                    let only = Some(name);
                    group.send(Control { action, only }).await.ok().flatten()
                });
                results.extend(join_all(stops).await.into_iter().flatten().flatten());
            }
            targets
                .iter()
                .filter_map(|t| {
                    let at = results
                        .iter()
                        .position(|r| r.group == t.group && r.name == t.name)?;
                    Some(results.swap_remove(at))
                })
                .collect()
        }
    }

    /// Supervisor is going down: stop every process for good, each after everything that
    /// needs it and, among the rest, group after group, highest priority first
    /// (Supervisor's ordered_stop_groups). Each wave: its groups and their members.
    pub(super) fn shutdown_waves(&self) -> Vec<Vec<(Addr<Group>, Vec<String>)>> {
        let mut order: Vec<ProcessKey> = Vec::new();
        for name in self.start_order().iter().rev() {
            if let Some(entry) = self.groups.get(name) {
                order.extend(entry.config.processes.iter().rev().map(|p| ProcessKey {
                    group: name.clone(),
                    name: p.name.clone(),
                }));
            }
        }
        self.graph
            .stop_waves(&order, true)
            .into_iter()
            .map(|wave| {
                let mut by_group: Vec<(Addr<Group>, Vec<String>)> = Vec::new();
                for key in wave {
                    let Some(entry) = self.groups.get(&key.group) else {
                        continue;
                    };
                    match by_group.iter_mut().find(|(addr, _)| *addr == entry.addr) {
                        Some((_, names)) => names.push(key.name),
                        None => by_group.push((entry.addr.clone(), vec![key.name])),
                    }
                }
                by_group
            })
            .collect()
    }
}
