//! The clone path: children started with `clone(CLONE_VM)` and raw system calls (see the
//! module doc of spawn and child.rs). Built for Linux on x86_64 and aarch64.

mod child;
mod launch;
mod raw;
mod start;

pub(super) use start::{reclaim, start};
