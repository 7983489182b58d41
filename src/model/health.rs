//! A process's health, as its health check last judged it (an extension: getProcessInfo
//! does not show it; our supervisorctl, the web UI and `health.*` RPC methods do).

/// What the health check says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Health {
    /// No health check is configured, or the process is not running.
    #[default]
    Unchecked,
    /// Running, with no verdict yet.
    Starting,
    Healthy,
    Unhealthy,
}

impl Health {
    pub const ALL: [Health; 4] = [
        Health::Unchecked,
        Health::Starting,
        Health::Healthy,
        Health::Unhealthy,
    ];

    /// Its name in `health.*` replies, the metrics and the JSON API.
    pub fn name(self) -> &'static str {
        match self {
            Health::Unchecked => "unchecked",
            Health::Starting => "starting",
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
        }
    }

    /// The word our status output shows after the state (`RUNNING (healthy)`); none when
    /// unchecked.
    pub fn word(self) -> Option<&'static str> {
        match self {
            Health::Unchecked => None,
            Health::Starting => Some("health: starting"),
            Health::Healthy => Some("healthy"),
            Health::Unhealthy => Some("unhealthy"),
        }
    }
}
