//! The spawner: one thread with a file descriptor table of its own, from which every child is
//! started.
//!
//! A child starts with a copy of the fd table of the thread that clones it, and closes all of
//! it but its stdio before it execs; both cost time in proportion to the fds open. The daemon
//! holds up to five per program (stdin, two pipes, two log files), so in the supervision
//! thread's table every start got slower as the table grew: starting 10 000 programs took
//! 1.7x a shell loop, most of it the kernel copying and closing fds in each child. This
//! thread starts with the daemon, before any program has an fd, unshares its table and puts
//! /dev/null in the place of each fd it inherited, so a child here copies and closes a
//! handful.
//!
//! The fds cross between the tables over a unix socket (SCM_RIGHTS): a `[fcgi-program:x]`
//! socket in, with the request; the parent's ends of the child's pipes out, with the reply.
//! Requests come one at a time from whichever thread calls [`spawn`] (the supervision thread),
//! which waits for the reply as it waited for its own clone before. Where the thread cannot
//! be had (no unshare, the thread gone), children start on the caller's thread as before.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use nix::sys::socket::{
    recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags,
    SockFlag, SockType,
};

use super::{spawn_here, ChildSpec, SpawnError, Spawned, StdinSource};

/// What the caller holds: the way to the thread and our end of the fd socket.
struct Link {
    requests: Sender<Request>,
    replies: Receiver<Result<i32, SpawnError>>,
    fds: OwnedFd,
}

enum Request {
    Spawn(Box<ChildSpec>),
    /// Free what started children no longer use ([`super::reclaim_launches`]).
    Reclaim,
}

/// The link, made on first use; None when the thread could not be had.
static LINK: OnceLock<Option<Mutex<Link>>> = OnceLock::new();

/// Starts `spec`'s child from the spawner thread, or here when there is none.
pub(super) fn spawn(spec: &ChildSpec) -> Result<Spawned, SpawnError> {
    let Some(link) = LINK.get_or_init(start_thread) else {
        return spawn_here(spec);
    };
    let link = link.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match link.spawn(spec) {
        Ok(outcome) => outcome,
        // The thread is gone (it ends only if its socket breaks, or by panicking) and never
        // had this request: carry on without it.
        Err(Unsent) => spawn_here(spec),
    }
}

/// Starts the spawner thread now, while the daemon holds only its own few fds (the table the
/// thread inherits is what every child copies). Call it once the daemon has its final pid:
/// a daemonizing fork keeps no threads.
pub(super) fn start() {
    LINK.get_or_init(start_thread);
}

/// Asks the spawner thread to free its finished launches; nothing when there is no thread.
pub(super) fn reclaim() {
    if let Some(Some(link)) = LINK.get() {
        let link = link.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = link.requests.send(Request::Reclaim);
    }
}

/// The spawner thread was gone before it could take a request.
struct Unsent;

impl Link {
    /// Once the thread has the request it may have started the child, so a failure after
    /// that is the spawn's error, never a reason to start it again here.
    fn spawn(&self, spec: &ChildSpec) -> Result<Result<Spawned, SpawnError>, Unsent> {
        // The clone's copy of a group socket is dropped on the spawner thread while `spec`
        // (the caller's) still holds the socket, so it never closes the fd there.
        self.requests
            .send(Request::Spawn(Box::new(spec.clone())))
            .map_err(|_| Unsent)?;
        let gone = || SpawnError::Failed("the spawner thread ended".into());
        if let StdinSource::Socket(socket) = &spec.stdin {
            if send_fds(&self.fds, &[Some(socket.as_raw_fd())]).is_err() {
                return Ok(Err(gone()));
            }
        }
        let pid = match self.replies.recv() {
            Ok(Ok(pid)) => pid,
            Ok(Err(e)) => return Ok(Err(e)),
            Err(_) => return Ok(Err(gone())),
        };
        match receive_fds(&self.fds) {
            Ok([stdin, stdout, stderr]) => Ok(Ok(Spawned {
                pid,
                stdin,
                stdout,
                stderr,
            })),
            // The child runs, but its pipes are lost: end it (the reaper collects it) rather
            // than leave a program nobody can see or stop.
            Err(e) => {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
                Ok(Err(SpawnError::Failed(format!(
                    "could not take the pipes of the child from the spawner: {e}"
                ))))
            }
        }
    }
}

fn start_thread() -> Option<Mutex<Link>> {
    let (ours, theirs) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .ok()?;
    let (requests, incoming) = channel();
    let (outgoing, replies) = channel();
    let (ready, unshared) = channel();
    let theirs_raw = theirs.as_raw_fd();
    std::thread::Builder::new()
        .name("spawner".into())
        .spawn(move || {
            block_signals();
            let alone = own_fd_table(theirs.as_raw_fd());
            let _ = ready.send(alone);
            if alone {
                serve(&theirs, &incoming, &outgoing);
            }
        })
        .ok()?;
    if !unshared.recv().ok()? {
        return None;
    }
    // The thread's end now lives in its own table; our table's copy of it goes.
    // SAFETY: that fd number is ours alone in this table, and nothing here holds it.
    unsafe { libc::close(theirs_raw) };
    Some(Mutex::new(Link {
        requests,
        replies,
        fds: ours,
    }))
}

