//! The names a child prints for the errors it fails with before exec, looked up without
//! allocating (it runs between fork or clone and exec). Shared by both start paths.

/// Python's `errno.errorcode` names for what chdir, setuid, setrlimit and exec fail with.
pub(crate) fn errno_name(errno: i32) -> &'static str {
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
