//! Routing of process control requests: one process (`name`, `group:name`), one group, or
//! every group. Group-wide requests run on every member at once; "all" runs every group at
//! once and lists the results in start order. With start dependencies (`depends_on`),
//! starts and stops take the dependencies' order instead (dependent_start.rs,
//! dependent_stop.rs).

use actix::prelude::*;
use futures_util::future::{join_all, BoxFuture, FutureExt};

use super::{split_namespec, Registry, RegistryError};
use crate::actors::group::{applicable, Action, ActionError, Control, Member, MemberResult};
use crate::actors::process::{StartError, StdinError, WriteStdin};
use crate::config::depends_on::ProcessKey;

/// Run `action` on the process `namespec` (which names a process, not `group:*`).
#[derive(Message)]
#[rtype(result = "Result<Result<(), ActionError>, RegistryError>")]
pub struct ControlOne {
    pub namespec: String,
    pub action: Action,
}

/// Run `action` on every member of `group` to which it applies.
#[derive(Message)]
#[rtype(result = "Result<Vec<MemberResult>, RegistryError>")]
pub struct ControlGroup {
    pub group: String,
    pub action: Action,
}

/// Run `action` on every process to which it applies.
#[derive(Message)]
#[rtype(result = "Vec<MemberResult>")]
pub struct ControlAll {
    pub action: Action,
}

/// Write `data` to the stdin of `namespec`.
#[derive(Message)]
#[rtype(result = "Result<Result<(), StdinError>, RegistryError>")]
pub struct SendStdin {
    pub namespec: String,
    pub data: Vec<u8>,
}

/// Answered once every message queued before it has been handled.
#[derive(Message)]
#[rtype(result = "()")]
struct Settle;

impl Handler<Settle> for Registry {
    type Result = ();
    fn handle(&mut self, _: Settle, _: &mut Context<Self>) {}
}

/// Waits until the Registry has taken in the state changes that led to a reply. A Process
/// reports a change before it answers a waiting request, and the mailbox is FIFO, so once
/// this returns, the published process table shows what the reply promised (a `status`
/// right after `start` sees RUNNING).
async fn settled(registry: &Addr<Registry>) {
    let _ = registry.send(Settle).await;
}

impl Registry {
    /// The group actor and member name for a process namespec.
    pub(super) fn locate(
        &self,
        namespec: &str,
    ) -> Result<(Addr<crate::actors::group::Group>, String), RegistryError> {
        let bad = || RegistryError::BadName(namespec.to_string());
        let (group, name) = split_namespec(namespec);
        let name = name.ok_or_else(bad)?;
        let entry = self.groups.get(group).ok_or_else(bad)?;
        if !entry.config.processes.iter().any(|p| p.name == name) {
            return Err(bad());
        }
        Ok((entry.addr.clone(), name.to_string()))
    }

    /// The members of group `name`, in start order.
    fn members(&self, name: &str) -> Vec<ProcessKey> {
        let processes = self.groups.get(name).map(|g| g.config.processes.as_slice());
        processes
            .into_iter()
            .flatten()
            .map(|p| ProcessKey {
                group: name.to_string(),
                name: p.name.clone(),
            })
            .collect()
    }

    /// A start or stop of `targets` (in start order) in the order their dependencies ask
    /// for, one result per target; `None` when no program has dependencies, or for other
    /// actions: then Supervisor's own path.
    fn in_dependency_order(
        &mut self,
        targets: Vec<ProcessKey>,
        action: Action,
        ctx: &mut Context<Self>,
    ) -> Option<BoxFuture<'static, Vec<MemberResult>>> {
        if self.graph.is_empty() {
            return None;
        }
        match action {
            Action::Start { wait } => {
                let replies = self.start_with_dependencies(&targets, wait, ctx);
                let results = targets.into_iter().zip(replies).map(|(key, reply)| async {
                    MemberResult {
                        result: reply
                            .await
                            .unwrap_or(Err(StartError::AbnormalTermination.into())),
                        name: key.name,
                        group: key.group,
                    }
                });
                Some(join_all(results).boxed())
            }
            Action::Stop { wait } => Some(self.stop_after_dependents(targets, wait).boxed()),
            Action::Signal(_) | Action::ClearLogs => None,
        }
    }
}

