//! What replies may hold in memory. A log read is the one call whose reply grows with what
//! the client asks (`readLog(0, 0)` of a 1 GB log, twenty of them in one multicall, or thirty
//! clients that ask and never read), so each read is claimed first from its request's budget
//! and from the daemon's, and the claim is held until the reply has left for the socket.
//! Past either bound the call gets Fault FAILED; the daemon's memory stays bounded whatever
//! clients ask, and a read whose allocation fails gets the same fault instead of an abort.
//! Request bodies are claimed from the daemon's budget too, while they are decoded and run.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::faults::{Fault, FaultCode};

/// What the log reads of one request may claim.
pub const PER_REQUEST: usize = 96 * 1024 * 1024;
/// What the log reads of all requests may claim together.
pub const TOTAL: usize = 384 * 1024 * 1024;
/// A log read is held about three times over until its reply is sent: as read, as text and
/// encoded in the XML.
const COPIES: usize = 3;

/// Bytes claimed by replies not yet sent, daemon-wide.
static HELD: AtomicUsize = AtomicUsize::new(0);

tokio::task_local! {
    static REQUEST: RefCell<Claims>;
}

/// What one request has claimed; given back when dropped, that is once its reply is sent.
#[derive(Debug, Default)]
pub struct Claims {
    bytes: usize,
}

impl Claims {
    /// Takes over what `other` claimed.
    fn merge(&mut self, mut other: Claims) {
        self.bytes += std::mem::take(&mut other.bytes);
    }
}

impl Drop for Claims {
    fn drop(&mut self) {
        HELD.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// Runs one request's calls with a budget of their own; returns their output and what they
/// claimed, to be dropped with the reply.
pub async fn within<F: Future>(request: F) -> (F::Output, Claims) {
    REQUEST
        .scope(RefCell::new(Claims::default()), async {
            let output = request.await;
            (output, REQUEST.with(RefCell::take))
        })
        .await
}

/// Claims room daemon-wide for a request body of `len` bytes and what it decodes to, until
/// the returned claims are dropped; None when there is no room now.
pub fn hold(len: usize) -> Option<Claims> {
    let cost = len.saturating_mul(COPIES);
    HELD.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
        held.checked_add(cost).filter(|total| *total <= TOTAL)
    })
    .ok()
    .map(|_| Claims { bytes: cost })
}

/// Claims room for a read of `len` bytes, or says why not. Outside a request (unit tests)
/// there is nothing to claim from.
pub fn claim(len: usize) -> Result<(), Fault> {
    let cost = len.saturating_mul(COPIES);
    REQUEST
        .try_with(|claims| {
            let mut claims = claims.borrow_mut();
            if claims.bytes.saturating_add(cost) > PER_REQUEST {
                return Err(too_large(len, "one request", PER_REQUEST));
            }
            let held = hold(len).ok_or_else(|| too_large(len, "all replies being sent", TOTAL))?;
            claims.merge(held);
            Ok(())
        })
        .unwrap_or(Ok(()))
}

fn too_large(len: usize, whose: &str, bound: usize) -> Fault {
    Fault::with(
        FaultCode::Failed,
        format!(
            "a read of {len} bytes would take more than the {} MiB that {whose} may hold; \
             read less at a time",
            bound / COPIES / (1024 * 1024)
        ),
    )
}
