//! Registry: owns the process groups, keeps the latest snapshot of every process (from the
//! [`StateChanged`] notifications, so status queries never touch a Process), holds the
//! supervisor's mood, and runs the orderly shutdown and restart. It is the only router: the
//! RPC front end sends it one message per request.
//!
//! control.rs routes start/stop/signal/clear/stdin requests to groups and processes;
//! reload.rs re-reads the config (reloadConfig, add/remove group, restart); bus.rs is the
//! event bus, which feeds the event listener pools.

mod bus;
mod control;
mod dependencies;
mod dependent_start;
mod dependent_stop;
mod essential;
mod reload;
mod table;
mod watch;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::future::join_all;
use tokio::sync::oneshot;

pub use bus::ListenerQueues;
pub use control::{ControlAll, ControlGroup, ControlOne, SendStdin};
pub use reload::{AddGroup, ConfigEntry, ConfigInfo, GroupChangeError, RemoveGroup, Reread};
pub use table::ProcessTable;
pub use watch::{Change, Watch};

use super::events::{Event, Transition};
use super::group::{self, Group};
use super::log_writer;
use super::mainlog;
use super::process::{DaemonContext, Links, RegistryLinks};
use crate::config::{Config, GroupConfig, Overrides};
use crate::model::{ProcessInfo, ProcessState, StateChanged};

/// Supervisor's `SupervisorStates`, as getState reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Fatal = 2,
    Running = 1,
    Restarting = 0,
    Shutdown = -1,
}

impl Mood {
    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn name(self) -> &'static str {
        match self {
            Mood::Fatal => "FATAL",
            Mood::Running => "RUNNING",
            Mood::Restarting => "RESTARTING",
            Mood::Shutdown => "SHUTDOWN",
        }
    }
}

/// How the daemon's run ended: the caller exits, or runs again with the config the restart
/// was validated against.
#[derive(Debug)]
pub enum RunEnd {
    /// The daemon exits with this status: 0, or what an essential program ended with.
    Shutdown(u8),
    Restart(Box<Config>),
}

/// What a run ends with once every group has stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Shutdown,
    Restart,
}

/// Where the Registry re-reads its config from (reloadConfig, restart).
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub path: PathBuf,
    pub overrides: Overrides,
}

/// One running group.
struct GroupEntry {
    config: Arc<GroupConfig>,
    addr: Addr<Group>,
}

/// What can go wrong when the Registry is asked about a name or a group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("{0}")]
    BadName(String),
}

/// The Registry actor.
pub struct Registry {
    source: ConfigSource,
    /// The config last read: what addProcessGroup and getAllConfigInfo see.
    latest: Config,
    daemon: Arc<DaemonContext>,
    /// This actor's recipients, shared by every group's processes; made with the first
    /// group, since they need the context.
    links: Option<Arc<RegistryLinks>>,
    /// By name; iteration order is not start order (see `start_order`).
    groups: BTreeMap<String, GroupEntry>,
    /// Latest snapshot per (group, process).
    /// Latest snapshot per process, published to the front end (see table.rs).
    infos: tokio::sync::watch::Sender<ProcessTable>,
    mood: Mood,
    /// The mood as the front end reads it: published on every change, so no request needs
    /// a round trip here just to learn whether supervisord is shutting down.
    mood_watch: tokio::sync::watch::Sender<Mood>,
    /// The config a pending restart runs with.
    restart_config: Option<Config>,
    /// What the daemon exits with (set by an essential program's end).
    exit_status: u8,
    done: Option<oneshot::Sender<RunEnd>>,
    /// Event listener pools by group name.
    pools: BTreeMap<String, bus::PoolEntry>,
    /// The last global event serial; the first event gets 0.
    serial: Option<u64>,
    /// Armed TICK timers by period.
    ticks: HashMap<u64, SpawnHandle>,
    /// Live views following state changes (the web UI).
    watchers: watch::Watchers,
    /// Who depends on whom among the running groups (`depends_on`).
    graph: dependencies::Graph,
    /// Starts waiting for their dependencies.
    starts: dependent_start::Starts,
}

