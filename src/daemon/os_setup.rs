//! The once-per-start steps that change the daemon process itself, in Supervisor's order:
//! drop privileges, raise rlimits, daemonize, write the pidfile.
//! Each returns Supervisor's message on failure; the caller prints it as a usage error. What
//! each has to say once the main log is open is returned as a note, worded by mainlog.

use std::path::{Path, PathBuf};

use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};
use nix::unistd::Uid;

/// What [`set_uid`] has to say in the main log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UidNote {
    /// Running as root with no `user=`: Supervisor's CRIT warning.
    RunningAsRoot,
    /// Running as this uid, as asked.
    SetUid(u32),
    Nothing,
}

/// `[supervisord] user=`: switch to that user, or say why not.
pub fn set_uid(user: Option<&str>) -> Result<UidNote, String> {
    let Some(user) = user else {
        if Uid::current().is_root() {
            return Ok(UidNote::RunningAsRoot);
        }
        return Ok(UidNote::Nothing);
    };
    let record = match user.parse::<u32>() {
        Ok(uid) => crate::users::user_by_uid(uid).ok_or_else(|| format!("Can't find uid {uid}"))?,
        Err(_) => crate::users::user_by_name(user)
            .ok_or_else(|| format!("Can't find username {}", crate::config::py::repr(user)))?,
    };
    if record.uid == Uid::current().as_raw() {
        return Ok(UidNote::SetUid(record.uid));
    }
    if !Uid::current().is_root() {
        return Err("Can't drop privilege as nonroot user".into());
    }
    let ids = crate::spawn::UserIds::lookup(record.uid)?;
    let groups: Vec<_> = ids
        .groups
        .iter()
        .map(|g| nix::unistd::Gid::from_raw(*g))
        .collect();
    nix::unistd::setgroups(&groups)
        .map_err(|e| format!("Could not set groups of effective user: {e}"))?;
    nix::unistd::setgid(nix::unistd::Gid::from_raw(record.gid))
        .map_err(|e| format!("Could not set group id of effective user: {e}"))?;
    nix::unistd::setuid(Uid::from_raw(record.uid))
        .map_err(|e| format!("Could not set user id of effective user: {e}"))?;
    Ok(UidNote::SetUid(record.uid))
}

/// Raises RLIMIT_NOFILE to `minfds` and RLIMIT_NPROC to `minprocs` where the soft limit is
/// lower, as Supervisor's set_rlimits_or_exit does. Returns each limit raised, by name, with
/// its new value.
pub fn set_rlimits(minfds: u64, minprocs: u64) -> Result<Vec<(&'static str, u64)>, String> {
    let limits = [
        (
            Resource::RLIMIT_NOFILE,
            "RLIMIT_NOFILE",
            minfds,
            "The minimum number of file descriptors required to run this process is {min} as per \
             the \"minfds\" command-line argument or config file setting. The current environment \
             will only allow you to open {hard} file descriptors.  Either raise the number of \
             usable file descriptors in your environment (see README.rst) or lower the minfds \
             setting in the config file to allow the process to start.",
        ),
        (
            Resource::RLIMIT_NPROC,
            "RLIMIT_NPROC",
            minprocs,
            "The minimum number of available processes required to run this program is {min} as \
             per the \"minprocs\" command-line argument or config file setting. The current \
             environment will only allow you to open {hard} processes.  Either raise the number \
             of usable processes in your environment (see README.rst) or lower the minprocs \
             setting in the config file to allow the program to start.",
        ),
    ];
    let mut raised = Vec::new();
    for (resource, name, min, msg) in limits {
        let (soft, hard) = getrlimit(resource).map_err(|e| e.to_string())?;
        if soft == RLIM_INFINITY || soft >= min {
            continue;
        }
        // setrlimit raises the hard limit too when we are root; otherwise it fails below.
        let new_hard = if hard != RLIM_INFINITY && hard < min {
            min
        } else {
            hard
        };
        setrlimit(resource, min, new_hard).map_err(|_| {
            msg.replace("{min}", &min.to_string())
                .replace("{hard}", &hard.to_string())
        })?;
        raised.push((name, min));
    }
    Ok(raised)
}

/// Where [`daemonize`] went for `directory=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirNote {
    Set(PathBuf),
    Failed(PathBuf, String),
}

/// Forks into the background: the parent exits 0, the child becomes a session leader with
/// stdin/stdout/stderr on /dev/null and `directory` as its working directory. Must run before
/// any thread is started.
pub fn daemonize(directory: Option<&Path>) -> Result<Option<DirNote>, String> {
    // SAFETY: called from main before the actix runtime or any other thread exists, so the
    // child is a complete copy of a single-threaded process.
    match unsafe { nix::unistd::fork() }.map_err(|e| format!("could not fork: {e}"))? {
        nix::unistd::ForkResult::Parent { .. } => {
            crate::actors::mainlog::forked_parent_exiting();
            std::process::exit(0)
        }
        nix::unistd::ForkResult::Child => crate::actors::mainlog::daemonizing(),
    }
    nix::unistd::setsid().map_err(|e| format!("setsid failed: {e}"))?;
    let mut note = None;
    if let Some(dir) = directory {
        note = Some(match std::env::set_current_dir(dir) {
            Ok(()) => DirNote::Set(dir.to_path_buf()),
            Err(e) => DirNote::Failed(dir.to_path_buf(), e.to_string()),
        });
    }
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| format!("cannot open /dev/null: {e}"))?;
    for fd in 0..=2 {
        nix::unistd::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd).map_err(|e| e.to_string())?;
    }
    Ok(note)
}

/// Writes our pid, as `supervisord started with pid N` needs it to be right: after forking.
pub fn write_pidfile(path: &Path) -> std::io::Result<()> {
    std::fs::write(path, format!("{}\n", std::process::id()))
}
