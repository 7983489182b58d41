//! A running count of the bytes a child wrote on one stream, shared between the LogWriter
//! that reads the pipe (on the log thread) and the snapshots that show it (the metrics), so
//! counting costs one atomic add per chunk and no message.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct ByteCount(Arc<AtomicU64>);

impl ByteCount {
    pub fn add(&self, bytes: usize) {
        self.0.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Two counts are the same when they are one counter: snapshots compare equal across the
/// bytes written in between.
impl PartialEq for ByteCount {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ByteCount {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_count() {
        let count = ByteCount::default();
        let seen = count.clone();
        count.add(5);
        count.add(7);
        assert_eq!(seen.get(), 12);
        assert_eq!(seen, count);
        assert_ne!(ByteCount::default(), count);
    }
}
