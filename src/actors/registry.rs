//! Registry: owns the process groups, keeps the latest snapshot of every process (from the
//! [`StateChanged`] notifications, so status queries never touch a Process), holds the
//! supervisor's mood, and runs the orderly shutdown and restart. It is the only router: the
//! RPC front end sends it one message per request.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::oneshot;

use super::group::{self, Group};
use super::mainlog;
use super::process::{DaemonContext, ProcessInfo, StateChanged};
use crate::config::{Config, GroupConfig};

/// Supervisor's `SupervisorStates`, as getState reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Fatal = 2,
    Running = 1,
    Restarting = 0,
    Shutdown = -1,
}

impl Mood {
    pub fn name(self) -> &'static str {
        match self {
            Mood::Fatal => "FATAL",
            Mood::Running => "RUNNING",
            Mood::Restarting => "RESTARTING",
            Mood::Shutdown => "SHUTDOWN",
        }
    }
}

/// How the daemon's run ended: the caller exits, or re-reads the config and runs again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Shutdown,
    Restart,
}

/// One running group.
pub struct GroupEntry {
    pub config: GroupConfig,
    pub addr: Addr<Group>,
}

/// The Registry actor.
pub struct Registry {
    config: Config,
    daemon: Arc<DaemonContext>,
    /// By name; iteration order is not start order (see `start_order`).
    groups: BTreeMap<String, GroupEntry>,
    /// Latest snapshot per (group, process).
    infos: BTreeMap<(String, String), ProcessInfo>,
    mood: Mood,
    /// How this run ends once every group has stopped; a shutdown request during a restart
    /// turns it into a shutdown.
    ending: Option<Outcome>,
    done: Option<oneshot::Sender<Outcome>>,
}

impl Registry {
    pub fn new(config: Config, daemon: Arc<DaemonContext>, done: oneshot::Sender<Outcome>) -> Self {
        Registry {
            config,
            daemon,
            groups: BTreeMap::new(),
            infos: BTreeMap::new(),
            mood: Mood::Running,
            ending: None,
            done: Some(done),
        }
    }

    /// Group names sorted by (priority, name): start order. Shutdown uses the reverse.
    fn start_order(&self) -> Vec<String> {
        let mut names: Vec<_> = self
            .groups
            .values()
            .map(|g| (g.config.priority, g.config.name.clone()))
            .collect();
        names.sort();
        names.into_iter().map(|(_, n)| n).collect()
    }

    fn add_group(&mut self, config: GroupConfig, ctx: &mut Context<Self>) -> Addr<Group> {
        let addr = Group::new(&config, self.daemon.clone(), ctx.address().recipient()).start();
        self.groups.insert(
            config.name.clone(),
            GroupEntry {
                config,
                addr: addr.clone(),
            },
        );
        addr
    }

    fn unstopped_names(&self) -> Vec<String> {
        self.infos
            .values()
            .filter(|i| !i.state.is_stopped())
            .map(|i| i.name.clone())
            .collect()
    }

    fn set_ending(&mut self, outcome: Outcome) {
        self.ending = Some(outcome);
        self.mood = match outcome {
            Outcome::Shutdown => Mood::Shutdown,
            Outcome::Restart => Mood::Restarting,
        };
    }

    /// Stops every group, highest priority first, each fully before the next (Supervisor's
    /// ordered_stop_groups), then ends the run with `outcome`.
    fn stop_everything(&mut self, outcome: Outcome, ctx: &mut Context<Self>) {
        self.set_ending(outcome);
        ctx.run_interval(Duration::from_secs(3), |act, _| {
            let names = act.unstopped_names();
            if !names.is_empty() {
                mainlog::waiting_for_die(&names);
            }
        });
        let mut order: Vec<_> = self
            .start_order()
            .into_iter()
            .filter_map(|n| self.groups.get(&n).map(|g| g.addr.clone()))
            .collect();
        order.reverse();
        let finish = async move {
            for group in order {
                let _ = group.send(group::Shutdown).await;
            }
        };
        ctx.spawn(finish.into_actor(self).map(|_, act, _| {
            if let (Some(done), Some(outcome)) = (act.done.take(), act.ending) {
                let _ = done.send(outcome);
            }
            System::current().stop();
        }));
    }
}

