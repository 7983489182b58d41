//! Resource figures: each running child's CPU time and resident memory, sampled from /proc
//! on the HTTP thread (never in a Process actor: reading /proc for 1 000 children takes a
//! few ms), from the process table the Registry publishes.
//!
//! The sampler runs only while someone looks: a `/metrics` scrape or a JSON API call
//! ([`Resources::look`]) keeps it for [`LINGER_PERIODS`] periods, an open status page (a
//! [`Viewer`]) for as long as it is open. With nobody looking the task ends and its history
//! is dropped, so an idle daemon has no timer, no wake-up and no history for this.

mod history;
mod proc_stat;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use history::{History, Sample};
pub use proc_stat::Usage;

use crate::actors::registry::ProcessTable;
use crate::model::ProcessInfo;

/// Periods the sampler keeps running after the last look: long enough to draw a chart
/// between two Prometheus scrapes, short enough to stop soon after everyone left.
pub const LINGER_PERIODS: u32 = 12;
/// How far back each process's history reaches.
const HISTORY_SPAN: Duration = Duration::from_secs(600);

/// `[supervisord] metrics_process_group` and `metrics_sample_interval`.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub whole_group: bool,
    pub period: Duration,
}

/// A handle on the figures, shared by every request (cheap to clone).
#[derive(Clone)]
pub struct Resources(Arc<Shared>);

struct Shared {
    settings: Settings,
    processes: tokio::sync::watch::Receiver<ProcessTable>,
    state: Mutex<State>,
}

type Key = (Arc<str>, Arc<str>);

#[derive(Default)]
struct State {
    sampling: bool,
    last_look: Option<Instant>,
    viewers: usize,
    last_sample: Option<Instant>,
    histories: HashMap<Key, History>,
}

/// Keeps the sampler running while it lives (an open status page).
pub struct Viewer(Resources);

impl Drop for Viewer {
    fn drop(&mut self) {
        self.0.state().viewers -= 1;
    }
}

/// The figures of every process, as of the last sample, read under one lock.
pub struct Figures<'a>(MutexGuard<'a, State>);

impl Figures<'_> {
    /// The latest sample of `info`'s current child, if it is running and was sampled.
    pub fn latest(&self, info: &ProcessInfo) -> Option<&Sample> {
        self.history(info)?.latest(info.pid)
    }

    pub fn history(&self, info: &ProcessInfo) -> Option<&History> {
        self.0
            .histories
            .get(&(info.group.clone(), info.name.clone()))
    }
}

impl Resources {
    pub fn new(processes: tokio::sync::watch::Receiver<ProcessTable>, settings: Settings) -> Self {
        Resources(Arc::new(Shared {
            settings,
            processes,
            state: Mutex::new(State::default()),
        }))
    }

    pub fn period(&self) -> Duration {
        self.0.settings.period
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Someone wants the figures now: samples at once unless the last sample is recent, and
    /// keeps sampling for a while. Call it on the HTTP worker (it may spawn the sampler).
    pub fn look(&self) -> Figures<'_> {
        let mut state = self.state();
        self.refresh(&mut state);
        Figures(state)
    }

    /// Keeps the sampler running, and samples now unless the last sample is recent.
    fn refresh(&self, state: &mut State) {
        state.last_look = Some(Instant::now());
        self.ensure_sampling(state);
        let fresh = state
            .last_sample
            .is_some_and(|t| t.elapsed() < self.period() / 2);
        if !fresh {
            self.sample(state);
        }
    }

    /// Keeps the sampler running until the returned guard is dropped (and samples now, as
    /// [`Resources::look`] does).
    pub fn viewer(&self) -> Viewer {
        let mut state = self.state();
        state.viewers += 1;
        self.refresh(&mut state);
        drop(state);
        Viewer(self.clone())
    }

    /// The figures as they are, without asking for a sample.
    pub fn figures(&self) -> Figures<'_> {
        Figures(self.state())
    }

    fn ensure_sampling(&self, state: &mut State) {
        if state.sampling {
            return;
        }
        state.sampling = true;
        let this = self.clone();
        actix_rt::spawn(async move {
            let period = this.period();
            loop {
                tokio::time::sleep(period).await;
                let mut state = this.state();
                let linger = period * LINGER_PERIODS;
                let idle = state.last_look.is_none_or(|t| t.elapsed() >= linger);
                if state.viewers == 0 && idle {
                    // Nobody looks: no timer, and the history goes with it.
                    *state = State::default();
                    return;
                }
                this.sample(&mut state);
            }
        });
    }

    /// One sample of every running process, added to its history; the histories of
    /// processes that are gone are dropped.
    fn sample(&self, state: &mut State) {
        let running: Vec<(Key, i32)> = {
            let table = self.0.processes.borrow();
            table
                .iter()
                .map(|info| ((info.group.clone(), info.name.clone()), info.pid))
                .collect()
        };
        let pids: Vec<i32> = running
            .iter()
            .map(|(_, pid)| *pid)
            .filter(|&p| p > 0)
            .collect();
        let usage = proc_stat::sample(&pids, self.0.settings.whole_group);
        let at = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        let capacity = (HISTORY_SPAN.as_secs_f64() / self.period().as_secs_f64()).ceil() as usize;
        let live: HashSet<&Key> = running.iter().map(|(key, _)| key).collect();
        state.histories.retain(|key, _| live.contains(key));
        drop(live);
        for (key, pid) in running {
            if let Some(usage) = usage.get(&pid) {
                state
                    .histories
                    .entry(key)
                    .or_insert_with(|| History::new(capacity))
                    .push(at, pid, *usage);
            }
        }
        state.last_sample = Some(Instant::now());
    }
}
