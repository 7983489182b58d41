//! The front end: Supervisor's HTTP face on a unix socket and/or TCP. `/RPC2` carries XML-RPC
//! (methods.rs turns each call into one Registry message), `/logtail` and `/mainlogtail` stream
//! log files, and the web UI (web/) lives beside them. rpc/ knows nothing of fork or of Process
//! actors: it talks to the Registry alone.

pub mod api;
pub mod describe;
pub mod faults;
pub mod http;
pub mod json;
pub mod logfile;
pub mod methods;
pub mod metrics;
pub mod reply_budget;
pub mod resources;
pub mod web;
pub mod xmlrpc;

use actix::Addr;

use crate::actors::mainlog::MainLogHandle;
use crate::actors::registry::{Mood, ProcessTable, Registry};

/// What every request handler needs: the Registry to ask, and the main log for readLog,
/// clearLog and /mainlogtail.
#[derive(Clone)]
pub struct Backend {
    pub registry: Addr<Registry>,
    pub mainlog: MainLogHandle,
    /// `[supervisord] identifier` (getIdentification).
    pub identifier: String,
    /// The supervisor's mood, kept current by the Registry.
    pub mood: tokio::sync::watch::Receiver<Mood>,
    /// Every process's latest snapshot, kept current by the Registry: status queries, tails
    /// and log lookups read it here instead of asking the supervision thread.
    pub processes: tokio::sync::watch::Receiver<ProcessTable>,
    /// CPU and memory of the running children, sampled while someone looks.
    pub resources: resources::Resources,
}
