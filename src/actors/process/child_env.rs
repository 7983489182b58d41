//! What every child of this daemon shares: the base environment, the server URL, where AUTO
//! logs go, the log-writer thread. From it and a ProcessConfig, [`DaemonContext::child_spec`]
//! builds the complete [`ChildSpec`] before the child is started.

use std::ffi::OsString;
use std::path::PathBuf;

use actix::ArbiterHandle;

use crate::config::ProcessConfig;
use crate::config::{LogStreamConfig, LogTarget};
use crate::spawn::{self, ChildSpec, Output, SpawnError, StdinSource, UserIds};

/// Daemon-wide facts a Process needs to start its child and open its logs.
#[derive(Debug, Clone)]
pub struct DaemonContext {
    /// The daemon's environment with `[supervisord] environment=` applied.
    pub base_env: Vec<(OsString, OsString)>,
    /// SUPERVISOR_SERVER_URL for children whose `serverurl` is AUTO.
    pub server_url: Option<String>,
    pub identifier: String,
    pub childlogdir: PathBuf,
    pub strip_ansi: bool,
    /// The thread all LogWriters run on, so disk writes never stall supervision.
    pub log_arbiter: ArbiterHandle,
}

impl DaemonContext {
    /// Splits and finds the command (Supervisor's get_execv_args), with the PATH the child
    /// will see.
    pub fn resolve(&self, config: &ProcessConfig) -> Result<(PathBuf, Vec<String>), SpawnError> {
        let path = config
            .environment
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| OsString::from(v))
            .or_else(|| {
                self.base_env
                    .iter()
                    .rev()
                    .find(|(k, _)| k == "PATH")
                    .map(|(_, v)| v.clone())
            });
        spawn::resolve_command(&config.command, path.as_deref())
    }

    /// Everything needed to fork this process's child.
    pub fn child_spec(
        &self,
        config: &ProcessConfig,
        group: &str,
        listener: bool,
    ) -> Result<ChildSpec, SpawnError> {
        let (filename, argv) = self.resolve(config)?;
        Ok(ChildSpec {
            filename,
            argv,
            env: self.child_env(config, group)?,
            directory: config.directory.clone(),
            umask: config.umask,
            rlimits: config.rlimits.clone(),
            user: self.child_user(config)?,
            redirect_stderr: config.redirect_stderr,
            stdin: StdinSource::Pipe,
            stdout: output(&config.stdout, listener),
            stderr: output(&config.stderr, false),
        })
    }

    /// Base env, then SUPERVISOR_*, then the program's own `environment=` (which wins), as
    /// Supervisor's `_spawn_as_child` builds it; the `environment_file=` files (ours) come
    /// just before `environment=`, read afresh each time. A file that cannot be read is a
    /// spawn error naming it.
    pub(super) fn child_env(
        &self,
        config: &ProcessConfig,
        group: &str,
    ) -> Result<Vec<(OsString, OsString)>, SpawnError> {
        let mut env = self.base_env.clone();
        spawn::env_file::read_all(&config.environment_files, &mut env)
            .map_err(SpawnError::Failed)?;
        let mut set = |k: &str, v: &str| {
            env.retain(|(key, _)| key != k);
            env.push((k.into(), v.into()));
        };
        set("SUPERVISOR_ENABLED", "1");
        if let Some(url) = config.serverurl.as_ref().or(self.server_url.as_ref()) {
            set("SUPERVISOR_SERVER_URL", url);
        }
        set("SUPERVISOR_PROCESS_NAME", &config.name);
        set("SUPERVISOR_GROUP_NAME", group);
        for (k, v) in &config.environment {
            set(k, v);
        }
        Ok(env)
    }

    /// The identity to switch to, or None when it is already ours.
    pub(super) fn child_user(&self, config: &ProcessConfig) -> Result<Option<UserIds>, SpawnError> {
        let Some(uid) = config.uid else {
            return Ok(None);
        };
        let current = nix::unistd::getuid().as_raw();
        if uid == current {
            return Ok(None);
        }
        if current != 0 {
            return Err(SpawnError::Failed(format!(
                "couldn't setuid to {uid}: Can't drop privilege as nonroot user"
            )));
        }
        UserIds::lookup(uid)
            .map(Some)
            .map_err(|e| SpawnError::Failed(format!("couldn't setuid to {uid}: {e}")))
    }
}

/// Whether a stream needs a pipe at all. Output that goes to no file, no syslog, no event, no
/// capture and not into a debug-level main log would only be read to be thrown away, so the
/// child writes it to /dev/null instead: no pipe, no reader, less work per spawn. A
/// listener's stdout is its protocol channel and always a pipe.
pub fn output(stream: &LogStreamConfig, listener_stdout: bool) -> Output {
    let wanted = listener_stdout
        || !matches!(stream.logfile, LogTarget::None)
        || stream.syslog
        || stream.events_enabled
        || stream.capture_maxbytes > 0
        || tracing::enabled!(tracing::Level::DEBUG);
    if wanted {
        Output::Pipe
    } else {
        Output::Discard
    }
}
