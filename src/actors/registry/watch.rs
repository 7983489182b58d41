//! Watchers: a broadcast of every process state change, so a live view (the web UI's
//! event stream) follows the Registry without asking it for snapshots in a loop. Sending is
//! one clone per change, whatever the number of watchers; a watcher that falls behind is told
//! it lagged and re-reads the whole list with [`super::AllInfo`].

use actix::prelude::*;
use tokio::sync::broadcast;

use super::Registry;
use crate::model::ProcessInfo;

/// Changes a slow watcher may fall behind by before it must resynchronise (a restart of
/// 1 000 processes makes about 3 000, and a resync is one snapshot). The ring is allocated
/// whole, so it exists only while someone watches.
const BACKLOG: usize = 1024;

/// What a watcher hears.
#[derive(Debug, Clone)]
pub enum Change {
    /// A process changed state (or appeared, for a newly added group).
    Process(ProcessInfo),
    /// A group and its processes are gone.
    GroupRemoved(String),
}

/// The sending half, kept by the Registry; `None` while nobody watches.
#[derive(Default)]
pub(super) struct Watchers(Option<broadcast::Sender<Change>>);

impl Watchers {
    /// Tells every watcher (`change` is only built if there is one). When the last one has
    /// gone, the ring is freed.
    pub(super) fn send(&mut self, change: impl FnOnce() -> Change) {
        if let Some(tx) = &self.0 {
            if tx.send(change()).is_err() {
                self.0 = None;
            }
        }
    }

    fn subscribe(&mut self) -> broadcast::Receiver<Change> {
        self.0
            .get_or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
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
        MessageResult(self.watchers.subscribe())
    }
}
