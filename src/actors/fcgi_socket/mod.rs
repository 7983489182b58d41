//! The listening socket an `[fcgi-program:x]` group's processes share as their fd 0, kept as
//! Supervisor's SocketManager keeps it: a reference count of the processes that hold it. The
//! first process to spawn creates it (`Creating socket ...`), the last one reaped closes it
//! (`Closing socket ...`), and the next spawn creates it anew. The socket file stays in place
//! at close, as Supervisor leaves it; the next creation replaces a stale one.
//!
//! The manager is made with its group and shared by the group's processes (through their
//! Links); a new group (an `update` that changed the section) gets a new one.

mod bind;

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};

use super::mainlog;
use crate::config::{FcgiSocketConfig, GroupConfig, GroupKind};

/// One group's socket and who holds it.
#[derive(Debug)]
pub struct SocketManager {
    config: FcgiSocketConfig,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    socket: Option<Arc<OwnedFd>>,
    /// Leases alive: processes spawning or running.
    holders: usize,
}

/// A process's hold on its group's socket, from just before its spawn until it is reaped.
/// Dropping the last one closes the socket.
#[derive(Debug)]
pub struct SocketLease {
    manager: Arc<SocketManager>,
    socket: Arc<OwnedFd>,
}

impl SocketManager {
    /// The manager of an `[fcgi-program:x]` group (None for any other group). As
    /// Supervisor's FastCGIProcessGroup does, the socket is created and closed once at
    /// once, so that a bad address shows in the main log when the group is added.
    pub fn for_group(config: &GroupConfig) -> Option<Arc<SocketManager>> {
        let GroupKind::FastCgi(socket) = &config.kind else {
            return None;
        };
        let manager = Arc::new(SocketManager {
            config: (**socket).clone(),
            open: Mutex::default(),
        });
        if let Err(reason) = manager.lease() {
            mainlog::fcgi_socket_failed(&reason);
        }
        Some(manager)
    }

    /// A hold on the socket, created first if no process holds it. The error is the
    /// spawnerr: `Could not create FastCGI socket unix:///x.sock: [Errno 2] No such file or
    /// directory`, in the words of Supervisor's FastCGIProcessGroup.
    pub fn lease(self: &Arc<Self>) -> Result<SocketLease, String> {
        let mut open = self.lock();
        let socket = match &open.socket {
            Some(socket) => socket.clone(),
            None => {
                let url = &self.config.socket;
                mainlog::creating_socket(url);
                let socket = Arc::new(bind::create(&self.config).map_err(|reason| {
                    format!("Could not create FastCGI socket {url}: {reason}")
                })?);
                open.socket = Some(socket.clone());
                socket
            }
        };
        open.holders += 1;
        Ok(SocketLease {
            manager: self.clone(),
            socket,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        // The count stays consistent even if a holder panicked mid-drop: take it as it is.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SocketLease {
    /// The listening socket, for the child's fd 0.
    pub fn socket(&self) -> &Arc<OwnedFd> {
        &self.socket
    }
}

impl Drop for SocketLease {
    fn drop(&mut self) {
        let mut open = self.manager.lock();
        open.holders -= 1;
        if open.holders == 0 {
            mainlog::closing_socket(&self.manager.config.socket);
            // Closed once the last clone (this lease's) goes, right after.
            open.socket = None;
        }
    }
}

#[cfg(test)]
mod tests;
