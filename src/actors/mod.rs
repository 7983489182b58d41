//! The running daemon: one actor per thing that has a life of its own.

pub mod log_writer;
pub mod mainlog;
