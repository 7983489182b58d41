//! The clone path's start: the child's launch mapped and filled, then cloned.

use std::os::fd::RawFd;

use super::{child, launch};
use crate::spawn::{fork_error, ChildSpec, SpawnError};

/// Starts the child of `spec` on `stdio` (its fds 0, 1 and 2); returns its pid.
pub(in crate::spawn) fn start(spec: &ChildSpec, stdio: [RawFd; 3]) -> Result<i32, SpawnError> {
    let launch = launch::Launch::new(spec, stdio).map_err(|e| match e {
        launch::LaunchError::NulByte => {
            SpawnError::NotExecutable("command contains a NUL byte".into())
        }
        launch::LaunchError::Map(e) => {
            SpawnError::Failed(format!("unknown error during fork: {e}"))
        }
    })?;
    child::clone_and_exec(launch).map_err(|errno| fork_error(spec, errno))
}

/// Frees the launches whose child is done with them.
pub(in crate::spawn) fn reclaim() {
    child::reclaim();
}
