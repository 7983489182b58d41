//! Reaper: the only caller of `waitpid`. SIGCHLDs coalesce, so each wake-up loops
//! `waitpid(-1, WNOHANG)` until nothing is left and routes every exit to its Process by pid.
//! Unknown pids (orphans re-parented to us as PID 1 or as a child subreaper) are reaped too,
//! and logged as Supervisor logs them.
//!
//! The pid table lives in a thread-local rather than in an actor's mailbox: a Process registers
//! its child synchronously right after spawning it, on the same thread that reaps, so an exit
//! can never be reaped before its owner is known (a message could arrive after the SIGCHLD).

use std::cell::RefCell;
use std::collections::HashMap;

use actix::prelude::*;
use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, SignalKind};

use super::mainlog::{self, ExitHow};
use super::process::Process;

/// A child of ours ended; sent to the Process that spawned it.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Exited {
    pub pid: i32,
    pub how: ExitHow,
}

thread_local! {
    /// An `Addr` rather than a `Recipient`, which would be one more allocation per child.
    static WATCHED: RefCell<HashMap<i32, Addr<Process>>> = RefCell::new(HashMap::new());
}

/// Routes the exit of `pid` to `owner`. Call it on the reaper's thread right after spawning.
pub fn watch(pid: i32, owner: Addr<Process>) {
    WATCHED.with(|w| w.borrow_mut().insert(pid, owner));
}

/// Starts reaping on the current (System) thread. The SIGCHLD stream is registered before the
/// first pass, so an exit that happens in between still wakes us.
pub fn start() -> std::io::Result<()> {
    let mut sigchld = signal(SignalKind::child())?;
    become_subreaper();
    actix::spawn(async move {
        reap_all();
        while sigchld.recv().await.is_some() {
            reap_all();
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
pub fn reap_all() {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => route(pid.as_raw(), ExitHow::Code(code)),
            Ok(WaitStatus::Signaled(pid, sig, core)) => route(
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

fn route(pid: i32, how: ExitHow) {
    match WATCHED.with(|w| w.borrow_mut().remove(&pid)) {
        Some(owner) => owner.do_send(Exited { pid, how }),
        None => {
            mainlog::child_quit();
            mainlog::reaped_unknown_pid(pid, &mainlog::exit_description(how));
        }
    }
}
