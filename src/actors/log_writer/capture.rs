//! Capture mode (`stdout_capture_maxbytes > 0`): text a child writes between
//! `<!--XSUPERVISOR:BEGIN-->` and `<!--XSUPERVISOR:END-->` is kept aside (up to maxbytes) instead
//! of going to the log file, and becomes one PROCESS_COMMUNICATION event at the end token
//! (dispatchers.py `POutputDispatcher.record_output`). Pure: the LogWriter does the writing.
//!
//! Tokens may be split across reads, so a tail that could be the start of the awaited token is
//! held back until the next read. Supervisor also holds back any chunk no longer than a token,
//! which delays short lines indefinitely; here only a possible token prefix waits.

const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

/// A piece of output, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// Output to record; `captured` when it falls between the tokens (it goes to the capture
    /// buffer, through [`Capture::store`], instead of the log file).
    Text { data: Vec<u8>, captured: bool },
    /// The end token: the captured text is complete ([`Capture::take`]).
    End,
}

/// The capture state of one stream.
#[derive(Debug)]
pub struct Capture {
    maxbytes: usize,
    capturing: bool,
    /// A tail that may be the start of the awaited token.
    held: Vec<u8>,
    captured: Vec<u8>,
}

impl Capture {
    pub fn new(maxbytes: u64) -> Self {
        Capture {
            maxbytes: usize::try_from(maxbytes).unwrap_or(usize::MAX),
            capturing: false,
            held: Vec::new(),
            captured: Vec::new(),
        }
    }

    /// Splits a chunk of output at the tokens.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Piece> {
        let mut buf = std::mem::take(&mut self.held);
        buf.extend_from_slice(data);
        let mut pieces = Vec::new();
        let mut rest = &buf[..];
        loop {
            let token = if self.capturing {
                END_TOKEN
            } else {
                BEGIN_TOKEN
            };
            if let Some(pos) = find(rest, token) {
                self.text(&rest[..pos], &mut pieces);
                if self.capturing {
                    pieces.push(Piece::End);
                }
                self.capturing = !self.capturing;
                rest = &rest[pos + token.len()..];
            } else {
                let keep = prefix_at_end(rest, token);
                self.text(&rest[..rest.len() - keep], &mut pieces);
                self.held = rest[rest.len() - keep..].to_vec();
                return pieces;
            }
        }
    }

    /// At end of output: what was held back waiting for a token.
    pub fn finish(&mut self) -> Vec<Piece> {
        let held = std::mem::take(&mut self.held);
        let mut pieces = Vec::new();
        self.text(&held, &mut pieces);
        pieces
    }

    fn text(&self, data: &[u8], pieces: &mut Vec<Piece>) {
        if !data.is_empty() {
            pieces.push(Piece::Text {
                data: data.to_vec(),
                captured: self.capturing,
            });
        }
    }

    /// Keeps captured text, at most the last `maxbytes` of it.
    pub fn store(&mut self, data: &[u8]) {
        self.captured.extend_from_slice(data);
        if self.captured.len() > self.maxbytes {
            let excess = self.captured.len() - self.maxbytes;
            self.captured.drain(..excess);
        }
    }

    /// The text captured since the begin token.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.captured)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of the longest tail of `data` that is a proper prefix of `token`
/// (Supervisor's `find_prefix_at_end`).
fn prefix_at_end(data: &[u8], token: &[u8]) -> usize {
    (1..token.len().min(data.len() + 1))
        .rev()
        .find(|&k| data.ends_with(&token[..k]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs chunks through a capture, storing captured text as the LogWriter does; returns the
    /// logged text and the communications.
    fn run(maxbytes: u64, chunks: &[&[u8]]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut c = Capture::new(maxbytes);
        let (mut logged, mut comms) = (Vec::new(), Vec::new());
        let mut pieces: Vec<Piece> = chunks.iter().flat_map(|ch| c.feed(ch)).collect();
        pieces.extend(c.finish());
        for p in pieces {
            match p {
                Piece::Text {
                    data,
                    captured: false,
                } => logged.extend(data),
                Piece::Text {
                    data,
                    captured: true,
                } => c.store(&data),
                Piece::End => comms.push(c.take()),
            }
        }
        (logged, comms)
    }

    #[test]
    fn text_between_tokens_is_captured() {
        let (logged, comms) = run(
            100,
            &[b"a\n<!--XSUPERVISOR:BEGIN-->hello<!--XSUPERVISOR:END-->b\n"],
        );
        assert_eq!(logged, b"a\nb\n");
        assert_eq!(comms, vec![b"hello".to_vec()]);
    }

    #[test]
    fn tokens_split_across_reads() {
        let (logged, comms) = run(
            100,
            &[
                b"x<!--XSUPER",
                b"VISOR:BEGIN-->he",
                b"llo<!--XSUPERVISOR:E",
                b"ND-->",
                b"y<!-",
            ],
        );
        assert_eq!(logged, b"xy<!-");
        assert_eq!(comms, vec![b"hello".to_vec()]);
    }

    #[test]
    fn capture_keeps_the_last_maxbytes() {
        let (_, comms) = run(
            3,
            &[b"<!--XSUPERVISOR:BEGIN-->abcdef<!--XSUPERVISOR:END-->"],
        );
        assert_eq!(comms, vec![b"def".to_vec()]);
    }

    #[test]
    fn short_output_is_not_held_back() {
        let mut c = Capture::new(10);
        assert_eq!(
            c.feed(b"hi\n"),
            vec![Piece::Text {
                data: b"hi\n".to_vec(),
                captured: false
            }]
        );
    }

    #[test]
    fn prefix_at_end_finds_the_longest() {
        assert_eq!(prefix_at_end(b"abc<!--X", BEGIN_TOKEN), 5);
        assert_eq!(prefix_at_end(b"abc", BEGIN_TOKEN), 0);
        assert_eq!(prefix_at_end(b"<", BEGIN_TOKEN), 1);
    }
}
