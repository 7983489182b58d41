//! How a child ended, as waitpid reports it.

/// How a child ended, from its wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitHow {
    /// Exited with this status.
    Code(i32),
    /// Killed by this signal, maybe dumping core.
    Signal { sig: i32, core: bool },
}
