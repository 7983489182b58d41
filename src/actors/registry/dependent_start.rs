//! Starting processes after what they depend on (`depends_on`): a start request, or the
//! autostart of a program with dependencies, first starts each stopped dependency
//! (transitively), and the process waits here until every one is *ready* (the snapshot's
//! `ready` flag, never the state, so health checks and sd_notify plug in). A dependency that
//! goes FATAL, or cannot be started at all, leaves its waiting dependents STOPPED with the
//! reason as their spawnerr, and their start requests fail with SPAWN_ERROR.

use std::collections::{BTreeMap, BTreeSet};

use actix::prelude::*;
use tokio::sync::oneshot;

use super::dependencies::Graph;
use super::{Mood, Registry};
use crate::actors::group::{Action, ActionError, Control, Member};
use crate::actors::process::{Block, StartError};
use crate::config::depends_on::ProcessKey;
use crate::model::ProcessState;

/// The answer to one start request.
pub(super) type StartReply = oneshot::Receiver<Result<(), ActionError>>;
type Replier = oneshot::Sender<Result<(), ActionError>>;

/// Starts waiting for dependencies, and those under way.
#[derive(Default)]
pub(super) struct Starts {
    waiting: Vec<Waiting>,
    /// Sent a start and not yet answered: coming up, whatever the table still shows.
    in_flight: BTreeSet<ProcessKey>,
}

/// A process to start once every dependency is ready.
struct Waiting {
    key: ProcessKey,
    wait: bool,
    repliers: Vec<Replier>,
}

/// What a start sent by [`Registry::send_start`] came to.
#[derive(Message)]
#[rtype(result = "()")]
struct StartDone {
    key: ProcessKey,
    result: Result<(), ActionError>,
}

impl Registry {
    /// The graph of the groups now running (after a group is added or removed).
    pub(super) fn rebuild_graph(&mut self) {
        let configs: Vec<_> = self.groups.values().map(|g| g.config.clone()).collect();
        self.graph = Graph::of(&configs);
        let groups = &self.groups;
        self.starts
            .waiting
            .retain(|w| groups.contains_key(&w.key.group));
    }

    /// The members of `group` that have dependencies: its autostart leaves them to
    /// [`Self::autostart_dependents`].
    pub(super) fn held_back(&self, group: &str) -> Vec<String> {
        self.members_with_dependencies(group)
            .map(|(key, _)| key.name)
            .collect()
    }

    /// The autostart of the processes held back, those of `group` (or of every group):
    /// each starts once its dependencies are ready.
    pub(super) fn autostart_dependents(&mut self, group: Option<&str>, ctx: &mut Context<Self>) {
        if self.mood != Mood::Running {
            return;
        }
        let groups: Vec<String> = match group {
            Some(name) => vec![name.to_string()],
            None => self.start_order(),
        };
        let targets: Vec<ProcessKey> = groups
            .iter()
            .flat_map(|g| self.members_with_dependencies(g))
            .filter(|(_, autostart)| *autostart)
            .map(|(key, _)| key)
            .collect();
        // Nobody waits for an autostart's outcome.
        drop(self.start_with_dependencies(&targets, false, ctx));
    }

