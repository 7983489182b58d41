//! Readiness for the children's output pipes: one epoll set per log thread, registered with
//! tokio once, instead of one tokio registration per pipe.
//!
//! Why: tokio keeps a cache-line-aligned `ScheduledIo` (256 bytes with its allocation) for
//! every registered fd, and a program with default logging has two pipes. Here a pipe costs
//! one slot holding its reader's waker, about 24 bytes, so 1 000 programs need 0.5 MiB less.
//!
//! Pipes are registered edge-triggered: an event means "more data came (or the writer went)
//! since you last found the pipe empty". A reader therefore reads until `EAGAIN` before it
//! waits, and since the dispatcher runs on the same thread as the readers, nothing can come
//! between that `EAGAIN` and the reader's waker being stored: every later write wakes it.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use slab::Slab;
use tokio::io::unix::AsyncFd;

/// How many events one `epoll_wait` takes; more are taken by the next pass.
const EVENTS_PER_PASS: usize = 64;

/// The read end of a child's pipe, non-blocking, in this thread's epoll set until dropped.
pub struct PipeReader {
    fd: OwnedFd,
    key: usize,
    reactor: Rc<Reactor>,
}

struct Reactor {
    epoll: AsyncFd<EpollSet>,
    /// Per registered pipe: the waker of its reader while it waits.
    waiting: RefCell<Slab<Option<Waker>>>,
}

/// nix's epoll set, with the `AsRawFd` that tokio registers it by.
struct EpollSet(Epoll);

impl AsRawFd for EpollSet {
    fn as_raw_fd(&self) -> RawFd {
        self.0 .0.as_raw_fd()
    }
}

thread_local! {
    /// Weak: the dispatcher task holds the reactor alive. If the thread's runtime ends (and
    /// drops that task), the next pipe gets a new reactor on the new runtime instead of one
    /// nobody dispatches.
    static REACTOR: RefCell<Weak<Reactor>> = const { RefCell::new(Weak::new()) };
}

impl PipeReader {
    /// Makes `fd` non-blocking and adds it to this thread's epoll set (created, with its
    /// dispatcher task, by the first pipe). Must run inside the thread's tokio LocalSet.
    pub fn register(fd: OwnedFd) -> io::Result<PipeReader> {
        set_nonblocking(fd.as_raw_fd())?;
        let reactor = Reactor::for_this_thread()?;
        let key = reactor.waiting.borrow_mut().insert(None);
        let event = EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLET, key as u64);
        if let Err(error) = reactor.epoll.get_ref().0.add(&fd, event) {
            reactor.waiting.borrow_mut().remove(key);
            return Err(error.into());
        }
        Ok(PipeReader { fd, key, reactor })
    }

    /// Reads what the pipe holds into `buf`: `Ok(0)` at EOF; pending (woken by the next
    /// write) when it is empty.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            match nix::unistd::read(self.fd.as_raw_fd(), buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => {
                    if let Some(slot) = self.reactor.waiting.borrow_mut().get_mut(self.key) {
                        *slot = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                Err(errno) => return Poll::Ready(Err(errno.into())),
            }
        }
    }
}

impl AsRawFd for PipeReader {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        // Closing the fd would do the same unless another copy of it exists somewhere; this
        // way no event can name a key that is about to be reused.
        let _ = self.reactor.epoll.get_ref().0.delete(&self.fd);
        self.reactor.waiting.borrow_mut().remove(self.key);
    }
}

impl Reactor {
    fn for_this_thread() -> io::Result<Rc<Reactor>> {
        REACTOR.with_borrow_mut(|reactor| {
            if let Some(reactor) = reactor.upgrade() {
                return Ok(reactor);
            }
            let epoll = EpollSet(Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?);
            // SAFETY: the Epoll owns its fd and keeps it open until the AsyncFd drops it.
            let epoll =
                unsafe { AsyncFd::register_with_interest(epoll, tokio::io::Interest::READABLE) }
                    .map_err(io::Error::from)?;
            let new = Rc::new(Reactor {
                epoll,
                waiting: RefCell::new(Slab::new()),
            });
            tokio::task::spawn_local(new.clone().dispatch());
            *reactor = Rc::downgrade(&new);
            Ok(new)
        })
    }

    /// Wakes the readers of the pipes that became readable, for as long as the thread runs.
    async fn dispatch(self: Rc<Reactor>) {
        let mut events = [EpollEvent::empty(); EVENTS_PER_PASS];
        loop {
            let Ok(mut ready) = self.epoll.readable().await else {
                return;
            };
            let taken = ready.try_io(|epoll| {
                match epoll.get_ref().0.wait(&mut events, EpollTimeout::ZERO) {
                    Ok(0) => Err(io::ErrorKind::WouldBlock.into()),
                    Ok(n) => Ok(n),
                    Err(errno) => Err(errno.into()),
                }
            });
            let n = match taken {
                Ok(Ok(n)) => n,
                // Empty: try_io cleared the readiness, so the next await waits.
                Err(_) => continue,
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => {
                    // Only a bug can get here (EBADF, EINVAL); looping on it would spin.
                    tracing::error!("log pipes: epoll_wait failed: {e}");
                    return;
                }
            };
            let mut waiting = self.waiting.borrow_mut();
            for event in &events[..n] {
                if let Some(waker) = waiting
                    .get_mut(event.data() as usize)
                    .and_then(Option::take)
                {
                    waker.wake();
                }
            }
        }
    }
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(())
}
