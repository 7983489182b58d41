//! Which Process spawned which pid, for the reaper: a Process registers its child right after
//! spawning it, on the same thread that reaps, so an exit can never be reaped before its
//! owner is known (a message could arrive after the SIGCHLD).

use std::cell::RefCell;
use std::collections::HashMap;

use actix::prelude::*;

use super::Process;
use crate::model::ExitHow;

/// A child of this Process ended.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Exited {
    pub pid: i32,
    pub how: ExitHow,
}

thread_local! {
    /// An `Addr` rather than a `Recipient`, which would be one more allocation per child.
    static WATCHED: RefCell<HashMap<i32, Addr<Process>>> = RefCell::new(HashMap::new());
}

/// Routes the exit of `pid` to `owner`. Call it on the reaper's thread right after spawning.
pub(super) fn watch(pid: i32, owner: Addr<Process>) {
    WATCHED.with(|w| w.borrow_mut().insert(pid, owner));
}

/// The reaper's router ([`crate::actors::reaper::Route`]): sends the exit to the Process
/// that spawned `pid`; false if none did.
pub fn route_exit(pid: i32, how: ExitHow) -> bool {
    match WATCHED.with(|w| w.borrow_mut().remove(&pid)) {
        Some(owner) => {
            owner.do_send(Exited { pid, how });
            true
        }
        None => false,
    }
}
