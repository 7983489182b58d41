//! A child's two outputs.

/// Which output of the child: what a LogWriter records, what events and log tails name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Stdout,
    Stderr,
}

impl Channel {
    /// `stdout` / `stderr`, as in AUTO log names, events and the main log.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}