impl Registry {
    pub fn new(
        config: Config,
        source: ConfigSource,
        daemon: Arc<DaemonContext>,
        done: oneshot::Sender<RunEnd>,
    ) -> Self {
        Registry {
            source,
            latest: config,
            daemon,
            links: None,
            groups: BTreeMap::new(),
            infos: tokio::sync::watch::Sender::new(ProcessTable::default()),
            mood: Mood::Running,
            mood_watch: tokio::sync::watch::Sender::new(Mood::Running),
            restart_config: None,
            exit_status: 0,
            done: Some(done),
            pools: BTreeMap::new(),
            serial: None,
            ticks: HashMap::new(),
            watchers: watch::Watchers::default(),
            graph: dependencies::Graph::default(),
            starts: dependent_start::Starts::default(),
        }
    }

    /// A receiver that always holds the current mood (for the RPC front end).
    pub fn mood_receiver(&self) -> tokio::sync::watch::Receiver<Mood> {
        self.mood_watch.subscribe()
    }

    fn set_mood(&mut self, mood: Mood) {
        self.mood = mood;
        self.mood_watch.send_replace(mood);
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

    /// Starts a group (and its pool, for event listeners), then announces it
    /// (PROCESS_GROUP_ADDED, which a pool also receives for its own group).
    fn add_group(&mut self, config: Arc<GroupConfig>, ctx: &mut Context<Self>) -> Addr<Group> {
        let registry = self.links.get_or_insert_with(|| {
            Arc::new(RegistryLinks {
                observer: ctx.address().recipient(),
                essential: ctx.address().recipient(),
                bus: Some(ctx.address().recipient()),
            })
        });
        let links = Links {
            registry: registry.clone(),
            pool: self.add_pool(&config, ctx),
            // Made by Group::new for an [fcgi-program:x].
            fcgi_socket: None,
        };
        let (group, first_snapshots) = Group::new(&config, self.daemon.clone(), links);
        let addr = group.start();
        // Listed at once, as Supervisor lists a group the moment it is added; each Process
        // replaces its line with its own snapshot when it starts.
        self.infos.send_modify(|table| {
            for info in first_snapshots {
                table.insert(info);
            }
        });
        self.publish(Event::process_group(&config.name, true));
        self.groups.insert(
            config.name.clone(),
            GroupEntry {
                config,
                addr: addr.clone(),
            },
        );
        addr
    }

    /// A receiver that always holds the current process table (for the RPC front end).
    pub fn process_table(&self) -> tokio::sync::watch::Receiver<ProcessTable> {
        self.infos.subscribe()
    }

    /// The processes not yet stopped, with their states.
    fn unstopped(&self) -> Vec<(String, ProcessState)> {
        self.infos
            .borrow()
            .iter()
            .filter(|i| !i.state.is_stopped())
            .map(|i| (i.name.to_string(), i.state))
            .collect()
    }

    /// Stops every group, highest priority first, each fully before the next (Supervisor's
    /// ordered_stop_groups), and every process after what depends on it; then ends the run.
    fn stop_everything(&mut self, ctx: &mut Context<Self>) {
        self.cancel_all_starts();
        ctx.run_interval(Duration::from_secs(3), |act, _| {
            let unstopped = act.unstopped();
            if !unstopped.is_empty() {
                let names: Vec<String> = unstopped.iter().map(|(name, _)| name.clone()).collect();
                mainlog::waiting_for_die(&names);
                for (name, state) in &unstopped {
                    mainlog::process_state(name, state.name());
                }
            }
        });
        let waves = self.shutdown_waves();
        let finish = async move {
            let mut writers = Vec::new();
            for wave in waves {
                let stops = wave
                    .into_iter()
                    .map(|(group, names)| group.send(group::Shutdown(names)));
                writers.extend(
                    join_all(stops)
                        .await
                        .into_iter()
                        .flat_map(Result::unwrap_or_default),
                );
            }
            // Every child is gone, and each exit took in what its pipes held then; what a
            // grandchild still writes is drained by all writers together, under one bound,
            // so that such a grandchild cannot hold the exit or the restart hostage.
            let drained = join_all(writers.iter().map(|w| w.send(log_writer::Drained)));
            let _ = tokio::time::timeout(DRAIN_AT_EXIT, drained).await;
        };
        ctx.spawn(finish.into_actor(self).map(|_, act, _| {
            let end = match (act.mood, act.restart_config.take()) {
                (Mood::Restarting, Some(config)) => RunEnd::Restart(Box::new(config)),
                _ => RunEnd::Shutdown(act.exit_status),
            };
            if let Some(done) = act.done.take() {
                let _ = done.send(end);
            }
        }));
    }
}

/// How long the exit (or a restart) waits, once every child is gone, for output that
/// grandchildren still write into inherited pipes.
const DRAIN_AT_EXIT: Duration = Duration::from_millis(500);

/// Supervisor's split_namespec: `group:name`, `group:*` (no process: the whole group) or
/// `name` (group and process of the same name).
pub fn split_namespec(namespec: &str) -> (&str, Option<&str>) {
    match namespec.split_once(':') {
        Some((group, "*")) => (group, None),
        Some((group, name)) => (group, Some(name)),
        None => (namespec, Some(namespec)),
    }
}

impl Actor for Registry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let configs = self.latest.groups.clone();
        let order: Vec<_> = configs
            .into_iter()
            .map(|g| (g.name.clone(), self.add_group(g, ctx)))
            .collect();
        self.rebuild_graph();
        let order: Vec<_> = order
            .into_iter()
            .map(|(name, addr)| (self.held_back(&name), addr))
            .collect();
        // supervisord.py runforever: the daemon is RUNNING before the first process starts.
        self.publish(Event::supervisor_state(true));
        ctx.spawn(
            async move {
                for (held, group) in order {
                    let _ = group.send(group::Autostart { held }).await;
                }
                release_freed_memory();
            }
            .into_actor(self)
            .map(|(), act, ctx| act.autostart_dependents(None, ctx)),
        );
    }
}