/// Leaves the daemon's signals to its other threads: their handlers write to fds (tokio's
/// wake-up pipes) of the table this thread is about to leave, and a SIGCHLD handled here would
/// be lost. Children do not inherit the mask: each path unblocks everything in the child.
fn block_signals() {
    // SAFETY: sigfillset fills a local set; pthread_sigmask changes this thread's mask only.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
    }
}

/// Gives this thread a table of its own and puts /dev/null in it in the place of everything
/// but stdio and `keep` (among them the caller's end of the socket). False when the kernel
/// refuses.
///
/// Not closed: a library may keep an fd of its own and use it from any thread (heaptrack's
/// preloaded allocator writes its trace to one and reads /proc through another). Closed here,
/// that number would soon be a child's pipe, and the library would read or write the pipe:
/// heaptrack then blocked this thread reading a child's stdout while holding the lock every
/// allocation of the daemon waits for. /dev/null takes its writes and answers reads with EOF.
fn own_fd_table(keep: RawFd) -> bool {
    // SAFETY: unshare takes a flag and touches no memory; it changes only this thread's table.
    if unsafe { libc::unshare(libc::CLONE_FILES) } != 0 {
        return false;
    }
    // Without /proc the inherited copies stay: children are as correct, only slower.
    let Ok(entries) = std::fs::read_dir("/proc/thread-self/fd") else {
        return true;
    };
    let inherited: Vec<RawFd> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd > 2 && fd != keep)
        .collect();
    // Without /dev/null (a bare chroot) the inherited copies stay too, as without /proc.
    let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    else {
        return true;
    };
    for fd in inherited.into_iter().filter(|&fd| fd != null.as_raw_fd()) {
        // SAFETY: these fds are this thread's copies (the table is unshared): replacing one
        // closes only that copy, and nothing on this thread uses them. The directory's own fd
        // is among them, already closed: dup3 opens /dev/null there, which is as harmless.
        unsafe { libc::dup3(null.as_raw_fd(), fd, libc::O_CLOEXEC) };
    }
    true
}

fn serve(
    socket: &OwnedFd,
    requests: &Receiver<Request>,
    replies: &Sender<Result<i32, SpawnError>>,
) {
    while let Ok(request) = requests.recv() {
        let mut spec = match request {
            Request::Reclaim => {
                super::start_path::reclaim();
                continue;
            }
            Request::Spawn(spec) => spec,
        };
        if let StdinSource::Socket(_) = spec.stdin {
            match receive_fds(socket) {
                Ok([Some(here), ..]) => spec.stdin = StdinSource::Socket(Arc::new(here)),
                _ => return,
            }
        }
        match spawn_here(&spec) {
            Ok(spawned) => {
                if replies.send(Ok(spawned.pid)).is_err() {
                    return;
                }
                let fds = [&spawned.stdin, &spawned.stdout, &spawned.stderr]
                    .map(|fd| fd.as_ref().map(AsRawFd::as_raw_fd));
                if send_fds(socket, &fds).is_err() {
                    return;
                }
                // Our copies close here; the caller's live on in its table.
            }
            Err(e) => {
                if replies.send(Err(e)).is_err() {
                    return;
                }
            }
        }
    }
}

/// Sends up to three fds, with one byte saying which of the slots they fill.
fn send_fds(socket: &OwnedFd, fds: &[Option<RawFd>]) -> nix::Result<()> {
    let present: Vec<RawFd> = fds.iter().flatten().copied().collect();
    let mask = fds
        .iter()
        .enumerate()
        .fold(0u8, |mask, (i, fd)| mask | (u8::from(fd.is_some()) << i));
    let rights = [ControlMessage::ScmRights(&present)];
    let control: &[ControlMessage] = if present.is_empty() { &[] } else { &rights };
    sendmsg::<()>(
        socket.as_raw_fd(),
        &[IoSlice::new(&[mask])],
        control,
        MsgFlags::empty(),
        None,
    )?;
    Ok(())
}

/// Receives what [`send_fds`] sent, each fd in its slot (close-on-exec, as all of ours are).
fn receive_fds(socket: &OwnedFd) -> nix::Result<[Option<OwnedFd>; 3]> {
    let mut mask = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut mask)];
    let mut space = nix::cmsg_space!([RawFd; 3]);
    let message = recvmsg::<()>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )?;
    if message.bytes != 1 {
        return Err(nix::errno::Errno::EPIPE);
    }
    let mut received = Vec::new();
    for cmsg in message.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            // SAFETY: the kernel just installed these fds in our table for us alone.
            received.extend(
                fds.into_iter()
                    .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
            );
        }
    }
    let mut received = received.into_iter();
    let mask = mask[0];
    Ok([0, 1, 2].map(|slot| {
        if mask & (1 << slot) != 0 {
            received.next()
        } else {
            None
        }
    }))
}
