//! Output that could not be written yet (a full disk, a log directory gone): kept in order,
//! up to [`MAX_BACKLOG`] bytes per stream, and written before anything newer once writing
//! works again. The pipe keeps being read meanwhile, so the child never stalls on its output;
//! past the bound the newest output is dropped and counted, and the count is logged.

/// What one stream keeps while its log cannot be written.
pub const MAX_BACKLOG: usize = 1024 * 1024;

#[derive(Debug, Default)]
pub struct Backlog {
    data: Vec<u8>,
    dropped: u64,
}

impl Backlog {
    /// Keeps `data` after what is kept already, as far as the bound allows.
    pub fn push(&mut self, data: &[u8]) {
        let kept = data.len().min(MAX_BACKLOG - self.data.len());
        self.data.extend_from_slice(&data[..kept]);
        self.dropped += (data.len() - kept) as u64;
    }

    /// What is still to be written, oldest first.
    pub fn pending(&self) -> &[u8] {
        &self.data
    }

    /// The first `n` pending bytes have been written.
    pub fn consume(&mut self, n: usize) {
        self.data.drain(..n);
    }

    /// Bytes that did not fit.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_counts_what_does_not_fit() {
        let mut backlog = Backlog::default();
        backlog.push(b"abc");
        backlog.push(&vec![b'x'; MAX_BACKLOG]);
        assert_eq!(backlog.pending().len(), MAX_BACKLOG);
        assert_eq!(&backlog.pending()[..4], b"abcx");
        assert_eq!(backlog.dropped(), 3);
        backlog.consume(2);
        assert_eq!(&backlog.pending()[..2], b"cx");
        backlog.push(b"yz");
        assert_eq!(backlog.pending().last(), Some(&b'z'));
        assert_eq!(backlog.dropped(), 3);
    }
}
