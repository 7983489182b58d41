//! The forked child's side of a spawn, between fork and exec. Only async-signal-safe system
//! calls happen here (signal-safety(7)): the daemon has other threads, and one of them may
//! hold the allocator's lock at the moment of fork. Everything is prepared in the parent
//! ([`Prepared`]); nothing here allocates.
//!
//! Failures are reported the way Supervisor's child reports them: a line on the child's
//! stderr (`supervisor: couldn't exec x: ENOENT`) and exit status 127, so the parent never
//! waits for the exec and a spawn costs one fork.

use std::ffi::CString;
use std::os::fd::RawFd;

use super::UserIds;

/// Everything the child needs, built before fork.
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

/// Runs in the child after fork; never returns.
///
/// # Safety
/// Must only be called in a freshly forked child. `argv_ptrs` and `envp_ptrs` are
/// null-terminated arrays pointing into `prepared`.
pub(super) unsafe fn exec(
    prepared: &Prepared,
    argv_ptrs: &[*const libc::c_char],
    envp_ptrs: &[*const libc::c_char],
) -> ! {
    // SAFETY (whole body): each call is an async-signal-safe system call on memory that was
    // allocated before fork and is not freed in the child.
    unsafe {
        // Own process group, so stopasgroup/killasgroup reach grandchildren and a Ctrl-C on
        // the daemon's terminal does not reach children (Supervisor calls setpgrp()).
        libc::setpgid(0, 0);
        for (target, fd) in prepared.stdio.iter().enumerate() {
            libc::dup2(*fd, target as RawFd);
        }
        // The daemon ignores SIGPIPE (Rust does); an ignored disposition and the signal mask
        // survive exec, so give the program the defaults it expects.
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        if let Some(ids) = &prepared.user {
            if libc::setgroups(ids.groups.len(), ids.groups.as_ptr()) != 0
                || libc::setgid(ids.gid) != 0
                || libc::setuid(ids.uid) != 0
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
