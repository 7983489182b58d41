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
    epoll: AsyncFd<OwnedFd>,
    /// Per registered pipe: the waker of its reader while it waits.
    waiting: RefCell<Slab<Option<Waker>>>,
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
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: key as u64,
        };
        let epoll = reactor.epoll.get_ref().as_raw_fd();
        // SAFETY: both fds are open; the kernel copies the event during the call.
        if unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut event) } < 0 {
            let error = io::Error::last_os_error();
            reactor.waiting.borrow_mut().remove(key);
            return Err(error);
        }
        Ok(PipeReader { fd, key, reactor })
    }

    /// Reads what the pipe holds into `buf`: `Ok(0)` at EOF; pending (woken by the next
    /// write) when it is empty.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            // SAFETY: a read into a buffer we hold, of at most its length.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Poll::Ready(Ok(n as usize));
            }
            let error = io::Error::last_os_error();
            match error.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    if let Some(slot) = self.reactor.waiting.borrow_mut().get_mut(self.key) {
                        *slot = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                _ => return Poll::Ready(Err(error)),
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
        let epoll = self.reactor.epoll.get_ref().as_raw_fd();
        // SAFETY: removes an fd we still hold from our epoll set. Closing it would do the
        // same unless another copy of it exists somewhere; this way no event can name a key
        // that is about to be reused.
        unsafe {
            libc::epoll_ctl(
                epoll,
                libc::EPOLL_CTL_DEL,
                self.fd.as_raw_fd(),
                std::ptr::null_mut(),
            )
        };
        self.reactor.waiting.borrow_mut().remove(self.key);
    }
}

impl Reactor {
    fn for_this_thread() -> io::Result<Rc<Reactor>> {
        REACTOR.with_borrow_mut(|reactor| {
            if let Some(reactor) = reactor.upgrade() {
                return Ok(reactor);
            }
            // SAFETY: epoll_create1 takes a flag and returns a new fd or -1.
            let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            if epoll < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: a new fd that nothing else owns.
            let epoll = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(epoll) };
            // SAFETY: an OwnedFd keeps the same open fd until the AsyncFd drops it.
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
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; EVENTS_PER_PASS];
        loop {
            let Ok(mut ready) = self.epoll.readable().await else {
                return;
            };
            let taken = ready.try_io(|epoll| {
                // SAFETY: the buffer holds EVENTS_PER_PASS events and outlives the call; a
                // zero timeout never blocks.
                let n = unsafe {
                    libc::epoll_wait(
                        epoll.as_raw_fd(),
                        events.as_mut_ptr(),
                        EVENTS_PER_PASS as i32,
                        0,
                    )
                };
                match n {
                    n if n < 0 => Err(io::Error::last_os_error()),
                    0 => Err(io::ErrorKind::WouldBlock.into()),
                    n => Ok(n as usize),
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
                if let Some(waker) = waiting.get_mut(event.u64 as usize).and_then(Option::take) {
                    waker.wake();
                }
            }
        }
    }
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on an fd the caller owns, with integer arguments.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
