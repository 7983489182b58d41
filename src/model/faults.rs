//! Supervisor's XML-RPC fault codes (xmlrpc.py `Faults`): the API contract that the server
//! answers with and the client reads.

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

/// The codes as integers, for matching on what a server answered (`Fault.faultCode`).
macro_rules! codes {
    ($($name:ident = $variant:ident),* $(,)?) => {
        $(pub const $name: i32 = FaultCode::$variant as i32;)*
    };
}

codes! {
    UNKNOWN_METHOD = UnknownMethod,
    INCORRECT_PARAMETERS = IncorrectParameters,
    BAD_ARGUMENTS = BadArguments,
    SIGNATURE_UNSUPPORTED = SignatureUnsupported,
    SHUTDOWN_STATE = ShutdownState,
    BAD_NAME = BadName,
    BAD_SIGNAL = BadSignal,
    NO_FILE = NoFile,
    NOT_EXECUTABLE = NotExecutable,
    FAILED = Failed,
    ABNORMAL_TERMINATION = AbnormalTermination,
    SPAWN_ERROR = SpawnError,
    ALREADY_STARTED = AlreadyStarted,
    NOT_RUNNING = NotRunning,
    SUCCESS = Success,
    ALREADY_ADDED = AlreadyAdded,
    STILL_RUNNING = StillRunning,
    CANT_REREAD = CantReread,
}
