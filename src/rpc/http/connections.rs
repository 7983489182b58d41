//! Keeps the HTTP servers from taking the daemon's last file descriptors. Every connection
//! holds an fd; a thousand idle keep-alive connections under RLIMIT_NOFILE 1024 used to stop
//! every spawn (`too many open files`) and shut out the unix socket too. So each server may
//! hold at most its share of the fds left once the programs' are set aside ([`Caps`]); a new
//! connection past that closes the server's connection idle the longest (one with no reply
//! under way), or is itself closed if none is idle, and the main log says so.
//!
//! The table lives on the HTTP worker's thread (one worker): connections are added in
//! `on_connect`, removed when actix drops the connection's data, and marked busy while a
//! response body of theirs is alive (a `tail -f` stream is never idle).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use bytes::Bytes;

use crate::actors::mainlog;

/// Which server a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Unix,
    Tcp(SocketAddr),
}

impl Server {
    fn section(self) -> &'static str {
        match self {
            Server::Unix => "unix_http_server",
            Server::Tcp(_) => "inet_http_server",
        }
    }
}

/// How many connections each server may hold.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub per_server: usize,
}

/// Fds set aside for the daemon itself: its logs, pipes in flight, the listening sockets.
const DAEMON_FDS: usize = 64;
/// A program holds up to five fds in the daemon (stdin, two pipes, two log files).
const FDS_PER_PROGRAM: usize = 5;
/// However tight the limit, a server takes this many (supervisorctl must get in).
const MIN_PER_SERVER: usize = 8;

impl Caps {
    /// The share of `fd_limit` left to each of `servers` once `programs` and the daemon have
    /// theirs.
    pub fn new(fd_limit: usize, programs: usize, servers: usize) -> Caps {
        let reserved = DAEMON_FDS + programs * FDS_PER_PROGRAM;
        let per_server = fd_limit.saturating_sub(reserved) / servers.max(1);
        Caps {
            per_server: per_server.max(MIN_PER_SERVER),
        }
    }
}

struct Entry {
    id: u64,
    fd: RawFd,
    server: Server,
    /// Response bodies alive on this connection.
    busy: usize,
    last_active: Instant,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    entries: Vec<Entry>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::default();
    static CAPS: RefCell<Option<Caps>> = const { RefCell::new(None) };
}

/// Sets the caps for this thread's connections (the worker's, at its start).
pub fn set_caps(caps: Caps) {
    CAPS.with(|c| *c.borrow_mut() = Some(caps));
}

/// A connection in the table; dropped with the connection's data, which removes it.
pub struct Tracked {
    id: u64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        TABLE.with_borrow_mut(|t| t.entries.retain(|e| e.id != self.id));
    }
}

/// Adds a new connection of `server` on `fd`, making room under the cap first.
pub fn track(fd: &impl AsRawFd, server: Server) -> Tracked {
    let fd = fd.as_raw_fd();
    let cap = CAPS
        .with(|c| *c.borrow())
        .map_or(usize::MAX, |c| c.per_server);
    TABLE.with_borrow_mut(|table| {
        table.next_id += 1;
        let id = table.next_id;
        let open = table.entries.iter().filter(|e| e.server == server).count();
        if open >= cap {
            let idle = table
                .entries
                .iter()
                .filter(|e| e.server == server && e.busy == 0)
                .min_by_key(|e| e.last_active);
            // Shutting the socket down makes actix see the peer gone and drop it.
            let victim = idle.map_or(fd, |e| e.fd);
            // SAFETY: shutdown(2) on a socket fd that is open (in the table, or the new one).
            unsafe { libc::shutdown(victim, libc::SHUT_RDWR) };
            mainlog::connection_closed_for_room(server.section(), open, cap, victim != fd);
            // Out of the count at once: in a burst of connections, actix may not have dropped
            // it yet, and the next one must pick another. A new one closed at once is not
            // counted at all.
            table.entries.retain(|e| e.fd != victim);
            if victim == fd {
                return Tracked { id };
            }
        }
        table.entries.push(Entry {
            id,
            fd,
            server,
            busy: 0,
            last_active: Instant::now(),
        });
        Tracked { id }
    })
}

/// Marks the connection busy for as long as `body` is being sent.
pub fn while_sending(tracked: Option<&Tracked>, body: BoxBody) -> BoxBody {
    let Some(tracked) = tracked else {
        return body;
    };
    let id = tracked.id;
    touch(id, 1);
    BoxBody::new(Sending { id, body })
}

fn touch(id: u64, busy_change: isize) {
    TABLE.with_borrow_mut(|t| {
        if let Some(e) = t.entries.iter_mut().find(|e| e.id == id) {
            e.busy = e.busy.saturating_add_signed(busy_change);
            e.last_active = Instant::now();
        }
    });
}

/// A response body that keeps its connection marked busy until it is dropped.
struct Sending {
    id: u64,
    body: BoxBody,
}

impl Drop for Sending {
    fn drop(&mut self) {
        touch(self.id, -1);
    }
}

impl MessageBody for Sending {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}
