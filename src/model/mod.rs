//! The nouns every layer shares: process states and their codes, output channels, how a child
//! ended, process snapshots and state changes, fault codes. A leaf: it imports no actor, no
//! RPC and no client code, so config/, actors/, rpc/ and ctl/ all name the same things the
//! same way without importing each other.

mod byte_count;
mod channel;
mod exit;
pub mod faults;
mod health;
mod process_info;
mod state;

pub use byte_count::ByteCount;
pub use channel::Channel;
pub use exit::ExitHow;
pub use health::Health;
pub use process_info::{namespec, EssentialEnded, ProcessInfo, StateChanged};
pub use state::ProcessState;
