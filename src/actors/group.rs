//! Group: the processes of one `[program:x]`, `[group:x]` or pool, in priority order. It
//! routes per-process requests by name and fans group-wide requests out to every member at
//! once, answering with one result per member in start order (Supervisor's make_allfunc).

use actix::prelude::*;
use futures_util::future::join_all;

use super::process::{
    self, ClearLogs, DaemonContext, Process, Start, StartError, StateChanged, Stop, StopError,
    StopForShutdown,
};
use crate::config::GroupConfig;

/// One member's outcome in a group-wide request.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberResult<E> {
    pub name: String,
    pub group: String,
    pub result: Result<(), E>,
}

/// The Group actor.
pub struct Group {
    name: String,
    /// Members sorted by (priority, name): start order.
    members: Vec<(String, Addr<Process>)>,
}

impl Group {
    /// Starts one Process actor per member of `config`.
    pub fn new(
        config: &GroupConfig,
        daemon: std::sync::Arc<DaemonContext>,
        observer: Recipient<StateChanged>,
    ) -> Self {
        let members = config
            .processes
            .iter()
            .map(|p| {
                let actor = Process::new(
                    p.clone(),
                    config.name.clone(),
                    daemon.clone(),
                    observer.clone(),
                );
                (p.name.clone(), actor.start())
            })
            .collect();
        Group {
            name: config.name.clone(),
            members,
        }
    }

    fn member(&self, name: &str) -> Option<&Addr<Process>> {
        self.members.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// Sends `make()` to every member (in `order`) at once and collects the replies.
    fn fan_out<M, E>(
        &self,
        order: impl Iterator<Item = usize>,
        make: impl Fn() -> M,
    ) -> ResponseFuture<Vec<MemberResult<E>>>
    where
        M: Message<Result = Result<(), E>> + Send + 'static,
        M::Result: Send,
        Process: Handler<M>,
        E: From<MailboxError> + 'static,
    {
        let group = self.name.clone();
        let calls: Vec<_> = order
            .map(|i| {
                let (name, addr) = self.members[i].clone();
                let group = group.clone();
                let reply = addr.send(make());
                async move {
                    let result = reply.await.unwrap_or_else(|e| Err(E::from(e)));
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

impl Actor for Group {
    type Context = Context<Self>;
}

impl From<MailboxError> for StartError {
    fn from(_: MailboxError) -> Self {
        StartError::AbnormalTermination
    }
}

impl From<MailboxError> for StopError {
    fn from(e: MailboxError) -> Self {
        StopError::Failed(e.to_string())
    }
}

/// Start every member that autostarts, one after another in priority order, so children
/// start in the order their priorities say.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Autostart;

impl Handler<Autostart> for Group {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, _: Autostart, _: &mut Context<Self>) -> Self::Result {
        let members: Vec<_> = self.members.iter().map(|(_, a)| a.clone()).collect();
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

/// Every member's address, in start order.
#[derive(Message)]
#[rtype(result = "Vec<(String, Addr<Process>)>")]
pub struct Members;

impl Handler<Members> for Group {
    type Result = MessageResult<Members>;
    fn handle(&mut self, _: Members, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.members.clone())
    }
}

/// startProcessGroup: start every member (each replies per its own `wait`).
#[derive(Message)]
#[rtype(result = "Vec<MemberResult<StartError>>")]
pub struct StartAll {
    pub wait: bool,
}

impl Handler<StartAll> for Group {
    type Result = ResponseFuture<Vec<MemberResult<StartError>>>;
    fn handle(&mut self, StartAll { wait }: StartAll, _: &mut Context<Self>) -> Self::Result {
        self.fan_out(0..self.members.len(), || Start { wait })
    }
}

/// stopProcessGroup: stop every member, highest priority first.
#[derive(Message)]
#[rtype(result = "Vec<MemberResult<StopError>>")]
pub struct StopAll {
    pub wait: bool,
}

impl Handler<StopAll> for Group {
    type Result = ResponseFuture<Vec<MemberResult<StopError>>>;
    fn handle(&mut self, StopAll { wait }: StopAll, _: &mut Context<Self>) -> Self::Result {
        self.fan_out((0..self.members.len()).rev(), || Stop { wait })
    }
}

/// Supervisor is going down: stop every member for good; reply when all have settled.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

impl Handler<Shutdown> for Group {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) -> Self::Result {
        let stops: Vec<_> = self
            .members
            .iter()
            .rev()
            .map(|(_, a)| a.send(StopForShutdown))
            .collect();
        Box::pin(async move {
            join_all(stops).await;
        })
    }
}

/// clearAllProcessLogs for this group's members.
#[derive(Message)]
#[rtype(result = "Vec<MemberResult<StopError>>")]
pub struct ClearAll;

impl Handler<ClearAll> for Group {
    type Result = ResponseFuture<Vec<MemberResult<StopError>>>;
    fn handle(&mut self, _: ClearAll, _: &mut Context<Self>) -> Self::Result {
        self.fan_out(0..self.members.len(), || ClearLogs)
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
