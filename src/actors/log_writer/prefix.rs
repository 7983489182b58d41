//! Line prefixes in a child's log (`stdout_log_prefix=time,name,stream`, an extension):
//! `2026-12-01 23:37:58,123 web stdout | the line`. The fields come in the order configured,
//! separated by one space, then ` | `; the time is the main log's, taken when the line's
//! first byte was read.
//!
//! Lines are written whole. What a read leaves after its last newline is held, prefix
//! included, until the newline comes, so a log that several programs share (`/dev/stdout` in
//! a container) never has one program's line cut by another's, and the rest of a line gets
//! no prefix of its own. A held line is written without waiting any longer once it is over
//! [`HOLD_MAX`], has waited [`HOLD_TIME`] or its stream has ended (the child exited): then it
//! is ended with a newline, and what follows starts a line with a prefix. Every byte the
//! child wrote is written, in order.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use actix::SpawnHandle;
use chrono::{DateTime, TimeZone};

use crate::actors::mainlog;
use crate::config::{LogPrefix, PrefixField};
use crate::model::Channel;

/// The longest line held for its newline: a longer one that spans reads is written in
/// pieces of about this size, each a line with a prefix. Also bounds a stream's memory.
pub(super) const HOLD_MAX: usize = 64 * 1024;
/// How long a line may wait for its newline (a prompt, a progress bar) before it is written.
pub(super) const HOLD_TIME: Duration = Duration::from_secs(1);

/// One stream's prefix: which fields, and the name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixSettings {
    pub fields: LogPrefix,
    /// The process as supervisorctl shows it ([`crate::model::namespec`]).
    pub name: String,
}

/// One stream's prefixing state. See the module doc.
pub(super) struct LinePrefixer {
    /// The prefix's fixed text before the time and after it (all of it without a time).
    before_time: Box<str>,
    time: bool,
    after_time: Box<str>,
    /// The line begun and not ended yet, its prefix included. Empty: at the start of a line.
    held: Vec<u8>,
    held_since: Option<Instant>,
    /// The writer's timer that ends a held line after [`HOLD_TIME`].
    pub(super) timer: Option<SpawnHandle>,
}

impl LinePrefixer {
    /// `None` for an empty prefix: the stream is written as read.
    pub fn new(settings: &PrefixSettings, channel: Channel) -> Option<Self> {
        if settings.fields.is_empty() {
            return None;
        }
        let (mut before, mut after, mut time) = (String::new(), String::new(), false);
        for (n, field) in settings.fields.fields().enumerate() {
            let text = if time { &mut after } else { &mut before };
            if n > 0 {
                text.push(' ');
            }
            match field {
                PrefixField::Time => time = true,
                PrefixField::Name => text.push_str(&settings.name),
                PrefixField::Stream => text.push_str(channel.as_str()),
            }
        }
        (if time { &mut after } else { &mut before }).push_str(" | ");
        Some(LinePrefixer {
            before_time: before.into(),
            time,
            after_time: after.into(),
            held: Vec::new(),
            held_since: None,
            timer: None,
        })
    }

    /// One read into `out`: the held line if this read ends it, then each whole line with its
    /// prefix; what is left after the last newline is held. `now` is asked at most once, and
    /// only when a line starts in this read.
    pub fn feed<Tz: TimeZone>(
        &mut self,
        data: &[u8],
        now: impl FnOnce() -> DateTime<Tz>,
        out: &mut Vec<u8>,
    ) where
        Tz::Offset: std::fmt::Display,
    {
        let first_newline = memchr::memchr(b'\n', data);
        let starts_line = match first_newline {
            None => self.held.is_empty() && !data.is_empty(),
            Some(i) => self.held.is_empty() || i + 1 < data.len(),
        };
        let prefix = if starts_line {
            self.render(now())
        } else {
            Vec::new()
        };
        let mut rest = data;
        if !self.held.is_empty() {
            let Some(i) = first_newline else {
                self.held.extend_from_slice(data);
                if self.held.len() > HOLD_MAX {
                    self.end_line(out);
                }
                return;
            };
            self.take_held(out);
            out.extend_from_slice(&data[..=i]);
            rest = &data[i + 1..];
        }
        while let Some(i) = memchr::memchr(b'\n', rest) {
            out.extend_from_slice(&prefix);
            out.extend_from_slice(&rest[..=i]);
            rest = &rest[i + 1..];
        }
        if !rest.is_empty() {
            self.held.extend_from_slice(&prefix);
            self.held.extend_from_slice(rest);
            self.held_since = Some(Instant::now());
            if self.held.len() > HOLD_MAX {
                self.end_line(out);
            }
        }
    }

    /// Writes the held line into `out`, ended with a newline; the next byte starts a line.
    pub fn end_line(&mut self, out: &mut Vec<u8>) {
        if !self.held.is_empty() {
            self.take_held(out);
            out.push(b'\n');
        }
    }

    /// How long until the held line is due to be written; `None` when none is held.
    pub fn held_due_in(&self) -> Option<Duration> {
        self.held_since
            .map(|since| HOLD_TIME.saturating_sub(since.elapsed()))
    }

    fn take_held(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.held);
        self.held.clear();
        self.held_since = None;
        // A line longer than a read can leave a large buffer: a stream keeps only a small one.
        if self.held.capacity() > HOLD_MAX {
            self.held = Vec::new();
        }
    }

    fn render<Tz: TimeZone>(&self, now: DateTime<Tz>) -> Vec<u8>
    where
        Tz::Offset: std::fmt::Display,
    {
        let mut text = String::with_capacity(64);
        text.push_str(&self.before_time);
        if self.time {
            let _ = write!(text, "{}", mainlog::asctime(&now));
        }
        text.push_str(&self.after_time);
        text.into_bytes()
    }
}

#[cfg(test)]
#[path = "prefix_tests.rs"]
mod tests;