    /// Each member of `group` that depends on something, with its `autostart`.
    fn members_with_dependencies<'a>(
        &'a self,
        group: &'a str,
    ) -> impl Iterator<Item = (ProcessKey, bool)> + 'a {
        let processes = self
            .groups
            .get(group)
            .map(|g| g.config.processes.as_slice());
        processes.into_iter().flatten().filter_map(move |p| {
            let key = ProcessKey {
                group: group.to_string(),
                name: p.name.clone(),
            };
            (!self.graph.needs(&key).is_empty()).then_some((key, p.autostart))
        })
    }

    /// Its state and whether it is ready, as last reported.
    fn status(&self, key: &ProcessKey) -> (ProcessState, bool) {
        self.infos
            .borrow()
            .find(&key.to_string())
            .map_or((ProcessState::Stopped, false), |i| (i.state, i.ready))
    }

    fn dependencies_ready(&self, key: &ProcessKey) -> bool {
        self.graph.needs(key).iter().all(|dep| self.status(dep).1)
    }

    /// Starts each of `targets` once what it depends on is ready, starting the stopped
    /// dependencies first; one reply per target, in order. `wait`: a target's reply comes
    /// once it is RUNNING (dependencies are never waited on but through their readiness).
    pub(super) fn start_with_dependencies(
        &mut self,
        targets: &[ProcessKey],
        wait: bool,
        ctx: &mut Context<Self>,
    ) -> Vec<StartReply> {
        let mut replies = BTreeMap::new();
        for key in self.graph.start_order(targets) {
            let replier = targets.contains(&key).then(|| {
                let (tx, rx) = oneshot::channel();
                replies.insert(key.clone(), rx);
                tx
            });
            let (state, ready) = self.status(&key);
            let coming_up = ready || state.is_running() || self.starts.in_flight.contains(&key);
            if replier.is_none() && coming_up {
                continue;
            }
            let wait = wait && replier.is_some();
            if let Some(waiting) = self.starts.waiting.iter_mut().find(|w| w.key == key) {
                waiting.wait |= wait;
                waiting.repliers.extend(replier);
            } else if self.dependencies_ready(&key) {
                self.send_start(key, wait, replier.into_iter().collect(), ctx);
            } else {
                self.starts.waiting.push(Waiting {
                    key,
                    wait,
                    repliers: replier.into_iter().collect(),
                });
            }
        }
        targets.iter().filter_map(|t| replies.remove(t)).collect()
    }

    /// A stop request for these processes: they no longer wait to be started.
    pub(super) fn cancel_starts(&mut self, keys: &[ProcessKey]) {
        self.starts.waiting.retain(|w| !keys.contains(&w.key));
    }

    /// Supervisor is going down: nothing waiting will start.
    pub(super) fn cancel_all_starts(&mut self) {
        for waiting in std::mem::take(&mut self.starts.waiting) {
            for replier in waiting.repliers {
                let _ = replier.send(Err(StartError::ShuttingDown.into()));
            }
        }
    }

    /// A state or readiness changed: block what can no longer start, start what can.
    pub(super) fn progress_starts(&mut self, ctx: &mut Context<Self>) {
        if self.starts.waiting.is_empty() || self.mood != Mood::Running {
            return;
        }
        // Why each process blocked in this pass cannot start: its own dependents block
        // with the same reason, the first cause.
        let mut blocked: BTreeMap<ProcessKey, String> = BTreeMap::new();
        while let Some((i, reason)) = self.starts.waiting.iter().enumerate().find_map(|(i, w)| {
            let reason = self
                .graph
                .needs(&w.key)
                .iter()
                .find_map(|dep| self.unavailable(dep, &blocked))?;
            Some((i, reason))
        }) {
            let waiting = self.starts.waiting.remove(i);
            blocked.insert(waiting.key.clone(), reason.clone());
            self.block(waiting, reason);
        }
        let (ready, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.starts.waiting)
            .into_iter()
            .partition(|w| self.dependencies_ready(&w.key));
        self.starts.waiting = still;
        for waiting in ready {
            self.send_start(waiting.key, waiting.wait, waiting.repliers, ctx);
        }
    }

    /// Why `dep` will not become ready by itself: FATAL and no start of it under way, or
    /// blocked in this pass.
    fn unavailable(
        &self,
        dep: &ProcessKey,
        blocked: &BTreeMap<ProcessKey, String>,
    ) -> Option<String> {
        if let Some(reason) = blocked.get(dep) {
            return Some(reason.clone());
        }
        let starting = self.starts.in_flight.contains(dep)
            || self.starts.waiting.iter().any(|w| w.key == *dep);
        (self.status(dep).0 == ProcessState::Fatal && !starting)
            .then(|| format!("dependency {dep} is FATAL"))
    }

    /// The start will not happen: the process shows why, its requests fail as Supervisor's
    /// do when a spawn fails.
    fn block(&self, waiting: Waiting, reason: String) {
        for replier in waiting.repliers {
            let _ = replier.send(Err(StartError::SpawnError.into()));
        }
        if let Ok((group, name)) = self.locate(&waiting.key.to_string()) {
            actix::spawn(async move {
                if let Ok(Some(process)) = group.send(Member(name)).await {
                    process.do_send(Block(reason));
                }
            });
        }
    }

    /// Sends the start; its outcome comes back as [`StartDone`], and to `repliers`.
    fn send_start(
        &mut self,
        key: ProcessKey,
        wait: bool,
        repliers: Vec<Replier>,
        ctx: &mut Context<Self>,
    ) {
        let Ok((group, name)) = self.locate(&key.to_string()) else {
            return;
        };
        self.starts.in_flight.insert(key.clone());
        let me = ctx.address();
        actix::spawn(async move {
            let control = Control {
                action: Action::Start { wait },
                only: Some(name),
            };
            let result = match group.send(control).await.ok().flatten() {
                Some(mut results) if !results.is_empty() => results.remove(0).result,
                _ => Err(StartError::AbnormalTermination.into()),
            };
            for replier in repliers {
                let _ = replier.send(result.clone());
            }
            me.do_send(StartDone { key, result });
        });
    }
}

impl Handler<StartDone> for Registry {
    type Result = ();
    fn handle(&mut self, StartDone { key, result }: StartDone, ctx: &mut Context<Self>) {
        self.starts.in_flight.remove(&key);
        // No start was even tried (no such file, shutting down, ...): what waits on it
        // would wait forever. A failed spawn retries, and FATAL decides.
        if let Err(ActionError::Start(
            e @ (StartError::NoFile(_)
            | StartError::NotExecutable(_)
            | StartError::UnknownState(_)
            | StartError::ShuttingDown),
        )) = &result
        {
            let reason = format!("dependency {key} did not start: {e}");
            let blocked: Vec<_> = self
                .starts
                .waiting
                .iter()
                .enumerate()
                .filter(|(_, w)| {
                    self.graph
                        .start_order(std::slice::from_ref(&w.key))
                        .contains(&key)
                })
                .map(|(i, _)| i)
                .collect();
            for i in blocked.into_iter().rev() {
                let waiting = self.starts.waiting.remove(i);
                self.block(waiting, reason.clone());
            }
        }
        self.progress_starts(ctx);
    }
}
