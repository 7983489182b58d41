//! System calls made without libc, for the child between clone and exec.
//!
//! That child shares the daemon's memory and runs while the daemon goes on (child.rs), with
//! the cloning thread's thread pointer: every libc wrapper that fails writes `errno` into
//! that thread's TLS, where it could overwrite an error the thread is about to read. A raw
//! `syscall` instruction returns `-errno` in a register and touches no memory. Only the calls
//! the child makes are here.

use std::ffi::c_long;

/// The kernel's answer: a non-negative result, or the errno of a failure.
pub type Result = std::result::Result<usize, i32>;

fn check(ret: isize) -> Result {
    // The kernel returns -4095..-1 for errors.
    if (-4095..0).contains(&ret) {
        Err(-ret as i32)
    } else {
        Ok(ret as usize)
    }
}

/// A system call with up to four arguments.
///
/// # Safety
/// As for the system call `number` itself: the arguments must be what it expects (pointers
/// valid for what it reads and writes).
#[cfg(target_arch = "x86_64")]
pub unsafe fn syscall(number: c_long, args: [usize; 4]) -> Result {
    let ret: isize;
    // SAFETY: the x86_64 Linux system call convention; rcx and r11 are clobbered by the
    // instruction, and nothing else but the kernel's side effects.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") number as isize => ret,
            in("rdi") args[0],
            in("rsi") args[1],
            in("rdx") args[2],
            in("r10") args[3],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    check(ret)
}

/// A system call with up to four arguments.
///
/// # Safety
/// As for the system call `number` itself: the arguments must be what it expects (pointers
/// valid for what it reads and writes).
#[cfg(target_arch = "aarch64")]
pub unsafe fn syscall(number: c_long, args: [usize; 4]) -> Result {
    let ret: isize;
    // SAFETY: the aarch64 Linux system call convention (number in x8, result in x0).
    unsafe {
        std::arch::asm!(
            "svc 0",
            in("x8") number,
            inlateout("x0") args[0] as isize => ret,
            in("x1") args[1],
            in("x2") args[2],
            in("x3") args[3],
            options(nostack),
        );
    }
    check(ret)
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("spawn/raw.rs has system call stubs for x86_64 and aarch64 only");

/// `dup2(from, to)`, also where only dup3 exists; with `from == to` it clears close-on-exec,
/// which dup2 would leave set.
///
/// # Safety
/// A system call on file descriptors; no memory is touched.
pub unsafe fn dup2(from: i32, to: i32) -> Result {
    // SAFETY: fcntl and dup3 take no pointers.
    unsafe {
        if from == to {
            return syscall(
                libc::SYS_fcntl,
                [from as usize, libc::F_SETFD as usize, 0, 0],
            );
        }
        syscall(libc::SYS_dup3, [from as usize, to as usize, 0, 0])
    }
}

/// The kernel's `struct sigaction` (x86_64 and aarch64 both have `sa_restorer`), not libc's.
#[repr(C)]
#[derive(Default)]
pub struct KernelSigaction {
    pub handler: usize,
    pub flags: usize,
    pub restorer: usize,
    pub mask: u64,
}

/// The size of the kernel's signal set, which rt_sigaction and rt_sigprocmask check.
const SIGSET_SIZE: usize = 8;

/// The current disposition of `sig`.
///
/// # Safety
/// A system call writing to a local struct.
pub unsafe fn handler_of(sig: i32) -> std::result::Result<usize, i32> {
    let mut current = KernelSigaction::default();
    let out = &mut current as *mut KernelSigaction as usize;
    // SAFETY: `out` points at a kernel-layout sigaction on our stack.
    unsafe { syscall(libc::SYS_rt_sigaction, [sig as usize, 0, out, SIGSET_SIZE])? };
    Ok(current.handler)
}

/// Sets `sig` back to its default action.
///
/// # Safety
/// A system call reading a local struct.
pub unsafe fn default_handler(sig: i32) -> Result {
    let default = KernelSigaction::default();
    let new = &default as *const KernelSigaction as usize;
    // SAFETY: `new` points at a kernel-layout sigaction (SIG_DFL, no flags, empty mask).
    unsafe { syscall(libc::SYS_rt_sigaction, [sig as usize, new, 0, SIGSET_SIZE]) }
}

/// Unblocks every signal.
///
/// # Safety
/// A system call reading a local set.
pub unsafe fn unblock_all() -> Result {
    let empty: u64 = 0;
    let set = &empty as *const u64 as usize;
    // SAFETY: `set` points at an empty kernel signal set.
    unsafe {
        syscall(
            libc::SYS_rt_sigprocmask,
            [libc::SIG_SETMASK as usize, set, 0, SIGSET_SIZE],
        )
    }
}