impl Handler<ControlOne> for Registry {
    type Result = ResponseFuture<Result<Result<(), ActionError>, RegistryError>>;

    fn handle(&mut self, msg: ControlOne, ctx: &mut Context<Self>) -> Self::Result {
        let located = self.locate(&msg.namespec);
        let me = ctx.address();
        if let Ok((_, name)) = &located {
            let (group, _) = split_namespec(&msg.namespec);
            let key = ProcessKey {
                group: group.to_string(),
                name: name.clone(),
            };
            if let Some(ordered) = self.in_dependency_order(vec![key], msg.action, ctx) {
                return Box::pin(async move {
                    let mut results = ordered.await;
                    settled(&me).await;
                    results
                        .pop()
                        .map(|member| member.result)
                        .ok_or(RegistryError::BadName(msg.namespec))
                });
            }
        }
        Box::pin(async move {
            let (group, name) = located?;
            let reply = group
                .send(Control {
                    action: msg.action,
                    only: Some(name),
                })
                .await;
            settled(&me).await;
            match reply.ok().flatten().and_then(|mut r| r.pop()) {
                Some(member) => Ok(member.result),
                None => Err(RegistryError::BadName(msg.namespec)),
            }
        })
    }
}

impl Handler<ControlGroup> for Registry {
    type Result = ResponseFuture<Result<Vec<MemberResult>, RegistryError>>;

    fn handle(&mut self, msg: ControlGroup, ctx: &mut Context<Self>) -> Self::Result {
        let group = self.groups.get(&msg.group).map(|g| g.addr.clone());
        let me = ctx.address();
        let members = self.members(&msg.group);
        if let (Some(_), Some(ordered)) =
            (&group, self.in_dependency_order(members, msg.action, ctx))
        {
            return Box::pin(async move {
                let results = applicable(ordered.await, msg.action);
                settled(&me).await;
                Ok(results)
            });
        }
        Box::pin(async move {
            let group = group.ok_or_else(|| RegistryError::BadName(msg.group.clone()))?;
            let reply = group
                .send(Control {
                    action: msg.action,
                    only: None,
                })
                .await;
            settled(&me).await;
            Ok(reply.ok().flatten().unwrap_or_default())
        })
    }
}

impl Handler<ControlAll> for Registry {
    type Result = ResponseFuture<Vec<MemberResult>>;

    fn handle(&mut self, msg: ControlAll, ctx: &mut Context<Self>) -> Self::Result {
        let me = ctx.address();
        // Everyone's names are needed only when some program has dependencies: without, the
        // groups are asked directly (with 1 000 programs, 2 000 strings fewer per call).
        if !self.graph.is_empty() {
            let everyone: Vec<ProcessKey> = self
                .start_order()
                .iter()
                .flat_map(|name| self.members(name))
                .collect();
            if let Some(ordered) = self.in_dependency_order(everyone, msg.action, ctx) {
                return Box::pin(async move {
                    let results = applicable(ordered.await, msg.action);
                    settled(&me).await;
                    results
                });
            }
        }
        let calls: Vec<_> = self
            .start_order()
            .iter()
            .filter_map(|name| self.groups.get(name))
            .map(|g| {
                g.addr.send(Control {
                    action: msg.action,
                    only: None,
                })
            })
            .collect();
        Box::pin(async move {
            let replies = join_all(calls).await;
            settled(&me).await;
            replies
                .into_iter()
                .flat_map(|r| r.ok().flatten().unwrap_or_default())
                .collect()
        })
    }
}

impl Handler<SendStdin> for Registry {
    type Result = ResponseFuture<Result<Result<(), StdinError>, RegistryError>>;

    fn handle(&mut self, msg: SendStdin, _: &mut Context<Self>) -> Self::Result {
        let located = self.locate(&msg.namespec);
        Box::pin(async move {
            let (group, name) = located?;
            let process = group.send(Member(name)).await.ok().flatten();
            let process = process.ok_or_else(|| RegistryError::BadName(msg.namespec.clone()))?;
            Ok(process
                .send(WriteStdin { data: msg.data })
                .await
                .unwrap_or(Err(StdinError::NotRunning)))
        })
    }
}
