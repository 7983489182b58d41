//! Supervisor's XML-RPC faults (xmlrpc.py `Faults`): one code per failure, shown to clients as
//! `NAME` or `NAME: detail` (e.g. `BAD_NAME: foo`). The only place where actor errors become
//! fault codes is rpc/methods.

/// The fault codes of Supervisor 4.3, with their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    UnknownMethod = 1,
    IncorrectParameters = 2,
    BadArguments = 3,
    SignatureUnsupported = 4,
    ShutdownState = 6,
    BadName = 10,
    BadSignal = 11,
    NoFile = 20,
    NotExecutable = 21,
    Failed = 30,
    AbnormalTermination = 40,
    SpawnError = 50,
    AlreadyStarted = 60,
    NotRunning = 70,
    Success = 80,
    AlreadyAdded = 90,
    StillRunning = 91,
    CantReread = 92,
}

impl FaultCode {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The name as Supervisor spells it, the start of every faultString.
    pub fn name(self) -> &'static str {
        match self {
            FaultCode::UnknownMethod => "UNKNOWN_METHOD",
            FaultCode::IncorrectParameters => "INCORRECT_PARAMETERS",
            FaultCode::BadArguments => "BAD_ARGUMENTS",
            FaultCode::SignatureUnsupported => "SIGNATURE_UNSUPPORTED",
            FaultCode::ShutdownState => "SHUTDOWN_STATE",
            FaultCode::BadName => "BAD_NAME",
            FaultCode::BadSignal => "BAD_SIGNAL",
            FaultCode::NoFile => "NO_FILE",
            FaultCode::NotExecutable => "NOT_EXECUTABLE",
            FaultCode::Failed => "FAILED",
            FaultCode::AbnormalTermination => "ABNORMAL_TERMINATION",
            FaultCode::SpawnError => "SPAWN_ERROR",
            FaultCode::AlreadyStarted => "ALREADY_STARTED",
            FaultCode::NotRunning => "NOT_RUNNING",
            FaultCode::Success => "SUCCESS",
            FaultCode::AlreadyAdded => "ALREADY_ADDED",
            FaultCode::StillRunning => "STILL_RUNNING",
            FaultCode::CantReread => "CANT_REREAD",
        }
    }
}

/// A fault returned to the client: its code and optional detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: FaultCode,
    pub detail: Option<String>,
}

impl Fault {
    pub fn new(code: FaultCode) -> Fault {
        Fault { code, detail: None }
    }

    pub fn with(code: FaultCode, detail: impl Into<String>) -> Fault {
        Fault {
            code,
            detail: Some(detail.into()),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.code.name()),
            None => f.write_str(self.code.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_strings_match_supervisor() {
        assert_eq!(
            Fault::with(FaultCode::BadName, "foo").to_string(),
            "BAD_NAME: foo"
        );
        assert_eq!(
            Fault::new(FaultCode::UnknownMethod).to_string(),
            "UNKNOWN_METHOD"
        );
        assert_eq!(FaultCode::CantReread.code(), 92);
        assert_eq!(FaultCode::ShutdownState.code(), 6);
    }
}
