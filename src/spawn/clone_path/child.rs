//! The child's side of a spawn, between clone and exec. The child runs on a stack of its own
//! in the daemon's memory (`CLONE_VM`, as posix_spawn's child does) and nothing is copied for
//! it. Unlike posix_spawn, the cloning thread does not wait for the exec (`CLONE_VFORK`): on a
//! loaded machine the child may wait for a CPU, and then finish its exec, for a millisecond
//! or more, and 1 000 programs would start one after the other at that pace (measured: 0.75 s
//! instead of 0.55 s). So the child runs beside the daemon, which asks:
//!
//! - that everything the child reads, its stack included, stay where it is until the child
//!   is done with our memory. It all lives in one [`Launch`] (launch.rs), kept until the
//!   kernel clears its `busy` word: `CLONE_CHILD_CLEARTID` zeroes it when the child's exec
//!   replaces its memory, or when the child exits;
//! - that the child write no memory but its own stack: no allocation (another thread may
//!   hold the allocator's lock) and not even `errno`, which is the cloning thread's. Every
//!   call is a raw system call (raw.rs), all async-signal-safe (signal-safety(7));
//! - ids changed with raw system calls anyway: glibc's `setuid` would ask every thread of the
//!   daemon to change ids too;
//! - that no handler of the daemon run here (it would act on the daemon's memory): every
//!   signal is blocked across the clone, and the child resets each handled signal to its
//!   default before unblocking. Its signal dispositions are its own copy (no `CLONE_SIGHAND`).
//!
//! Failures are reported the way Supervisor's child reports them: a line on the child's
//! stderr (`supervisor: couldn't exec x: ENOENT`) and exit status 127.

use std::cell::RefCell;
use std::ffi::{c_int, c_void, CStr};
use std::os::fd::RawFd;

use super::launch::{Header, Launch};
use super::raw;
use crate::spawn::errno_names::errno_name;

thread_local! {
    /// Launches whose child may still be using them. A few at most: a child is done within
    /// a millisecond or so of its clone.
    static IN_FLIGHT: RefCell<Vec<Launch>> = const { RefCell::new(Vec::new()) };
}

/// Frees the launches whose child is done with them.
pub(super) fn reclaim() {
    IN_FLIGHT.with_borrow_mut(|launches| launches.retain(|launch| !launch.done()));
}

/// Starts the child, which execs `launch`; returns its pid at once.
pub(super) fn clone_and_exec(launch: Launch) -> Result<i32, nix::errno::Errno> {
    reclaim();
    let header = launch.header();
    // SAFETY: the signal masks are this thread's, restored below. The child runs
    // `child_main` on the launch's stack and reads the launch, which is kept (IN_FLIGHT) until
    // the kernel has cleared `busy`, that is until the child no longer shares our memory.
    let pid = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let pid = libc::clone(
            child_main,
            launch.stack_top(),
            libc::CLONE_VM | libc::CLONE_CHILD_CLEARTID | libc::SIGCHLD,
            header as *const _ as *mut c_void,
            std::ptr::null_mut::<libc::pid_t>(),
            std::ptr::null_mut::<c_void>(),
            header.busy.as_ptr(),
        );
        let errno = nix::errno::Errno::last();
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        if pid < 0 {
            return Err(errno);
        }
        pid
    };
    // The child makes itself a process group leader too, but a stop may come before it has
    // run: this closes that window (the shell's job-control idiom). Once the child has
    // exec'd this fails with EACCES, and it is already its own leader.
    let _ = nix::unistd::setpgid(
        nix::unistd::Pid::from_raw(pid),
        nix::unistd::Pid::from_raw(pid),
    );
    IN_FLIGHT.with_borrow_mut(|launches| launches.push(launch));
    Ok(pid)
}

extern "C" fn child_main(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the launch's header that clone_and_exec passed, alive until we exec
    // or exit.
    unsafe { exec(&*(arg as *const Header)) }
}

/// Runs in the child; never returns.
///
/// # Safety
/// Must only be called in the child of [`clone_and_exec`], with every signal blocked.
unsafe fn exec(header: &Header) -> ! {
    // SAFETY (whole body): raw system calls on memory that lives in the launch, which is
    // kept until the child has exec'd or exited.
    unsafe {
        // Own process group, so stopasgroup/killasgroup reach grandchildren and a Ctrl-C on
        // the daemon's terminal does not reach children (Supervisor calls setpgrp()).
        let _ = raw::syscall(libc::SYS_setpgid, [0; 4]);
        for (target, fd) in header.stdio.iter().enumerate() {
            let _ = raw::dup2(*fd, target as RawFd);
        }
        close_inherited();
        reset_handlers(header.sigrtmin);
        let _ = raw::unblock_all();
        // Before the ids change: only root may raise a hard limit.
        set_rlimits(header);
        if let Some(ids) = &header.user {
            let groups = [ids.ngroups, ids.groups as usize, 0, 0];
            let result = raw::syscall(libc::SYS_setgroups, groups)
                .and_then(|_| raw::syscall(libc::SYS_setgid, [ids.gid as usize, 0, 0, 0]))
                .and_then(|_| raw::syscall(libc::SYS_setuid, [ids.uid as usize, 0, 0, 0]));
            if let Err(errno) = result {
                fail(errno, &[b"couldn't setuid to ", digits(ids.uid).as_bytes()]);
            }
        }
        if !header.directory.is_null() {
            let dir = header.directory;
            if let Err(errno) = raw::syscall(libc::SYS_chdir, [dir as usize, 0, 0, 0]) {
                fail(
                    errno,
                    &[b"couldn't chdir to ", CStr::from_ptr(dir).to_bytes()],
                );
            }
        }
        if let Some(mask) = header.umask {
            let _ = raw::syscall(libc::SYS_umask, [mask as usize, 0, 0, 0]);
        }
        let exec = [
            header.filename as usize,
            header.argv as usize,
            header.envp as usize,
            0,
        ];
        let errno = raw::syscall(libc::SYS_execve, exec).err().unwrap_or(0);
        fail(
            errno,
            &[b"couldn't exec ", CStr::from_ptr(*header.argv).to_bytes()],
        );
    }
}

