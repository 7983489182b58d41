//! supervisord in Rust: a drop-in replacement for Supervisor 4.3.
//! See DESIGN.md (shared) for the map: config -> actors -> rpc.

pub mod actors;
pub mod cli;
pub mod config;
pub mod ctl;
pub mod daemon;
pub mod model;
pub mod pidproxy;
pub mod rpc;
pub mod spawn;
pub mod users;
