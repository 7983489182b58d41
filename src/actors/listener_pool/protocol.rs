//! One listener's side of the eventlistener protocol, as a pure state machine over the bytes
//! the listener writes on stdout (dispatchers.py `PEventListenerDispatcher`):
//! `READY\n` makes it READY; the pool sends an event (BUSY); it answers `RESULT <len>\n<body>`;
//! `OK` means processed, any other body rejected; then ACKNOWLEDGED until the next `READY\n`.
//! Anything else is a protocol violation and UNKNOWN is final until the listener respawns.

use crate::actors::mainlog;

/// Supervisor's `EventListenerStates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerState {
    Ready = 10,
    Busy = 20,
    Acknowledged = 30,
    Unknown = 40,
}

impl ListenerState {
    pub fn name(self) -> &'static str {
        match self {
            ListenerState::Ready => "READY",
            ListenerState::Busy => "BUSY",
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Unknown => "UNKNOWN",
        }
    }
}

const READY_TOKEN: &[u8] = b"READY\n";
/// `RESULT `: Supervisor does not check these bytes, it only skips them.
const RESULT_PREFIX_LEN: usize = 7;

/// What the pool must do after some listener output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The listener asks for an event.
    Ready,
    /// The event in flight was processed (`OK`).
    Processed,
    /// The event in flight was rejected (another body, a bad result line, or a protocol
    /// error while BUSY): send it again.
    Rejected,
}

/// The parser for one listener process (a fresh one per spawn, starting ACKNOWLEDGED).
#[derive(Debug)]
pub struct Protocol {
    name: String,
    state: ListenerState,
    buf: Vec<u8>,
    /// The announced result length, once the `RESULT n` line has been read.
    resultlen: Option<usize>,
}

impl Protocol {
    pub fn new(name: &str) -> Self {
        Protocol {
            name: name.to_string(),
            state: ListenerState::Acknowledged,
            buf: Vec::new(),
            resultlen: None,
        }
    }

    pub fn state(&self) -> ListenerState {
        self.state
    }

    /// An event was written to the listener: READY -> BUSY (silently, as the pool does).
    pub fn sent(&mut self) {
        self.state = ListenerState::Busy;
    }

    fn change(&mut self, to: ListenerState) {
        mainlog::listener_state_changed(&self.name, self.state.name(), to.name());
        self.state = to;
        if to == ListenerState::Unknown {
            mainlog::listener_entered_unknown(&self.name);
        }
    }

    /// Feeds listener stdout; returns what happened, in order.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Step> {
        self.buf.extend_from_slice(data);
        let mut steps = Vec::new();
        while !self.buf.is_empty() && self.advance(&mut steps) {}
        steps
    }

    /// One step of `handle_listener_state_change`; false when more data is needed.
    fn advance(&mut self, steps: &mut Vec<Step>) -> bool {
        match self.state {
            ListenerState::Unknown => {
                self.buf.clear();
                false
            }
            ListenerState::Acknowledged => {
                if self.buf.len() < READY_TOKEN.len() {
                    return false;
                }
                if self.buf.starts_with(READY_TOKEN) {
                    self.buf.drain(..READY_TOKEN.len());
                    self.change(ListenerState::Ready);
                    steps.push(Step::Ready);
                } else {
                    self.buf.clear();
                    self.change(ListenerState::Unknown);
                }
                true
            }
            ListenerState::Ready => {
                // Spurious output while it should be waiting for an event: be strict.
                self.buf.clear();
                self.change(ListenerState::Unknown);
                false
            }
            ListenerState::Busy => self.advance_busy(steps),
        }
    }

    fn advance_busy(&mut self, steps: &mut Vec<Step>) -> bool {
        let len = match self.resultlen {
            Some(len) => len,
            None => {
                let Some(pos) = self.buf.iter().position(|&b| b == b'\n') else {
                    return false;
                };
                let line: Vec<u8> = self.buf.drain(..=pos).take(pos).collect();
                match parse_len(&line) {
                    Some(len) => {
                        self.resultlen = Some(len);
                        len
                    }
                    None => {
                        let shown = match std::str::from_utf8(&line) {
                            Ok(s) => s.to_string(),
                            Err(_) => {
                                format!("Undecodable: {}", mainlog::py_bytes_repr(&line))
                            }
                        };
                        mainlog::bad_result_line(&self.name, &shown);
                        self.buf.clear();
                        self.change(ListenerState::Unknown);
                        steps.push(Step::Rejected);
                        return false;
                    }
                }
            }
        };
        if self.buf.len() < len {
            return false;
        }
        let body: Vec<u8> = self.buf.drain(..len).collect();
        self.resultlen = None;
        // The default result handler (dispatchers.py default_handler): `OK` or rejected.
        if body == b"OK" {
            mainlog::event_processed(&self.name);
            self.change(ListenerState::Acknowledged);
            steps.push(Step::Processed);
        } else {
            mainlog::event_rejected(&self.name);
            self.change(ListenerState::Acknowledged);
            steps.push(Step::Rejected);
        }
        true
    }
}

