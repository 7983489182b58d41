//! One child's start as the child reads it between clone and exec: the C strings, the pointer
//! arrays, the ids, and the child's stack, all in one private mapping.
//!
//! The child reads it while the daemon goes on (child.rs), so it must stay put and unchanged
//! until the child has exec'd or exited: the mapping is unmapped only after the kernel has
//! cleared its `busy` word. One mapping rather than heap allocations, because those would be
//! freed in another order than they were made, around the daemon's own long-lived ones, and
//! leave the heap fragmented (measured: 0.2 to 0.4 MB more resident after 1 000 starts);
//! unmapped, the pages go back to the system at once.

use std::ffi::c_int;
use std::mem::{align_of, size_of};
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::config::Rlimit;
use crate::spawn::ChildSpec;

/// The child's stack. It only runs `exec` in child.rs, which keeps a few hundred bytes on it.
const STACK_SIZE: usize = 64 * 1024;

/// What the child reads, at the start of the mapping; every pointer points into the mapping.
pub(super) struct Header {
    /// Non-zero until the kernel clears it (`CLONE_CHILD_CLEARTID`).
    pub busy: AtomicI32,
    /// The first real-time signal, as glibc numbers them (read in the parent: glibc's answer
    /// comes from its own memory).
    pub sigrtmin: c_int,
    /// The child's ends for fds 0, 1 and 2.
    pub stdio: [RawFd; 3],
    pub umask: Option<u32>,
    pub filename: *const libc::c_char,
    /// Null-terminated.
    pub argv: *const *const libc::c_char,
    /// Null-terminated.
    pub envp: *const *const libc::c_char,
    /// Null when the child stays in our directory.
    pub directory: *const libc::c_char,
    pub user: Option<Ids>,
    /// `nrlimits` limits to set before the ids change.
    pub rlimits: *const Rlimit,
    pub nrlimits: usize,
}

/// The identity to switch to; `groups` points at `ngroups` ids in the mapping.
pub(super) struct Ids {
    pub uid: u32,
    pub gid: u32,
    pub groups: *const libc::gid_t,
    pub ngroups: usize,
}

/// Why a launch could not be made.
#[derive(Debug)]
pub(super) enum LaunchError {
    /// A command line, environment or directory with a NUL byte in it: exec cannot take it.
    NulByte,
    /// No memory for the mapping.
    Map(std::io::Error),
}

pub(super) struct Launch {
    map: NonNull<u8>,
    len: usize,
}

impl Launch {
    /// Maps and fills a launch for `spec`.
    pub(super) fn new(spec: &ChildSpec, stdio: [RawFd; 3]) -> Result<Launch, LaunchError> {
        let parts = Parts::of(spec);
        if parts.has_nul() {
            return Err(LaunchError::NulByte);
        }
        let len = (parts.data_len() + STACK_SIZE).next_multiple_of(page_size());
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(LaunchError::Map(std::io::Error::last_os_error()));
        }
        let launch = Launch {
            map: NonNull::new(map.cast()).expect("mmap returned a mapping"),
            len,
        };
        let mut out = Writer {
            next: launch.map.as_ptr() as usize + size_of::<Header>(),
        };
        // SAFETY: `data_len` counted every byte written here, so it all fits below the stack.
        let header = unsafe {
            Header {
                busy: AtomicI32::new(1),
                sigrtmin: libc::SIGRTMIN(),
                stdio,
                umask: spec.umask,
                filename: out.c_string(&[parts.filename]),
                argv: out.pointers(parts.argv.iter().map(|a| [*a])),
                envp: out.pointers(parts.env.iter().map(|(k, v)| [*k, b"=", *v])),
                directory: parts
                    .directory
                    .map_or(std::ptr::null(), |d| out.c_string(&[d])),
                user: spec.user.as_ref().map(|ids| Ids {
                    uid: ids.uid,
                    gid: ids.gid,
                    groups: out.slice(&ids.groups),
                    ngroups: ids.groups.len(),
                }),
                rlimits: out.slice(&spec.rlimits),
                nrlimits: spec.rlimits.len(),
            }
        };
        // SAFETY: the mapping starts page-aligned with room for the header.
        unsafe { launch.map.as_ptr().cast::<Header>().write(header) };
        Ok(launch)
    }

    pub(super) fn header(&self) -> &Header {
        // SAFETY: written in `new`, and the mapping lives as long as `self`.
        unsafe { &*self.map.as_ptr().cast::<Header>() }
    }

    /// The child's stack pointer: the top of the mapping (page-aligned, so 16-byte aligned).
    pub(super) fn stack_top(&self) -> *mut libc::c_void {
        (self.map.as_ptr() as usize + self.len) as *mut libc::c_void
    }

    /// Whether the child is done with this launch (exec'd or exited).
    pub(super) fn done(&self) -> bool {
        self.header().busy.load(Ordering::Acquire) == 0
    }
}

