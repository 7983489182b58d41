//! Supervisor's XML-RPC faults (xmlrpc.py `Faults`): one code per failure, shown to clients as
//! `NAME` or `NAME: detail` (e.g. `BAD_NAME: foo`). The only place where actor errors become
//! fault codes is rpc/methods. The codes themselves are in model/faults.rs, which the client
//! reads too.

pub use crate::model::faults::FaultCode;

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