/// The number after `RESULT ` as Python's `int()` reads it (surrounding blanks, a `+`).
/// A negative length is refused rather than mis-read as Supervisor does.
fn parse_len(line: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(line.get(RESULT_PREFIX_LEN..)?).ok()?;
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> Protocol {
        let mut p = Protocol::new("l");
        assert_eq!(p.feed(b"READY\n"), vec![Step::Ready]);
        p.sent();
        p
    }

    #[test]
    fn ready_then_ok_then_ready_again_in_one_chunk() {
        let mut p = busy();
        assert_eq!(
            p.feed(b"RESULT 2\nOKREADY\n"),
            vec![Step::Processed, Step::Ready]
        );
        assert_eq!(p.state(), ListenerState::Ready);
    }

    #[test]
    fn split_reads_are_reassembled() {
        let mut p = Protocol::new("l");
        assert_eq!(p.feed(b"REA"), vec![]);
        assert_eq!(p.feed(b"DY\n"), vec![Step::Ready]);
        p.sent();
        assert_eq!(p.feed(b"RESULT"), vec![]);
        assert_eq!(p.feed(b" 4\nFA"), vec![]);
        assert_eq!(p.feed(b"IL"), vec![Step::Rejected]);
        assert_eq!(p.state(), ListenerState::Acknowledged);
    }

    #[test]
    fn zero_length_result_is_a_rejection_at_once() {
        let mut p = busy();
        assert_eq!(p.feed(b"RESULT 0\n"), vec![Step::Rejected]);
    }

    #[test]
    fn bad_result_line_rejects_and_goes_unknown() {
        let mut p = busy();
        assert_eq!(p.feed(b"RESULT x\nOK"), vec![Step::Rejected]);
        assert_eq!(p.state(), ListenerState::Unknown);
        assert_eq!(p.feed(b"READY\n"), vec![]);
        assert_eq!(p.state(), ListenerState::Unknown);
    }

    #[test]
    fn protocol_errors_go_unknown() {
        let mut p = Protocol::new("l");
        assert_eq!(p.feed(b"hello world\n"), vec![]);
        assert_eq!(p.state(), ListenerState::Unknown);
        let mut p = Protocol::new("l");
        p.feed(b"READY\n");
        assert_eq!(p.feed(b"x"), vec![]);
        assert_eq!(p.state(), ListenerState::Unknown);
    }

    #[test]
    fn lengths_are_read_like_python_int() {
        assert_eq!(parse_len(b"RESULT 12"), Some(12));
        assert_eq!(parse_len(b"RESULT  +3 "), Some(3));
        assert_eq!(parse_len(b"XXXXXX 3"), Some(3));
        assert_eq!(parse_len(b"RESULT -1"), None);
        assert_eq!(parse_len(b"RESULT"), None);
        assert_eq!(parse_len(b"RESULT 1x"), None);
    }
}