impl Drop for Launch {
    fn drop(&mut self) {
        // SAFETY: our own mapping; whoever drops a launch has made sure no child still reads
        // it (it is done, or its clone failed).
        unsafe { libc::munmap(self.map.as_ptr().cast(), self.len) };
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// The strings of a spec, as bytes.
struct Parts<'a> {
    filename: &'a [u8],
    argv: Vec<&'a [u8]>,
    env: Vec<(&'a [u8], &'a [u8])>,
    directory: Option<&'a [u8]>,
    ngroups: usize,
    nrlimits: usize,
}

impl<'a> Parts<'a> {
    fn of(spec: &'a ChildSpec) -> Parts<'a> {
        Parts {
            filename: spec.filename.as_os_str().as_bytes(),
            argv: spec.argv.iter().map(|a| a.as_bytes()).collect(),
            env: spec
                .env
                .iter()
                .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
                .collect(),
            directory: spec.directory.as_ref().map(|d| d.as_os_str().as_bytes()),
            ngroups: spec.user.as_ref().map_or(0, |ids| ids.groups.len()),
            nrlimits: spec.rlimits.len(),
        }
    }

    fn strings(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(self.filename)
            .chain(self.argv.iter().copied())
            .chain(self.env.iter().flat_map(|(k, v)| [*k, *v]))
            .chain(self.directory)
    }

    fn has_nul(&self) -> bool {
        self.strings().any(|s| s.contains(&0))
    }

    /// Bytes the header, strings, pointer arrays, group ids and limits take, with alignment
    /// slack.
    fn data_len(&self) -> usize {
        let strings: usize = self.strings().map(|s| s.len() + 1).sum();
        let pointers = (self.argv.len() + 1 + self.env.len() + 1) * size_of::<usize>();
        // (Each env entry's `=` is counted above as the NUL of its name.) One alignment's
        // slack for each of the four arrays.
        let groups = self.ngroups * size_of::<libc::gid_t>();
        let rlimits = self.nrlimits * size_of::<Rlimit>();
        let slack = 3 * align_of::<usize>() + align_of::<Rlimit>();
        size_of::<Header>() + strings + pointers + groups + rlimits + slack
    }
}

/// Appends to the mapping, below the stack.
struct Writer {
    next: usize,
}

impl Writer {
    /// The concatenation of `pieces` and a NUL.
    ///
    /// # Safety
    /// The mapping must have room for it.
    unsafe fn c_string(&mut self, pieces: &[&[u8]]) -> *const libc::c_char {
        let start = self.next as *mut u8;
        let mut at = start;
        for piece in pieces {
            // SAFETY: room checked by the caller; the mapping does not overlap `piece`.
            unsafe {
                std::ptr::copy_nonoverlapping(piece.as_ptr(), at, piece.len());
                at = at.add(piece.len());
            }
        }
        // SAFETY: as above.
        unsafe { at.write(0) };
        self.next = at as usize + 1;
        start.cast()
    }

    /// A null-terminated array of C strings, each the concatenation of one item's pieces.
    ///
    /// # Safety
    /// The mapping must have room for them.
    unsafe fn pointers<'p, const N: usize>(
        &mut self,
        items: impl ExactSizeIterator<Item = [&'p [u8]; N]>,
    ) -> *const *const libc::c_char {
        let count = items.len();
        let array = self.reserve::<*const libc::c_char>(count + 1);
        for (i, pieces) in items.enumerate() {
            // SAFETY: room checked by the caller; `array` has count + 1 slots.
            unsafe { array.add(i).write(self.c_string(&pieces)) };
        }
        // SAFETY: the last slot.
        unsafe { array.add(count).write(std::ptr::null()) };
        array
    }

    /// A copy of `values`.
    ///
    /// # Safety
    /// The mapping must have room for it.
    unsafe fn slice<T: Copy>(&mut self, values: &[T]) -> *const T {
        let array = self.reserve::<T>(values.len());
        // SAFETY: room checked by the caller.
        unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), array, values.len()) };
        array
    }

    /// Room for `count` aligned values of T.
    fn reserve<T>(&mut self, count: usize) -> *mut T {
        let start = self.next.next_multiple_of(align_of::<T>());
        self.next = start + count * size_of::<T>();
        start as *mut T
    }
}
