//! The start graph of the running groups (`depends_on`, resolved by config/depends_on.rs):
//! which processes a process waits for, in which order to start a process's dependencies,
//! and in which waves to stop processes so that each stops after everything that needs it.
//! Pure: the Registry asks it, and acts (dependent_start.rs, dependent_stop.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::config::depends_on::{self, ProcessKey};
use crate::config::GroupConfig;

/// Who needs whom. Empty when no running program has a `depends_on`: then every start and
/// stop takes Supervisor's own path.
#[derive(Debug, Default)]
pub(super) struct Graph {
    /// Each process with dependencies, and them.
    needs: BTreeMap<ProcessKey, Vec<ProcessKey>>,
    /// The reverse: each process that is needed, and what needs it.
    needed_by: BTreeMap<ProcessKey, Vec<ProcessKey>>,
}

impl Graph {
    pub fn of(groups: &[Arc<GroupConfig>]) -> Graph {
        let needs = depends_on::graph(groups);
        let mut needed_by: BTreeMap<ProcessKey, Vec<ProcessKey>> = BTreeMap::new();
        for (dependent, deps) in &needs {
            for dep in deps {
                needed_by
                    .entry(dep.clone())
                    .or_default()
                    .push(dependent.clone());
            }
        }
        Graph { needs, needed_by }
    }

    pub fn is_empty(&self) -> bool {
        self.needs.is_empty()
    }

    /// What `key` waits for directly.
    pub fn needs(&self, key: &ProcessKey) -> &[ProcessKey] {
        self.needs.get(key).map_or(&[], Vec::as_slice)
    }

    fn needed_by(&self, key: &ProcessKey) -> &[ProcessKey] {
        self.needed_by.get(key).map_or(&[], Vec::as_slice)
    }

    /// `targets` and everything they wait for, transitively, each after what it waits for
    /// (targets otherwise in their own order). The loader refused cycles.
    pub fn start_order(&self, targets: &[ProcessKey]) -> Vec<ProcessKey> {
        let mut order = Vec::new();
        let mut seen = BTreeSet::new();
        for target in targets {
            self.after(target, &mut seen, &mut order, &|key| self.needs(key));
        }
        order
    }

    /// `targets` and everything that needs them, transitively, in waves to stop one after
    /// another: each process in a later wave than everything that needs it. `by_group`:
    /// also a new wave wherever the group changes (a shutdown stops group after group).
    pub fn stop_waves(&self, targets: &[ProcessKey], by_group: bool) -> Vec<Vec<ProcessKey>> {
        let mut order = Vec::new();
        let mut seen = BTreeSet::new();
        for target in targets {
            self.after(target, &mut seen, &mut order, &|key| self.needed_by(key));
        }
        let mut waves: Vec<Vec<ProcessKey>> = Vec::new();
        for key in order {
            let joins_last = waves.last().is_some_and(|wave| {
                let needed_in_wave = self.needed_by(&key).iter().any(|k| wave.contains(k));
                let same_group = wave.last().is_some_and(|last| last.group == key.group);
                !needed_in_wave && (same_group || !by_group)
            });
            match waves.last_mut() {
                Some(wave) if joins_last => wave.push(key),
                _ => waves.push(vec![key]),
            }
        }
        waves
    }

    /// Depth first: pushes what `first` gives for `key` (recursively), then `key`.
    fn after<'g>(
        &'g self,
        key: &ProcessKey,
        seen: &mut BTreeSet<ProcessKey>,
        order: &mut Vec<ProcessKey>,
        first: &dyn Fn(&ProcessKey) -> &'g [ProcessKey],
    ) {
        if !seen.insert(key.clone()) {
            return;
        }
        for before in first(key) {
            self.after(before, seen, order, first);
        }
        order.push(key.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> ProcessKey {
        ProcessKey {
            group: name.into(),
            name: name.into(),
        }
    }

    fn keys(names: &[&str]) -> Vec<ProcessKey> {
        names.iter().map(|n| key(n)).collect()
    }

    /// web needs api, api needs db; cache needs nothing.
    fn chain() -> Graph {
        let needs = BTreeMap::from([(key("web"), keys(&["api"])), (key("api"), keys(&["db"]))]);
        let needed_by = BTreeMap::from([(key("api"), keys(&["web"])), (key("db"), keys(&["api"]))]);
        Graph { needs, needed_by }
    }

    #[test]
    fn dependencies_start_first_and_once() {
        let graph = chain();
        assert_eq!(
            graph.start_order(&keys(&["web"])),
            keys(&["db", "api", "web"])
        );
        assert_eq!(
            graph.start_order(&keys(&["web", "cache", "db", "api"])),
            keys(&["db", "api", "web", "cache"])
        );
    }

    #[test]
    fn dependents_stop_first_in_waves_of_their_own() {
        let graph = chain();
        let plain_stop_order = keys(&["cache", "db", "api", "web"]);
        assert_eq!(
            graph.stop_waves(&plain_stop_order, false),
            [keys(&["cache", "web"]), keys(&["api"]), keys(&["db"])]
        );
        assert_eq!(
            graph.stop_waves(&plain_stop_order, true),
            [
                keys(&["cache"]),
                keys(&["web"]),
                keys(&["api"]),
                keys(&["db"])
            ]
        );
        // Stopping db alone stops what needs it first.
        assert_eq!(
            graph.stop_waves(&keys(&["db"]), false),
            [keys(&["web"]), keys(&["api"]), keys(&["db"])]
        );
    }

    #[test]
    fn without_dependencies_a_shutdown_stops_group_after_group() {
        let graph = Graph::default();
        let a = |name: &str| ProcessKey {
            group: "a".into(),
            name: name.into(),
        };
        let order = vec![a("2"), a("1"), key("b")];
        assert_eq!(
            graph.stop_waves(&order, true),
            [vec![a("2"), a("1")], keys(&["b"])]
        );
        assert_eq!(graph.stop_waves(&order, false), [order]);
    }
}
