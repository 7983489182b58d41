//! Old groups vs new groups, for `reloadConfig` / `supervisorctl reread` and `update`:
//! Supervisor's `diff_to_active`. A group is `changed` when any part of its config differs
//! (its processes, priority, kind, listener or socket options), not only when its name does.

use std::borrow::Borrow;
use std::collections::HashSet;

use super::{GroupConfig, GroupKind};

/// Group names, each list in the order the groups appear in their config (start order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigDiff {
    /// In the new config only.
    pub added: Vec<String>,
    /// In both, with a different config.
    pub changed: Vec<String>,
    /// In the old config only.
    pub removed: Vec<String>,
}

/// Compares the running groups (`old`) with a freshly loaded config's (`new`).
pub fn diff<G: Borrow<GroupConfig>>(old: &[G], new: &[G]) -> ConfigDiff {
    let find = |groups: &[G], name: &str| groups.iter().position(|g| g.borrow().name == name);
    let mut result = ConfigDiff::default();
    for group in new.iter().map(G::borrow) {
        match find(old, &group.name) {
            None => result.added.push(group.name.clone()),
            Some(i) if !same_config(old[i].borrow(), group) => {
                result.changed.push(group.name.clone())
            }
            Some(_) => {}
        }
    }
    for group in old.iter().map(G::borrow) {
        if find(new, &group.name).is_none() {
            result.removed.push(group.name.clone());
        }
    }
    result
}

/// Full equality, except that a listener's events are a set (Supervisor keeps them in one,
/// so `events=A,B` and `events=B,A` are the same pool).
fn same_config(a: &GroupConfig, b: &GroupConfig) -> bool {
    match (&a.kind, &b.kind) {
        (GroupKind::EventListener(x), GroupKind::EventListener(y)) => {
            let set = |events: &[String]| events.iter().cloned().collect::<HashSet<_>>();
            let same_events = set(&x.events) == set(&y.events);
            same_events
                && x.buffer_size == y.buffer_size
                && x.result_handler == y.result_handler
                && a.name == b.name
                && a.priority == b.priority
                && a.processes == b.processes
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EventListenerConfig, GroupKind};

    fn group(name: &str, priority: i32) -> GroupConfig {
        GroupConfig {
            name: name.to_string(),
            priority,
            kind: GroupKind::Program,
            processes: Vec::new(),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nothing_changed() {
        let groups = vec![group("a", 1), group("b", 2)];
        assert_eq!(diff(&groups, &groups), ConfigDiff::default());
    }

    #[test]
    fn added_changed_removed() {
        let old = vec![group("a", 1), group("b", 2), group("c", 3)];
        let new = vec![group("a", 1), group("b", 5), group("d", 4)];
        assert_eq!(
            diff(&old, &new),
            ConfigDiff {
                added: names(&["d"]),
                changed: names(&["b"]),
                removed: names(&["c"]),
            }
        );
    }

    #[test]
    fn kind_change_is_a_change() {
        let old = vec![group("a", 1)];
        let mut listener = group("a", 1);
        listener.kind = GroupKind::EventListener(Box::new(EventListenerConfig {
            buffer_size: 10,
            events: names(&["TICK_5"]),
            result_handler: "supervisor.dispatchers:default_handler".into(),
        }));
        assert_eq!(
            diff(&old, std::slice::from_ref(&listener)).changed,
            names(&["a"])
        );
    }

    #[test]
    fn listener_event_order_does_not_matter() {
        let pool = |events: &[&str]| {
            let mut g = group("l", -1);
            g.kind = GroupKind::EventListener(Box::new(EventListenerConfig {
                buffer_size: 10,
                events: names(events),
                result_handler: "supervisor.dispatchers:default_handler".into(),
            }));
            g
        };
        let old = vec![pool(&["TICK_5", "PROCESS_STATE"])];
        let new = vec![pool(&["PROCESS_STATE", "TICK_5"])];
        assert_eq!(diff(&old, &new), ConfigDiff::default());
    }
}
