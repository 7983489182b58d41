//! Reaper: the only caller of `waitpid`. SIGCHLDs coalesce, so each wake-up loops
//! `waitpid(-1, WNOHANG)` until nothing is left and hands every exit to the router it was
//! started with (the Processes' pid table, process/exits.rs). Unknown pids (orphans
//! re-parented to us as PID 1 or as a child subreaper) are reaped too, and logged as
//! Supervisor logs them.
//!
//! SIGCHLD is read from a signalfd on the supervision thread, not by a signal handler: a
//! handler would interrupt whichever thread the kernel picks and wake every runtime in the
//! daemon (tokio's signal pipe is shared by all of them), once per child exit. That is why
//! every thread keeps SIGCHLD blocked ([`claim_child_signals`]); children get an empty mask
//! from both spawn paths.

use nix::errno::Errno;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use tokio::io::unix::AsyncFd;

use super::mainlog;
use crate::model::ExitHow;

/// Hands the exit of `pid` to whoever spawned it; false when nobody did.
pub type Route = fn(pid: i32, how: ExitHow) -> bool;

/// Blocks SIGCHLD and restores its default action, for the reaper's signalfd. Call it before
/// the daemon starts any thread: threads inherit the mask, and a thread that did not block
/// SIGCHLD could take the signal and lose it. The default action matters too: a SIGCHLD
/// ignored by whoever started us would make the kernel reap children itself, exit statuses
/// and all.
pub fn claim_child_signals() -> nix::Result<()> {
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: installs the default action, no handler code.
    unsafe { sigaction(Signal::SIGCHLD, &default) }?;
    nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&child_signal()), None)
}

fn child_signal() -> SigSet {
    let mut set = SigSet::empty();
    set.add(Signal::SIGCHLD);
    set
}

/// Starts reaping on the current (System) thread. The signalfd exists before the first pass,
/// so an exit that happens in between still wakes us.
pub fn start(route: Route) -> std::io::Result<()> {
    let flags = SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC;
    let signals = SignalFd::with_flags(&child_signal(), flags)?;
    // SAFETY: the SignalFd owns its fd and keeps it open until the AsyncFd drops it.
    let signals = unsafe { AsyncFd::register(signals) }.map_err(std::io::Error::from)?;
    become_subreaper();
    actix::spawn(async move {
        reap_all(route);
        while let Ok(mut ready) = signals.readable().await {
            // Drained before reaping: a SIGCHLD after this point marks the fd ready again.
            while let Ok(Some(_)) = signals.get_ref().read_signal() {}
            ready.clear_ready();
            reap_all(route);
        }
        // readable() fails only once the runtime is shutting down.
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
