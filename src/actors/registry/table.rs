//! The process table: the latest snapshot of every process, by (group, name). The Registry is
//! its only writer; it publishes it through a `watch` channel so that status queries, tails
//! and log lookups read it on the HTTP thread without a round trip to the Registry.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{split_namespec, RegistryError};
use crate::model::{Channel, ProcessInfo};

/// Every process's latest snapshot, sorted by (group, name) as getAllProcessInfo lists them.
#[derive(Debug, Clone, Default)]
pub struct ProcessTable {
    /// Keyed by the snapshot's own (shared) names.
    entries: BTreeMap<(Arc<str>, Arc<str>), Arc<ProcessInfo>>,
}

impl ProcessTable {
    /// Replaces the process's snapshot; returns the one it had.
    pub(super) fn insert(&mut self, info: impl Into<Arc<ProcessInfo>>) -> Option<Arc<ProcessInfo>> {
        let info = info.into();
        self.entries
            .insert((info.group.clone(), info.name.clone()), info)
    }

    pub(super) fn remove_group(&mut self, group: &str) {
        self.entries.retain(|(g, _), _| &**g != group);
    }

    /// The process `name` or `group:name` (Supervisor's split_namespec).
    pub fn find(&self, namespec: &str) -> Option<&Arc<ProcessInfo>> {
        let (group, name) = split_namespec(namespec);
        self.entries.get(&(Arc::from(group), Arc::from(name?)))
    }

    /// Like [`ProcessTable::find`], with BAD_NAME's error.
    pub fn get(&self, namespec: &str) -> Result<Arc<ProcessInfo>, RegistryError> {
        self.find(namespec)
            .cloned()
            .ok_or_else(|| RegistryError::BadName(namespec.to_string()))
    }

    /// The log file of `namespec` on `channel`; `Ok(None)` when that stream is logged nowhere.
    pub fn log_file(
        &self,
        namespec: &str,
        channel: Channel,
    ) -> Result<Option<PathBuf>, RegistryError> {
        let info = self.get(namespec)?;
        let path = match channel {
            Channel::Stdout => &info.stdout_logfile,
            Channel::Stderr => &info.stderr_logfile,
        };
        Ok(path.as_deref().map(PathBuf::from))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<ProcessInfo>> {
        self.entries.values()
    }

    /// Every snapshot, sharing the data.
    pub fn all(&self) -> Vec<Arc<ProcessInfo>> {
        self.entries.values().cloned().collect()
    }
}
