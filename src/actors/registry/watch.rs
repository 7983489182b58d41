//! Watchers: a broadcast of every process state change, so a live view (the web UI's
//! event stream) follows the Registry without asking it for snapshots in a loop. Sending is
//! one clone per change, whatever the number of watchers; a watcher that falls behind is told
//! it lagged and re-reads the whole list with [`super::AllInfo`].

use actix::prelude::*;
use tokio::sync::broadcast;

use super::Registry;
use crate::actors::process::ProcessInfo;

/// Changes a slow watcher may fall behind by before it must resynchronise: a restart of
/// 1 000 processes makes about 3 000.
const BACKLOG: usize = 4096;

/// What a watcher hears.
#[derive(Debug, Clone)]
pub enum Change {
    /// A process changed state (or appeared, for a newly added group).
    Process(ProcessInfo),
    /// A group and its processes are gone.
    GroupRemoved(String),
}

/// The sending half, kept by the Registry.
pub(super) struct Watchers(broadcast::Sender<Change>);

impl Watchers {
    pub(super) fn new() -> Self {
        Watchers(broadcast::channel(BACKLOG).0)
    }

    /// Tells every watcher; with none listening this is a no-op.
    pub(super) fn send(&self, change: Change) {
        let _ = self.0.send(change);
    }
}

/// Subscribe to state changes from now on. The stream ends when the Registry does (at the
/// end of the run).
#[derive(Message)]
#[rtype(result = "broadcast::Receiver<Change>")]
pub struct Watch;

impl Handler<Watch> for Registry {
    type Result = MessageResult<Watch>;
    fn handle(&mut self, _: Watch, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.watchers.0.subscribe())
    }
}
