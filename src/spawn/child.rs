//! The child's side of a spawn, between clone and exec. The child runs on its own small stack
//! in the daemon's memory (`CLONE_VM | CLONE_VFORK`, as posix_spawn does), while the thread
//! that cloned it waits. So, as after a fork and more strictly:
//!
//! - only async-signal-safe system calls happen here (signal-safety(7)): another daemon
//!   thread may hold the allocator's lock. Everything is prepared in the parent
//!   ([`Prepared`]); nothing here allocates or writes to memory but its own stack;
//! - ids are changed with raw system calls: glibc's `setuid` would ask every thread of the
//!   daemon to change ids too (it cannot tell this child from them);
//! - no handler of the daemon may run here (it would act on the daemon's memory): every
//!   signal is blocked across the clone, and the child resets each handled signal to its
//!   default before unblocking.
//!
//! Failures are reported the way Supervisor's child reports them: a line on the child's
//! stderr (`supervisor: couldn't exec x: ENOENT`) and exit status 127, so the parent never
//! waits for the exec to succeed.

use std::ffi::{c_int, c_void, CString};
use std::os::fd::RawFd;

use super::UserIds;

/// Everything the child needs, built before the clone.
pub(super) struct Prepared {
    pub filename: CString,
    pub argv: Vec<CString>,
    pub envp: Vec<CString>,
    pub directory: Option<CString>,
    pub umask: Option<u32>,
    pub user: Option<UserIds>,
    /// The child's ends for fds 0, 1 and 2.
    pub stdio: [RawFd; 3],
}

/// What the child reads: the prepared exec and the pointer arrays into it.
pub(super) struct Args<'a> {
    pub prepared: &'a Prepared,
    /// Null-terminated arrays pointing into `prepared`.
    pub argv: &'a [*const libc::c_char],
    pub envp: &'a [*const libc::c_char],
}

/// The child's stack. It only runs `exec` below, which keeps a few hundred bytes on it; one
/// per thread is enough, as the cloning thread waits until the child has left it.
const STACK_SIZE: usize = 64 * 1024;

thread_local! {
    static STACK: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Starts the child, which execs `args`; returns its pid once it has called `execve` (or
/// exited on a failure it reported).
pub(super) fn clone_and_exec(args: &Args<'_>) -> Result<i32, nix::errno::Errno> {
    STACK.with_borrow_mut(|stack| {
        // Raw memory for the child: reserved, never initialised or read from here.
        stack.reserve_exact(STACK_SIZE);
        // The stack grows down: start at its 16-byte aligned top.
        let top = (stack.as_mut_ptr() as usize + stack.capacity()) & !15;
        // SAFETY: the signal masks are this thread's, restored below. The child runs
        // `child_main` on `stack`, which outlives it (CLONE_VFORK returns only once the child
        // has exec'd or exited), and reads `args`, which this frame keeps alive.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
            let pid = libc::clone(
                child_main,
                top as *mut c_void,
                libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
                args as *const Args<'_> as *mut c_void,
            );
            let errno = nix::errno::Errno::last();
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            if pid < 0 {
                Err(errno)
            } else {
                Ok(pid)
            }
        }
    })
}

extern "C" fn child_main(args: *mut c_void) -> c_int {
    // SAFETY: `args` is the `Args` that clone_and_exec passed, alive until we exec or exit.
    unsafe {
        let args = &*(args as *const Args<'_>);
        exec(args.prepared, args.argv, args.envp)
    }
}

/// Runs in the child; never returns.
///
/// # Safety
/// Must only be called in the child of [`clone_and_exec`], with every signal blocked.
/// `argv_ptrs` and `envp_ptrs` are null-terminated arrays pointing into `prepared`.
unsafe fn exec(
    prepared: &Prepared,
    argv_ptrs: &[*const libc::c_char],
    envp_ptrs: &[*const libc::c_char],
) -> ! {
    // SAFETY (whole body): each call is an async-signal-safe system call on memory that was
    // allocated before the clone and is not freed until the child has exec'd or exited.
    unsafe {
        // Own process group, so stopasgroup/killasgroup reach grandchildren and a Ctrl-C on
        // the daemon's terminal does not reach children (Supervisor calls setpgrp()).
        libc::setpgid(0, 0);
        for (target, fd) in prepared.stdio.iter().enumerate() {
            libc::dup2(*fd, target as RawFd);
        }
        reset_handlers();
        // The daemon ignores SIGPIPE (Rust does); an ignored disposition and the signal mask
        // survive exec, so give the program the defaults it expects.
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        if let Some(ids) = &prepared.user {
            if libc::syscall(libc::SYS_setgroups, ids.groups.len(), ids.groups.as_ptr()) != 0
                || libc::syscall(libc::SYS_setgid, ids.gid) != 0
                || libc::syscall(libc::SYS_setuid, ids.uid) != 0
            {
                fail(&[b"couldn't setuid to ", digits(ids.uid).as_bytes()]);
            }
        }
        if let Some(dir) = &prepared.directory {
            if libc::chdir(dir.as_ptr()) != 0 {
                fail(&[b"couldn't chdir to ", dir.as_bytes()]);
            }
        }
        if let Some(mask) = prepared.umask {
            libc::umask(mask as libc::mode_t);
        }
        libc::execve(
            prepared.filename.as_ptr(),
            argv_ptrs.as_ptr(),
            envp_ptrs.as_ptr(),
        );
        fail(&[b"couldn't exec ", prepared.argv[0].as_bytes()]);
    }
}

/// Every signal the daemon handles goes back to its default, so that none of its handlers can
/// run in the child once signals are unblocked (exec would reset them, but only later).
/// Ignored signals stay ignored, as they would across a fork and exec.
unsafe fn reset_handlers() {
    // SAFETY: sigaction on valid signal numbers with stack-allocated structs.
    unsafe {
        for sig in 1..libc::SIGRTMIN() {
            let mut current: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut current) == 0
                && current.sa_sigaction != libc::SIG_DFL
                && current.sa_sigaction != libc::SIG_IGN
            {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
    }
}

/// Writes `supervisor: <parts>: <ERRNO NAME>` and the closing line to stderr, exits 127.
unsafe fn fail(parts: &[&[u8]]) -> ! {
    // SAFETY: errno, write and _exit are async-signal-safe.
    unsafe {
        let errno = *libc::__errno_location();
        write_all(b"supervisor: ");
        for part in parts {
            write_all(part);
        }
        write_all(b": ");
        write_all(errno_name(errno).as_bytes());
        write_all(b"\nsupervisor: child process was not spawned\n");
        libc::_exit(127);
    }
}

unsafe fn write_all(bytes: &[u8]) {
    // SAFETY: write(2) on fd 2 with a valid buffer.
    unsafe {
        libc::write(2, bytes.as_ptr().cast(), bytes.len());
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

/// Python's `errno.errorcode` names for what chdir, setuid and exec fail with.
fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::ENOENT => "ENOENT",
        libc::EACCES => "EACCES",
        libc::EPERM => "EPERM",
        libc::ENOEXEC => "ENOEXEC",
        libc::ENOTDIR => "ENOTDIR",
        libc::E2BIG => "E2BIG",
        libc::ENOMEM => "ENOMEM",
        libc::ETXTBSY => "ETXTBSY",
        libc::ELOOP => "ELOOP",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::EIO => "EIO",
        libc::EMFILE => "EMFILE",
        libc::ENFILE => "ENFILE",
        libc::EAGAIN => "EAGAIN",
        _ => "unknown error",
    }
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
