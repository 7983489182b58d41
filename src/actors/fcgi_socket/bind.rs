//! Creating a group's listening socket as Supervisor's `SocketConfig.create_and_bind` and
//! `SocketManager._prepare_socket` do, with errors worded as Python's `OSError` prints them
//! (`[Errno 98] Address already in use`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::sys::socket::{
    bind, listen, setsockopt, socket, sockopt, AddressFamily, Backlog, SockFlag, SockType,
    SockaddrIn, UnixAddr,
};

use crate::config::py::repr as py_repr;
use crate::config::FcgiSocketConfig;

/// A bound, listening, close-on-exec socket for `config` (each child gets it as its fd 0
/// through dup2, which drops close-on-exec there).
pub(super) fn create(config: &FcgiSocketConfig) -> Result<OwnedFd, String> {
    let socket = match config.socket.strip_prefix("unix://") {
        Some(path) => unix(Path::new(path), config)?,
        None => tcp(&config.socket["tcp://".len()..])?,
    };
    let backlog = match config.socket_backlog {
        Some(n) => Backlog::new(n as i32).map_err(os_error)?,
        None => Backlog::MAXCONN,
    };
    listen(&socket, backlog).map_err(os_error)?;
    Ok(socket)
}

/// A stale file at `path` is removed first, so a socket left by an earlier run never stops
/// this one. On failure the new file is removed again, as Supervisor does.
fn unix(path: &Path, config: &FcgiSocketConfig) -> Result<OwnedFd, String> {
    if path.exists() {
        std::fs::remove_file(path).map_err(|e| io_error_on(&e, path))?;
    }
    let socket = new_socket(AddressFamily::Unix)?;
    let prepared = UnixAddr::new(path)
        .and_then(|addr| bind(socket.as_raw_fd(), &addr))
        .map_err(os_error)
        .and_then(|()| own_and_chmod(path, config));
    if let Err(e) = prepared {
        drop(socket);
        if path.exists() {
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    Ok(socket)
}

fn own_and_chmod(path: &Path, config: &FcgiSocketConfig) -> Result<(), String> {
    if let Some((uid, gid)) = config.socket_owner {
        nix::unistd::chown(
            path,
            Some(nix::unistd::Uid::from_raw(uid)),
            gid.map(nix::unistd::Gid::from_raw),
        )
        .map_err(|e| {
            format!(
                "Could not change ownership of socket file: {}",
                os_error_on(e, path)
            )
        })?;
    }
    let mode = nix::sys::stat::Mode::from_bits_truncate(config.socket_mode);
    nix::sys::stat::fchmodat(
        None,
        path,
        mode,
        nix::sys::stat::FchmodatFlags::FollowSymlink,
    )
    .map_err(|e| {
        format!(
            "Could not change permissions of socket file: {}",
            os_error_on(e, path)
        )
    })
}

/// `host:port`, the host resolved as Python's AF_INET bind resolves it (IPv4 only), with
/// SO_REUSEADDR so a restart binds again while old connections linger in TIME_WAIT.
fn tcp(host_port: &str) -> Result<OwnedFd, String> {
    let (host, port) = host_port
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
        .ok_or_else(|| format!("Bad socket format {host_port}"))?;
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .find_map(|a| match a {
            SocketAddr::V4(v4) => Some(v4),
            SocketAddr::V6(_) => None,
        })
        .ok_or_else(|| format!("{host}: no IPv4 address"))?;
    let socket = new_socket(AddressFamily::Inet)?;
    setsockopt(&socket, sockopt::ReuseAddr, &true).map_err(os_error)?;
    bind(socket.as_raw_fd(), &SockaddrIn::from(addr)).map_err(os_error)?;
    Ok(socket)
}

fn new_socket(family: AddressFamily) -> Result<OwnedFd, String> {
    socket(family, SockType::Stream, SockFlag::SOCK_CLOEXEC, None).map_err(os_error)
}

/// `[Errno 98] Address already in use`, as Python prints an OSError.
fn os_error(errno: Errno) -> String {
    format!("[Errno {}] {}", errno as i32, errno.desc())
}

/// `[Errno 1] Operation not permitted: '/run/x.sock'`: an OSError that names its file.
fn os_error_on(errno: Errno, path: &Path) -> String {
    format!("{}: {}", os_error(errno), py_repr(&path.to_string_lossy()))
}

fn io_error_on(e: &std::io::Error, path: &Path) -> String {
    match e.raw_os_error() {
        Some(code) => os_error_on(Errno::from_raw(code), path),
        None => e.to_string(),
    }
}
