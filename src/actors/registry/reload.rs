//! Run-time config changes, as supervisorctl reread / add / remove / update use them:
//! re-read the file and diff it against the running groups, start a group the new config
//! has, drop a stopped group, and list every configured process (getAllConfigInfo).

use actix::prelude::*;

use super::{ConfigSource, Registry};
use crate::actors::events::Event;
use crate::actors::group;
use crate::config::{self, diff::ConfigDiff, Config, ProcessConfig};

/// Loads the config named by `source`; the error is the loader's one-line message.
pub fn load(source: &ConfigSource) -> Result<Config, String> {
    config::load(&source.path, &source.overrides).map_err(|e| e.to_string())
}

/// reloadConfig: re-read the file; the new config becomes what add/remove/avail see. Replies
/// with the groups added, changed and removed relative to the running ones.
#[derive(Message)]
#[rtype(result = "Result<ConfigDiff, String>")]
pub struct Reread;

impl Handler<Reread> for Registry {
    type Result = Result<ConfigDiff, String>;
    fn handle(&mut self, _: Reread, _: &mut Context<Self>) -> Self::Result {
        let new = load(&self.source)?;
        let running: Vec<_> = self.groups.values().map(|g| g.config.clone()).collect();
        let diff = config::diff::diff(&running, &new.groups);
        self.latest = new;
        Ok(diff)
    }
}

/// Why a group could not be added or removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupChangeError {
    #[error("{0}")]
    BadName(String),
    #[error("{0}")]
    AlreadyAdded(String),
    #[error("{0}")]
    StillRunning(String),
}

/// addProcessGroup: start the group `name` of the last-read config.
#[derive(Message)]
#[rtype(result = "Result<(), GroupChangeError>")]
pub struct AddGroup(pub String);

impl Handler<AddGroup> for Registry {
    type Result = Result<(), GroupChangeError>;
    fn handle(&mut self, AddGroup(name): AddGroup, ctx: &mut Context<Self>) -> Self::Result {
        let config = self.latest.groups.iter().find(|g| g.name == name).cloned();
        let config = config.ok_or_else(|| GroupChangeError::BadName(name.clone()))?;
        if self.groups.contains_key(&name) {
            return Err(GroupChangeError::AlreadyAdded(name));
        }
        let addr = self.add_group(config, ctx);
        self.rebuild_graph();
        addr.do_send(group::Autostart {
            held: self.held_back(&name),
        });
        self.autostart_dependents(Some(&name), ctx);
        Ok(())
    }
}

/// removeProcessGroup: forget the group `name`, whose processes must all be stopped.
#[derive(Message)]
#[rtype(result = "Result<(), GroupChangeError>")]
pub struct RemoveGroup(pub String);

impl Handler<RemoveGroup> for Registry {
    type Result = Result<(), GroupChangeError>;
    fn handle(&mut self, RemoveGroup(name): RemoveGroup, ctx: &mut Context<Self>) -> Self::Result {
        if !self.groups.contains_key(&name) {
            return Err(GroupChangeError::BadName(name));
        }
        let running = self
            .infos
            .borrow()
            .iter()
            .any(|i| *i.group == *name && !i.state.is_stopped());
        if running {
            return Err(GroupChangeError::StillRunning(name));
        }
        if let Some(entry) = self.groups.remove(&name) {
            entry.addr.do_send(group::Dissolve);
        }
        self.rebuild_graph();
        self.infos.send_modify(|table| table.remove_group(&name));
        // supervisord.py: the pool unsubscribes before the removal is announced.
        self.remove_pool(&name, ctx);
        self.publish(Event::process_group(&name, false));
        self.watchers
            .send(|| super::Change::GroupRemoved(name.clone()));
        Ok(())
    }
}

/// One configured process as getAllConfigInfo lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    pub group: String,
    pub group_priority: i32,
    pub process: std::sync::Arc<ProcessConfig>,
    /// Whether its group is running (added).
    pub inuse: bool,
}

/// getAllConfigInfo: every process of the last-read config, sorted by process name.
#[derive(Message)]
#[rtype(result = "Vec<ConfigEntry>")]
pub struct ConfigInfo;

impl Handler<ConfigInfo> for Registry {
    type Result = MessageResult<ConfigInfo>;
    fn handle(&mut self, _: ConfigInfo, _: &mut Context<Self>) -> Self::Result {
        let mut entries: Vec<_> = self
            .latest
            .groups
            .iter()
            .flat_map(|g| {
                let inuse = self.groups.contains_key(&g.name);
                g.processes.iter().map(move |p| ConfigEntry {
                    group: g.name.clone(),
                    group_priority: g.priority,
                    process: p.clone(),
                    inuse,
                })
            })
            .collect();
        entries.sort_by(|a, b| a.process.name.cmp(&b.process.name));
        MessageResult(entries)
    }
}
