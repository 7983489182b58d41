use std::{
    cell::Cell,
    fmt::{self, Write},
    time::{Duration, Instant, SystemTime},
};

/// "Thu, 01 Jan 1970 00:00:00 GMT".len()
pub(crate) const DATE_VALUE_LENGTH: usize = 29;

#[derive(Clone, Copy)]
pub(crate) struct Date {
    pub(crate) bytes: [u8; DATE_VALUE_LENGTH],
    pos: usize,
}

impl Date {
    fn new() -> Date {
        let mut date = Date {
            bytes: [0; DATE_VALUE_LENGTH],
            pos: 0,
        };
        date.update();
        date
    }

    fn update(&mut self) {
        self.pos = 0;
        write!(self, "{}", httpdate::HttpDate::from(SystemTime::now())).unwrap();
    }
}

impl fmt::Write for Date {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let len = s.len();
        self.bytes[self.pos..self.pos + len].copy_from_slice(s.as_bytes());
        self.pos += len;
        Ok(())
    }
}

/// The Date header's value and a coarse clock, refreshed when read if more than 500 ms old.
///
/// Patched for supervisord (see vendor/README.md): upstream refreshes them from a task woken
/// every 500 ms for the life of the server, which wakes an idle daemon four times a second
/// (actix-web#3411). Read on demand, they cost nothing while no request comes.
pub(crate) struct DateService {
    current: Cell<(Date, Instant)>,
}

/// How old the cached date and instant may get: upstream's refresh period.
const REFRESH: Duration = Duration::from_millis(500);

impl DateService {
    pub(crate) fn new() -> Self {
        DateService {
            current: Cell::new((Date::new(), Instant::now())),
        }
    }

    fn current(&self) -> (Date, Instant) {
        let (date, at) = self.current.get();
        let now = Instant::now();
        if now.duration_since(at) < REFRESH {
            return (date, at);
        }
        let fresh = (Date::new(), now);
        self.current.set(fresh);
        fresh
    }

    pub(crate) fn now(&self) -> Instant {
        self.current().1
    }

    pub(crate) fn with_date<F: FnMut(&Date)>(&self, mut f: F) {
        f(&self.current().0);
    }
}

impl fmt::Debug for DateService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DateService").finish_non_exhaustive()
    }
}