/// Hands the pages freed since start-up back to the system: reading a config of a thousand
/// programs churns through far more memory than the daemon keeps (measured: 160 KB of free
/// heap pages with 1 000 programs), and glibc only trims the top of the heap by itself.
fn release_freed_memory() {
    crate::spawn::reclaim_launches();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl Handler<StateChanged> for Registry {
    type Result = ();
    fn handle(&mut self, msg: StateChanged, ctx: &mut Context<Self>) {
        // A removed group's actors may still report on their way out: ignore them.
        if !self.groups.contains_key(&*msg.info.group) {
            return;
        }
        if msg.from != msg.info.state {
            self.publish(Event::process_state(Transition {
                name: &msg.info.name,
                group: &msg.info.group,
                from: msg.from,
                to: msg.info.state,
                tries: msg.tries,
                expected: msg.expected,
                pid: msg.pid,
            }));
        }
        self.watchers.send(|| Change::Process(msg.info.clone()));
        // Shared with the table, not copied: this runs on every state change.
        let info = Arc::new(msg.info);
        let mut before = None;
        self.infos
            .send_modify(|table| before = table.insert(info.clone()));
        if before.is_some_and(|b| b.health != info.health) {
            if let Some(event) = Event::process_health(&info) {
                self.publish(event);
            }
        }
        self.progress_starts(ctx);
    }
}

/// End the run: shut down, or restart with the re-read config. A restart whose config does
/// not load is refused with the loader's message, and nothing is stopped.
#[derive(Message)]
#[rtype(result = "Result<(), String>")]
pub struct Stop(pub Outcome);

impl Handler<Stop> for Registry {
    type Result = Result<(), String>;
    fn handle(&mut self, Stop(outcome): Stop, ctx: &mut Context<Self>) -> Self::Result {
        if self.mood == Mood::Running && outcome == Outcome::Shutdown {
            self.publish(Event::supervisor_state(false));
        }
        match (self.mood, outcome) {
            (Mood::Running, Outcome::Restart) => {
                let config = reload::load(&self.source).map_err(|e| {
                    tracing::error!("restart refused, the config does not load: {e}");
                    e
                })?;
                self.restart_config = Some(config);
                self.publish(Event::supervisor_state(false));
                self.set_mood(Mood::Restarting);
                self.stop_everything(ctx);
            }
            (Mood::Running, Outcome::Shutdown) => {
                self.set_mood(Mood::Shutdown);
                self.stop_everything(ctx);
            }
            // A shutdown request during a restart turns it into a shutdown.
            (Mood::Restarting, Outcome::Shutdown) => self.set_mood(Mood::Shutdown),
            (_, Outcome::Restart) => {
                mainlog::received_signal(libc::SIGHUP, mainlog::SignalMeaning::RestartIgnored)
            }
            _ => {}
        }
        Ok(())
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

/// Every process snapshot, sorted by (group, name) as getAllProcessInfo returns them.
#[derive(Message)]
#[rtype(result = "Vec<Arc<ProcessInfo>>")]
pub struct AllInfo;

impl Handler<AllInfo> for Registry {
    type Result = MessageResult<AllInfo>;
    fn handle(&mut self, _: AllInfo, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.infos.borrow().all())
    }
}
