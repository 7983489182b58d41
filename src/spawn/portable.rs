//! Starting a child where the clone path (clone_path/) is not built: through
//! `std::process::Command`, which forks (or posix_spawns) and execs as the platform's libc
//! does. What the child gets is the same: its own process group, the umask, directory, user,
//! environment and fds 0, 1 and 2 that Supervisor gives (every other fd is marked
//! close-on-exec first), signals at their defaults and none blocked. One difference: an exec
//! that fails is a spawn error here (Supervisor's `spawnerr`), where the clone path's child
//! writes it on its stderr and exits 127.

use std::os::fd::{BorrowedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use crate::config::Rlimit;
use crate::spawn::errno_names::errno_name;
use crate::spawn::{fork_error, ChildSpec, SpawnError};

/// Starts the child of `spec` on `stdio` (its fds 0, 1 and 2); returns its pid. The child is
/// never waited on here: dropping a `std::process::Child` does not reap it, the reaper does.
pub(super) fn start(spec: &ChildSpec, stdio: [RawFd; 3]) -> Result<i32, SpawnError> {
    let mut command = Command::new(&spec.filename);
    command
        .arg0(&spec.argv[0])
        .args(&spec.argv[1..])
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .process_group(0);
    if let Some(dir) = &spec.directory {
        command.current_dir(dir);
    }
    let [stdin, stdout, stderr] = stdio.map(|fd| {
        // SAFETY: the caller keeps these fds open for the duration of this call.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        fd.try_clone_to_owned().map(Stdio::from)
    });
    let failed = |e: std::io::Error| SpawnError::Failed(format!("unknown error making pipes: {e}"));
    command
        .stdin(stdin.map_err(failed)?)
        .stdout(stdout.map_err(failed)?)
        .stderr(stderr.map_err(failed)?);
    let umask = spec.umask;
    let user = spec.user.clone();
    let rlimits = spec.rlimits.clone();
    // SAFETY: the closure makes async-signal-safe calls only (umask, setrlimit, setgroups,
    // setgid, setuid, close_range, sigprocmask, write, _exit), on values moved into it before
    // the fork.
    unsafe {
        command.pre_exec(move || {
            if let Some(mask) = umask {
                libc::umask(mask as libc::mode_t);
            }
            // Before the ids change: only root may raise a hard limit.
            for limit in &rlimits {
                set_rlimit(limit);
            }
            if let Some(ids) = &user {
                ids.assume()?;
            }
            mark_inherited_cloexec();
            // The spawner thread blocks every signal (spawner.rs) and a fork keeps the mask.
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
    match command.spawn() {
        Ok(child) => Ok(child.id() as i32),
        Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => {
            Err(fork_error(spec, nix::errno::Errno::EAGAIN))
        }
        Err(e) => Err(SpawnError::Failed(format!(
            "couldn't exec {}: {e}",
            spec.argv[0]
        ))),
    }
}

/// Sets one `rlimit_*` in the child; on failure says so on stderr and exits 127, as the
/// clone path's child does (std has already put the child's stderr on fd 2).
///
/// # Safety
/// Only in the child, between fork and exec.
unsafe fn set_rlimit(limit: &Rlimit) {
    let new = libc::rlimit {
        rlim_cur: limit.soft as libc::rlim_t,
        rlim_max: limit.hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads `new`; write and _exit take valid buffers and plain integers.
    unsafe {
        if libc::setrlimit(limit.resource as _, &new) == 0 {
            return;
        }
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        for part in [
            "supervisor: couldn't set rlimit ",
            limit.name,
            ": ",
            errno_name(errno),
            "\nsupervisor: child process was not spawned\n",
        ] {
            libc::write(2, part.as_ptr().cast(), part.len());
        }
        libc::_exit(127);
    }
}

/// Nothing is kept for children here.
pub(super) fn reclaim() {}

/// Every fd above 2 closes at exec: those the daemon inherited are not close-on-exec. They
/// are marked rather than closed, because std reports a failed exec through one of them.
#[cfg(target_os = "linux")]
fn mark_inherited_cloexec() {
    // SAFETY: close_range takes plain integers and touches no memory.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
}

#[cfg(not(target_os = "linux"))]
fn mark_inherited_cloexec() {
    // SAFETY: getdtablesize and fcntl take plain integers.
    unsafe {
        for fd in 3..libc::getdtablesize() {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
}
