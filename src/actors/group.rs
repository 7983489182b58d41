//! Group: the processes of one `[program:x]`, `[group:x]` or pool, in priority order. It
//! routes per-process requests by name and fans group-wide requests out to every member at
//! once, answering with one result per member in start order (Supervisor's make_allfunc).

use std::sync::Arc;

use actix::prelude::*;
use futures_util::future::join_all;

use super::fcgi_socket::SocketManager;
use super::log_writer::LogWriter;
use super::process::{
    self, ClearLogs, DaemonContext, Links, Process, SendSignal, Start, StartError, Stop, StopError,
    StopForShutdown,
};
use crate::config::{GroupConfig, ProcessConfig};
use crate::model::ProcessInfo;

/// What to do to one process or to every member of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start { wait: bool },
    Stop { wait: bool },
    Signal(i32),
    ClearLogs,
}

/// Why an action on one process failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Stop(#[from] StopError),
}

impl ActionError {
    /// The process was not in a state the action applies to: group-wide requests leave it
    /// out of their results, as Supervisor's make_allfunc filters with isNotRunning,
    /// isRunning or isSignallable.
    fn is_not_applicable(&self, action: Action) -> bool {
        matches!(
            (action, self),
            (
                Action::Start { .. },
                ActionError::Start(StartError::AlreadyStarted)
            ) | (
                Action::Stop { .. } | Action::Signal(_),
                ActionError::Stop(StopError::NotRunning)
            )
        )
    }
}

/// A group-wide request's results without the members it did not apply to.
pub fn applicable(mut results: Vec<MemberResult>, action: Action) -> Vec<MemberResult> {
    results.retain(|r| !matches!(&r.result, Err(e) if e.is_not_applicable(action)));
    results
}

/// One member's outcome in a request.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberResult {
    pub name: String,
    pub group: String,
    pub result: Result<(), ActionError>,
}

/// The Group actor.
pub struct Group {
    name: Arc<str>,
    /// Members sorted by (priority, name): start order, each with the config it was started
    /// from (which names it).
    members: Vec<(Arc<ProcessConfig>, Addr<Process>)>,
}

impl Group {
    /// Starts one Process actor per member of `config`; `links` connect them to their
    /// observer, the event bus and, for an event listener pool, to the pool; for an
    /// `[fcgi-program:x]` the group's socket manager is made here and shared through them. Also returns each
    /// member's first, not-started snapshot, for the process table to list before the
    /// members have run; it carries the names the Process and all its later snapshots share.
    pub fn new(
        config: &GroupConfig,
        daemon: std::sync::Arc<DaemonContext>,
        mut links: Links,
    ) -> (Self, Vec<ProcessInfo>) {
        let group: Arc<str> = config.name.as_str().into();
        links.fcgi_socket = SocketManager::for_group(config);
        let links = Arc::new(links);
        let mut first_snapshots = Vec::with_capacity(config.processes.len());
        let members = config
            .processes
            .iter()
            .map(|p| {
                let name: Arc<str> = p.name.as_str().into();
                first_snapshots.push(ProcessInfo::not_started(name.clone(), group.clone()));
                let actor = Process::new(
                    p.clone(),
                    name,
                    group.clone(),
                    daemon.clone(),
                    links.clone(),
                );
                (p.clone(), actor.start())
            })
            .collect();
        let group = Group {
            name: group,
            members,
        };
        (group, first_snapshots)
    }

    fn member(&self, name: &str) -> Option<&Addr<Process>> {
        self.members
            .iter()
            .find(|(c, _)| c.name == name)
            .map(|(_, a)| a)
    }

    /// Runs `action` on the members at `indices`, all at once, and collects the replies.
    fn run(&self, indices: Vec<usize>, action: Action) -> ResponseFuture<Vec<MemberResult>> {
        let calls: Vec<_> = indices
            .into_iter()
            .map(|i| {
                let (config, addr) = &self.members[i];
                let (name, group, addr) =
                    (config.name.clone(), self.name.to_string(), addr.clone());
                async move {
                    let result = perform(&addr, action).await;
                    MemberResult {
                        name,
                        group,
                        result,
                    }
                }
            })
            .collect();
        Box::pin(join_all(calls))
    }
}

