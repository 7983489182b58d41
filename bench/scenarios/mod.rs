//! The measured scenarios. Each starts a fresh daemon of the given kind, measures, and stops
//! it; both kinds run exactly the same config and calls. The floors (rows marked "baseline")
//! involve no supervisor and are measured in both columns alike.

mod events;
mod floors;
mod logs;
mod processes;
mod rpc;

pub use logs::{stream_figures, wait_for_bytes};

use std::time::{Duration, Instant};

use crate::daemons::Kind;

/// One measured value.
pub struct Figure {
    pub name: String,
    pub unit: &'static str,
    pub value: f64,
}

impl Figure {
    pub fn new(name: impl Into<String>, unit: &'static str, value: f64) -> Figure {
        Figure {
            name: name.into(),
            unit,
            value,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Full,
    Quick,
}

impl Scale {
    /// The process table's usual size.
    pub fn programs(self) -> usize {
        self.pick(1000, 50)
    }

    /// The large process table (logs NONE).
    pub fn huge(self) -> usize {
        self.pick(10_000, 200)
    }

    /// Children logging at once, and the bytes each writes.
    pub fn streams(self) -> (usize, u64) {
        self.pick((100, 2 << 20), (10, 200 << 10))
    }

    /// Respawns to time.
    pub fn respawns(self) -> usize {
        self.pick(21, 6)
    }

    /// Whole 100-byte lines: 200 MiB is exactly 2 097 152 of them.
    pub fn flood_bytes(self) -> u64 {
        self.pick(200 * 1024 * 1024, 200 * 1024 * 100)
    }

    pub fn idle(self) -> Duration {
        self.pick(Duration::from_secs(10), Duration::from_secs(1))
    }

    fn pick<T>(self, full: T, quick: T) -> T {
        match self {
            Scale::Full => full,
            Scale::Quick => quick,
        }
    }
}

pub struct Scenario {
    pub name: &'static str,
    pub run: fn(Kind, Scale) -> Vec<Figure>,
}

pub const ALL: &[Scenario] = &[
    Scenario {
        name: "cold start",
        run: processes::cold_start,
    },
    Scenario {
        name: "many programs, default logging",
        run: processes::table_default_logging,
    },
    Scenario {
        name: "many programs, logs NONE",
        run: processes::table_logs_none,
    },
    Scenario {
        name: "many programs, startsecs=1",
        run: processes::startsecs_1,
    },
    Scenario {
        name: "spawn floors, many programs",
        run: floors::spawn_floors,
    },
    Scenario {
        name: "kill baseline",
        run: floors::kill_floor,
    },
    Scenario {
        name: "ping-pong baseline",
        run: floors::ping_pong_floor,
    },
    Scenario {
        name: "ping-pong baseline, 16 connections",
        run: floors::ping_pong_16_floor,
    },
    Scenario {
        name: "10 000 programs, logs NONE",
        run: processes::huge_table,
    },
    Scenario {
        name: "spawn floor, 10 000 programs",
        run: floors::huge_spawn_floor,
    },
    Scenario {
        name: "most programs the fd limit allows, default logging",
        run: processes::most_programs,
    },
    Scenario {
        name: "spawn floors, most programs",
        run: floors::most_spawn_floors,
    },
    Scenario {
        name: "child log throughput",
        run: logs::log_throughput,
    },
    Scenario {
        name: "log copy baseline",
        run: logs::log_copy_floor,
    },
    Scenario {
        name: "child logs, many at once",
        run: logs::many_streams,
    },
    Scenario {
        name: "log baselines, many at once",
        run: logs::many_streams_floors,
    },
    Scenario {
        name: "exit to respawn",
        run: events::respawn,
    },
    Scenario {
        name: "tail latency",
        run: rpc::tail_latency,
    },
    Scenario {
        name: "event latency",
        run: events::event_latency,
    },
];

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Median and 99th percentile of `n` timed calls, in ms.
fn latencies(n: usize, mut call: impl FnMut()) -> (f64, f64) {
    let samples: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            call();
            ms(t.elapsed())
        })
        .collect();
    (quantile(&samples, 0.5), quantile(&samples, 0.99))
}

/// The `q` quantile of `samples` (NaN for none).
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[((n - 1) as f64 * q).round() as usize],
    }
}
