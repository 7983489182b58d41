//! The running daemon: one actor per thing that has a life of its own. Actors know nothing of
//! XML or HTTP; they reply with Rust structs.

pub mod events;
pub mod fcgi_socket;
pub mod group;
pub mod listener_pool;
pub mod log_writer;
pub mod mainlog;
pub mod process;
pub mod reaper;
pub mod registry;
pub(crate) mod rotating;
pub mod sd_notify;
pub mod signals;
