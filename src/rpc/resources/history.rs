//! One process's recent samples: a ring of at most [`History::capacity`] entries, so memory
//! stays bounded whatever the uptime.

use std::collections::VecDeque;

use super::proc_stat::Usage;

/// One sample, at `at` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: f64,
    pub pid: i32,
    pub usage: Usage,
    /// CPU used since the previous sample of the same child, in percent of one CPU; 0 for a
    /// child's first sample.
    pub cpu_percent: f64,
}

#[derive(Debug)]
pub struct History {
    samples: VecDeque<Sample>,
    capacity: usize,
}

impl History {
    pub fn new(capacity: usize) -> History {
        History {
            samples: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub fn push(&mut self, at: f64, pid: i32, usage: Usage) {
        let cpu_percent = match self.samples.back() {
            Some(last) if last.pid == pid && at > last.at => {
                ((usage.cpu_seconds - last.usage.cpu_seconds) / (at - last.at) * 100.0).max(0.0)
            }
            _ => 0.0,
        };
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            at,
            pid,
            usage,
            cpu_percent,
        });
    }

    /// The latest sample, if it is of child `pid` (figures of an earlier child are no
    /// figures of this one).
    pub fn latest(&self, pid: i32) -> Option<&Sample> {
        self.samples.back().filter(|s| s.pid == pid && pid > 0)
    }

    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.samples.iter()
    }

    /// The last `n` samples, oldest first.
    pub fn recent(&self, n: usize) -> impl Iterator<Item = &Sample> {
        self.samples
            .iter()
            .skip(self.samples.len().saturating_sub(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(cpu_seconds: f64) -> Usage {
        Usage {
            cpu_seconds,
            rss_bytes: 1,
        }
    }

    #[test]
    fn keeps_the_last_samples_and_rates_cpu_per_child() {
        let mut h = History::new(2);
        h.push(10.0, 7, usage(1.0));
        h.push(12.0, 7, usage(2.0));
        assert_eq!(h.latest(7).unwrap().cpu_percent, 50.0);
        h.push(14.0, 8, usage(0.5));
        assert_eq!(h.samples().count(), 2);
        assert_eq!(h.latest(8).unwrap().cpu_percent, 0.0);
        assert!(h.latest(7).is_none());
    }
}