/// `rlimit_*`: each limit set with prlimit64 on this process, from the launch.
unsafe fn set_rlimits(header: &Header) {
    // SAFETY: `rlimits` points at `nrlimits` limits in the launch (aligned, even when none);
    // prlimit64 reads a two-word array on our stack.
    unsafe {
        for limit in std::slice::from_raw_parts(header.rlimits, header.nrlimits) {
            let new = [limit.soft, limit.hard];
            let args = [0, limit.resource as usize, new.as_ptr() as usize, 0];
            if let Err(errno) = raw::syscall(libc::SYS_prlimit64, args) {
                fail(errno, &[b"couldn't set rlimit ", limit.name.as_bytes()]);
            }
        }
    }
}

/// Closes every fd above 2, as Supervisor's child does before exec: the daemon's own fds are
/// close-on-exec, but those it inherited (a shell's stray fd 10) are not, and a child must
/// get exactly its stdin, stdout and stderr.
unsafe fn close_inherited() {
    // SAFETY: close_range and close take plain integers and touch no memory.
    unsafe {
        let all = [3, u32::MAX as usize, 0, 0];
        if raw::syscall(libc::SYS_close_range, all).is_ok() {
            return;
        }
        // Kernels before 5.9: one close per possible fd, up to the soft limit.
        let mut limit = [0u64; 2];
        let out = limit.as_mut_ptr() as usize;
        let max = match raw::syscall(
            libc::SYS_prlimit64,
            [0, libc::RLIMIT_NOFILE as usize, 0, out],
        ) {
            Ok(_) => limit[0].min(1 << 20),
            Err(_) => 1024,
        };
        for fd in 3..max as usize {
            let _ = raw::syscall(libc::SYS_close, [fd, 0, 0, 0]);
        }
    }
}

/// Every signal the daemon handles goes back to its default, so that none of its handlers can
/// run in the child once signals are unblocked (exec would reset them, but only later).
/// Ignored signals stay ignored, as they would across a fork and exec, except SIGPIPE: the
/// daemon ignores it (Rust does), and programs expect its default.
unsafe fn reset_handlers(sigrtmin: c_int) {
    // SAFETY: rt_sigaction on valid signal numbers with stack-allocated structs.
    unsafe {
        for sig in 1..sigrtmin {
            let handled = !matches!(raw::handler_of(sig), Ok(h) if h == SIG_DFL || h == SIG_IGN);
            if handled || sig == libc::SIGPIPE {
                let _ = raw::default_handler(sig);
            }
        }
    }
}

const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;

/// Writes `supervisor: <parts>: <ERRNO NAME>` and the closing line to stderr, exits 127.
unsafe fn fail(errno: i32, parts: &[&[u8]]) -> ! {
    // SAFETY: write and exit_group are async-signal-safe and take valid buffers.
    unsafe {
        write_all(b"supervisor: ");
        for part in parts {
            write_all(part);
        }
        write_all(b": ");
        write_all(errno_name(errno).as_bytes());
        write_all(b"\nsupervisor: child process was not spawned\n");
        let _ = raw::syscall(libc::SYS_exit_group, [127, 0, 0, 0]);
        // exit_group does not return; should it, spin rather than run on.
        loop {
            std::hint::spin_loop();
        }
    }
}

unsafe fn write_all(bytes: &[u8]) {
    // SAFETY: write(2) on fd 2 with a valid buffer.
    unsafe {
        let _ = raw::syscall(
            libc::SYS_write,
            [2, bytes.as_ptr() as usize, bytes.len(), 0],
        );
    }
}

/// Decimal digits of a number in a stack buffer (no allocation).
struct Digits {
    buf: [u8; 10],
    start: usize,
}

impl Digits {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn digits(mut n: u32) -> Digits {
    let mut buf = [0u8; 10];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    Digits { buf, start }
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits_without_allocation() {
        assert_eq!(super::digits(0).as_bytes(), b"0");
        assert_eq!(super::digits(65534).as_bytes(), b"65534");
        assert_eq!(super::digits(u32::MAX).as_bytes(), b"4294967295");
    }
}
