//! Reaper: the only caller of `waitpid`. SIGCHLDs coalesce, so each wake-up loops
//! `waitpid(-1, WNOHANG)` until nothing is left and hands every exit to the router it was
//! started with (the Processes' pid table, process/exits.rs). Unknown pids (orphans
//! re-parented to us as PID 1 or as a child subreaper) are reaped too, and logged as
//! Supervisor logs them.

use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, SignalKind};

use super::mainlog;
use crate::model::ExitHow;

/// Hands the exit of `pid` to whoever spawned it; false when nobody did.
pub type Route = fn(pid: i32, how: ExitHow) -> bool;

/// Starts reaping on the current (System) thread. The SIGCHLD stream is registered before the
/// first pass, so an exit that happens in between still wakes us.
pub fn start(route: Route) -> std::io::Result<()> {
    let mut sigchld = signal(SignalKind::child())?;
    become_subreaper();
    actix::spawn(async move {
        reap_all(route);
        while sigchld.recv().await.is_some() {
            reap_all(route);
        }
    });
    Ok(())
}

/// Makes orphaned grandchildren re-parent to us instead of init, so that a child that
/// double-forks never leaves a zombie or an untracked process behind (Supervisor#1101).
fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes plain integers and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Reaps every child that has ended, until none is left.
fn reap_all(route: Route) {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => reaped(route, pid.as_raw(), ExitHow::Code(code)),
            Ok(WaitStatus::Signaled(pid, sig, core)) => reaped(
                route,
                pid.as_raw(),
                ExitHow::Signal {
                    sig: sig as i32,
                    core,
                },
            ),
            // Stopped/continued children are still alive: nothing to reap. (We do not ask for
            // WUNTRACED, so these do not normally occur.)
            Ok(WaitStatus::StillAlive) => return,
            Ok(_) => continue,
            // EINTR: a signal arrived mid-call; just ask again.
            Err(Errno::EINTR) => mainlog::eintr_during_reap(),
            // ECHILD: no children at all.
            Err(Errno::ECHILD) => return,
            Err(e) => {
                mainlog::waitpid_error(e as i32);
                return;
            }
        }
    }
}

fn reaped(route: Route, pid: i32, how: ExitHow) {
    if !route(pid, how) {
        mainlog::child_quit();
        mainlog::reaped_unknown_pid(pid, &mainlog::exit_description(how));
    }
}