/// Sends the message for `action` to one Process.
async fn perform(addr: &Addr<Process>, action: Action) -> Result<(), ActionError> {
    let lost = |e: MailboxError| ActionError::Stop(StopError::Failed(e.to_string()));
    match action {
        Action::Start { wait } => Ok(addr.send(Start { wait }).await.map_err(lost)??),
        Action::Stop { wait } => Ok(addr.send(Stop { wait }).await.map_err(lost)??),
        Action::Signal(sig) => Ok(addr.send(SendSignal { sig }).await.map_err(lost)??),
        Action::ClearLogs => Ok(addr.send(ClearLogs).await.map_err(lost)??),
    }
}

impl Actor for Group {
    type Context = Context<Self>;
}

/// Start every member that autostarts, one after another in priority order, so children
/// start in the order their priorities say; but not those `held`, which wait for their
/// dependencies (the Registry starts them).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Autostart {
    pub held: Vec<String>,
}

impl Handler<Autostart> for Group {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, Autostart { held }: Autostart, _: &mut Context<Self>) -> Self::Result {
        let members: Vec<_> = self
            .members
            .iter()
            .filter(|(c, _)| !held.contains(&c.name))
            .map(|(_, a)| a.clone())
            .collect();
        Box::pin(async move {
            for m in members {
                let _ = m.send(process::Autostart).await;
            }
        })
    }
}

/// The address of one member, for the Registry to route a per-process request.
#[derive(Message)]
#[rtype(result = "Option<Addr<Process>>")]
pub struct Member(pub String);

impl Handler<Member> for Group {
    type Result = Option<Addr<Process>>;
    fn handle(&mut self, Member(name): Member, _: &mut Context<Self>) -> Self::Result {
        self.member(&name).cloned()
    }
}

/// Runs an action on one member (`only`) or on every member in priority order. Replies
/// `None` when `only` names no member. Group-wide, members the action does not apply to are
/// left out of the results.
#[derive(Message)]
#[rtype(result = "Option<Vec<MemberResult>>")]
pub struct Control {
    pub action: Action,
    pub only: Option<String>,
}

impl Handler<Control> for Group {
    type Result = ResponseFuture<Option<Vec<MemberResult>>>;
    fn handle(&mut self, Control { action, only }: Control, _: &mut Context<Self>) -> Self::Result {
        let indices: Vec<usize> = match &only {
            Some(name) => match self.members.iter().position(|(c, _)| &c.name == name) {
                Some(i) => vec![i],
                None => return Box::pin(async { None }),
            },
            None => (0..self.members.len()).collect(),
        };
        let replies = self.run(indices, action);
        let group_wide = only.is_none();
        Box::pin(async move {
            let results = replies.await;
            Some(if group_wide {
                applicable(results, action)
            } else {
                results
            })
        })
    }
}

/// Supervisor is going down: stop these members for good, all at once; reply when all have
/// settled, with their log writers (see [`StopForShutdown`]).
#[derive(Message)]
#[rtype(result = "Vec<Addr<LogWriter>>")]
pub struct Shutdown(pub Vec<String>);

impl Handler<Shutdown> for Group {
    type Result = ResponseFuture<Vec<Addr<LogWriter>>>;
    fn handle(&mut self, Shutdown(names): Shutdown, _: &mut Context<Self>) -> Self::Result {
        let stops: Vec<_> = self
            .members
            .iter()
            .rev()
            .filter(|(c, _)| names.contains(&c.name))
            .map(|(_, a)| a.send(StopForShutdown))
            .collect();
        Box::pin(async move {
            join_all(stops)
                .await
                .into_iter()
                .flat_map(Result::unwrap_or_default)
                .collect()
        })
    }
}

/// Reopen every member's logs (SIGUSR2).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReopenLogs;

impl Handler<ReopenLogs> for Group {
    type Result = ();
    fn handle(&mut self, _: ReopenLogs, _: &mut Context<Self>) {
        for (_, m) in &self.members {
            m.do_send(process::ReopenLogs);
        }
    }
}

/// The group is being removed: stop its actors (their children are already stopped).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Dissolve;

impl Handler<Dissolve> for Group {
    type Result = ();
    fn handle(&mut self, _: Dissolve, ctx: &mut Context<Self>) {
        self.members.clear();
        ctx.stop();
    }
}
