//! A child's stdin as sendProcessStdin feeds it. What the pipe takes at once is written at
//! once; the rest is queued, up to [`MAX_QUEUED`] bytes, and written in order as the child
//! reads, as Supervisor's input buffer does (a write that stopped at the pipe's 64 KiB used
//! to drop the rest). The queue and its writer exist only once a write did not fit.

use std::cell::Cell;
use std::os::fd::OwnedFd;
use std::rc::Rc;

use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What one child's stdin may hold that it has not read yet. A client that sends more gets
/// a Fault instead of growing the daemon.
pub const MAX_QUEUED: usize = 4 * 1024 * 1024;

/// Why data could not be given to the child.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StdinError {
    #[error("not running")]
    NotRunning,
    /// The child closed its stdin (EPIPE): Fault NO_FILE, as Supervisor answers.
    #[error("stdin is closed")]
    Closed,
    #[error("{queued} bytes sent to its stdin are not read yet; at most {MAX_QUEUED} may wait")]
    Full { queued: usize },
}

/// The daemon's end of a child's stdin pipe (non-blocking).
pub struct Stdin {
    fd: OwnedFd,
    /// Boxed: most children never get one, and a thousand of them should not pay for it.
    queue: Option<Box<Queue>>,
}

/// Bytes waiting for the child, written by a task of their own.
struct Queue {
    chunks: mpsc::UnboundedSender<Vec<u8>>,
    /// Bytes sent to the task and not yet written.
    queued: Rc<Cell<usize>>,
    /// The task met EPIPE: the child closed its stdin.
    closed: Rc<Cell<bool>>,
    writer: JoinHandle<()>,
}

impl Drop for Queue {
    /// The child is gone: what it never read goes with it, as in Supervisor.
    fn drop(&mut self) {
        self.writer.abort();
    }
}

impl Stdin {
    pub fn new(fd: OwnedFd) -> Stdin {
        Stdin { fd, queue: None }
    }

    /// Gives `data` to the child: written now as far as the pipe takes it, the rest after
    /// whatever is queued already.
    pub fn write(&mut self, data: &[u8]) -> Result<(), StdinError> {
        let mut rest = data;
        if let Some(queue) = &self.queue {
            if queue.closed.get() {
                return Err(StdinError::Closed);
            }
            if queue.queued.get() > 0 {
                return queue.push(rest);
            }
        }
        while !rest.is_empty() {
            match nix::unistd::write(&self.fd, rest) {
                Ok(n) => rest = &rest[n..],
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) => break,
                Err(_) => return Err(StdinError::Closed),
            }
        }
        if rest.is_empty() {
            return Ok(());
        }
        if self.queue.is_none() {
            self.queue = Some(Box::new(
                Queue::start(&self.fd).map_err(|_| StdinError::Closed)?,
            ));
        }
        self.queue.as_ref().map_or(Ok(()), |queue| queue.push(rest))
    }
}

impl Queue {
    /// A writer task on a duplicate of `fd`, on the current (the Process's) thread.
    fn start(fd: &OwnedFd) -> std::io::Result<Queue> {
        let pipe = pipe::Sender::from_owned_fd(fd.try_clone()?)?;
        let (chunks, mut incoming) = mpsc::unbounded_channel::<Vec<u8>>();
        let queued = Rc::new(Cell::new(0));
        let closed = Rc::new(Cell::new(false));
        let (left, broken) = (queued.clone(), closed.clone());
        let writer = actix::spawn(async move {
            let mut pipe = pipe;
            while let Some(chunk) = incoming.recv().await {
                if pipe.write_all(&chunk).await.is_err() {
                    broken.set(true);
                    return;
                }
                left.set(left.get() - chunk.len());
            }
        });
        Ok(Queue {
            chunks,
            queued,
            closed,
            writer,
        })
    }

    fn push(&self, data: &[u8]) -> Result<(), StdinError> {
        let queued = self.queued.get();
        if queued + data.len() > MAX_QUEUED {
            return Err(StdinError::Full { queued });
        }
        self.chunks
            .send(data.to_vec())
            .map_err(|_| StdinError::Closed)?;
        self.queued.set(queued + data.len());
        Ok(())
    }
}
