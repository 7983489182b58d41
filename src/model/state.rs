//! Supervisor's process states (states.py), their numeric codes, and the state sets that the
//! RPC interface and the stop logic test against.

/// A process's state, with Supervisor's numeric code as discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProcessState {
    #[default]
    Stopped = 0,
    Starting = 10,
    Running = 20,
    Backoff = 30,
    Stopping = 40,
    Exited = 100,
    Fatal = 200,
    Unknown = 1000,
}

impl ProcessState {
    /// Every state, in code order.
    pub const ALL: [ProcessState; 8] = {
        use ProcessState::*;
        [
            Stopped, Starting, Running, Backoff, Stopping, Exited, Fatal, Unknown,
        ]
    };

    /// Supervisor's numeric code (`statecode` in getProcessInfo).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The state with this numeric code.
    pub fn from_code(code: i32) -> Option<ProcessState> {
        ProcessState::ALL
            .into_iter()
            .find(|state| state.code() == code)
    }

    /// Supervisor's name (`statename`).
    pub fn name(self) -> &'static str {
        match self {
            ProcessState::Stopped => "STOPPED",
            ProcessState::Starting => "STARTING",
            ProcessState::Running => "RUNNING",
            ProcessState::Backoff => "BACKOFF",
            ProcessState::Stopping => "STOPPING",
            ProcessState::Exited => "EXITED",
            ProcessState::Fatal => "FATAL",
            ProcessState::Unknown => "UNKNOWN",
        }
    }

    /// `RUNNING_STATES`: a process that is up or about to be (stop applies; start refuses).
    pub fn is_running(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Backoff | ProcessState::Starting
        )
    }

    /// `STOPPED_STATES`: a process that has settled down (a waiting stop is answered).
    pub fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcessState::Stopped
                | ProcessState::Exited
                | ProcessState::Fatal
                | ProcessState::Unknown
        )
    }

    /// `SIGNALLABLE_STATES`: a process with a pid.
    pub fn is_signallable(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Starting | ProcessState::Stopping
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ProcessState::*;

    #[test]
    fn codes_match_supervisor() {
        let table = [
            (Stopped, 0, "STOPPED"),
            (Starting, 10, "STARTING"),
            (Running, 20, "RUNNING"),
            (Backoff, 30, "BACKOFF"),
            (Stopping, 40, "STOPPING"),
            (Exited, 100, "EXITED"),
            (Fatal, 200, "FATAL"),
            (Unknown, 1000, "UNKNOWN"),
        ];
        for (state, code, name) in table {
            assert_eq!((state.code(), state.name()), (code, name));
        }
    }
}