impl Actor for Registry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let configs = self.config.groups.clone();
        let order: Vec<_> = configs
            .into_iter()
            .map(|g| self.add_group(g, ctx))
            .collect();
        ctx.spawn(
            async move {
                for group in order {
                    let _ = group.send(group::Autostart).await;
                }
            }
            .into_actor(self),
        );
    }
}

impl Handler<StateChanged> for Registry {
    type Result = ();
    fn handle(&mut self, msg: StateChanged, _: &mut Context<Self>) {
        let key = (msg.info.group.clone(), msg.info.name.clone());
        self.infos.insert(key, msg.info);
    }
}

/// A request to end the run (SIGTERM/INT/QUIT: shutdown; SIGHUP: restart with `config`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stop(pub Outcome);

impl Handler<Stop> for Registry {
    type Result = ();
    fn handle(&mut self, Stop(outcome): Stop, ctx: &mut Context<Self>) {
        match (self.mood, outcome) {
            (Mood::Running, _) => self.stop_everything(outcome, ctx),
            (Mood::Restarting, Outcome::Shutdown) => self.set_ending(outcome),
            _ => {}
        }
    }
}

/// Reopen every log (SIGUSR2).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReopenLogs;

impl Handler<ReopenLogs> for Registry {
    type Result = ();
    fn handle(&mut self, _: ReopenLogs, _: &mut Context<Self>) {
        for g in self.groups.values() {
            g.addr.do_send(group::ReopenLogs);
        }
    }
}

/// The supervisor's mood (getState).
#[derive(Message)]
#[rtype(result = "Mood")]
pub struct GetMood;

impl Handler<GetMood> for Registry {
    type Result = MessageResult<GetMood>;
    fn handle(&mut self, _: GetMood, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.mood)
    }
}

/// Every process snapshot, sorted by (group, name) as getAllProcessInfo returns them.
#[derive(Message)]
#[rtype(result = "Vec<ProcessInfo>")]
pub struct AllInfo;

impl Handler<AllInfo> for Registry {
    type Result = MessageResult<AllInfo>;
    fn handle(&mut self, _: AllInfo, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.infos.values().cloned().collect())
    }
}

/// The log file of `namespec` (`name` or `group:name`)
/// on `channel`, for /logtail. `Err` for an unknown name; `Ok(None)` when it logs nowhere.
#[derive(Message)]
#[rtype(result = "Result<Option<std::path::PathBuf>, RegistryError>")]
pub struct LogFile {
    pub namespec: String,
    pub channel: super::log_writer::Channel,
}

/// What can go wrong when the Registry is asked about a name or a group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("{0}")]
    BadName(String),
}

impl Registry {
    /// Finds a process by `name` or `group:name` (Supervisor's split_namespec).
    fn find(&self, namespec: &str) -> Option<&ProcessInfo> {
        let (group, name) = match namespec.split_once(':') {
            Some((g, n)) => (g.to_string(), n.to_string()),
            None => (namespec.to_string(), namespec.to_string()),
        };
        self.infos.get(&(group, name))
    }
}

impl Handler<LogFile> for Registry {
    type Result = Result<Option<std::path::PathBuf>, RegistryError>;
    fn handle(&mut self, msg: LogFile, _: &mut Context<Self>) -> Self::Result {
        let info = self
            .find(&msg.namespec)
            .ok_or_else(|| RegistryError::BadName(msg.namespec.clone()))?;
        Ok(match msg.channel {
            super::log_writer::Channel::Stdout => info.stdout_logfile.clone(),
            super::log_writer::Channel::Stderr => info.stderr_logfile.clone(),
        })
    }
}
