//! systemd's side of the conversation: the environment it starts a `Type=notify` service
//! with, and the datagram socket each notification goes to (sd_notify(3)).

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

/// The variables systemd sets for the service's main process alone. Children never see them:
/// with `NotifyAccess=main` their messages would be refused anyway, and a child that took
/// WATCHDOG_USEC for its own would feed the watchdog in the daemon's place.
pub const MAIN_PROCESS_ONLY: [&str; 3] = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"];

/// What systemd asked of this process through its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// NOTIFY_SOCKET: a path, or `@name` for an abstract socket.
    pub socket: OsString,
    /// WATCHDOG_USEC, when it is meant for us (WATCHDOG_PID unset or our pid).
    pub watchdog: Option<Duration>,
}

impl Asked {
    /// Reads the environment; `None` when systemd passed no socket (`Type=simple`, or not
    /// under systemd at all).
    pub fn from_env() -> Option<Asked> {
        Self::from_vars(|key| std::env::var_os(key), std::process::id())
    }

    fn from_vars(var: impl Fn(&str) -> Option<OsString>, our_pid: u32) -> Option<Asked> {
        let socket = var("NOTIFY_SOCKET").filter(|s| !s.is_empty())?;
        let text = |key| var(key).and_then(|v| v.into_string().ok());
        let for_us = text("WATCHDOG_PID").is_none_or(|pid| pid.parse() == Ok(our_pid));
        let watchdog = text("WATCHDOG_USEC")
            .and_then(|usec| usec.parse::<u64>().ok())
            .filter(|&usec| usec > 0 && for_us)
            .map(Duration::from_micros);
        Some(Asked { socket, watchdog })
    }
}

/// An unbound datagram socket that sends to systemd's.
pub struct NotifySocket {
    socket: UnixDatagram,
    to: SocketAddr,
}

impl NotifySocket {
    pub fn open(name: &OsStr) -> io::Result<NotifySocket> {
        let to = address(name)?;
        let socket = UnixDatagram::unbound()?;
        // A wedged systemd must not wedge us: a message that does not fit is dropped (the
        // next status supersedes it; a missed watchdog ping is systemd's own verdict).
        socket.set_nonblocking(true)?;
        Ok(NotifySocket { socket, to })
    }

    /// Sends one notification: `KEY=value` lines in one datagram.
    pub fn send(&self, message: &str) -> io::Result<()> {
        self.socket
            .send_to_addr(message.as_bytes(), &self.to)
            .map(drop)
    }
}

/// NOTIFY_SOCKET as an address: `/path`, or `@name` in the abstract namespace, as systemd's
/// sd_notify reads it. (systemd's `vsock:` addresses are for virtual machines, not here.)
fn address(name: &OsStr) -> io::Result<SocketAddr> {
    match name.as_bytes() {
        [b'/', ..] => SocketAddr::from_pathname(name),
        [b'@', abstract_name @ ..] => abstract_address(abstract_name),
        _ => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "not a socket path or @abstract name",
        )),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_address(name: &[u8]) -> io::Result<SocketAddr> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn abstract_address(_: &[u8]) -> io::Result<SocketAddr> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract sockets are Linux's",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(vars: &[(&str, &str)], pid: u32) -> Option<Asked> {
        let lookup = |key: &str| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| OsString::from(v))
        };
        Asked::from_vars(lookup, pid)
    }

    #[test]
    fn no_socket_means_nothing_is_asked() {
        assert_eq!(asked(&[("WATCHDOG_USEC", "1000")], 7), None);
        assert_eq!(asked(&[("NOTIFY_SOCKET", "")], 7), None);
    }

    #[test]
    fn the_watchdog_is_ours_unless_it_names_another_pid() {
        let vars = |pid| [("NOTIFY_SOCKET", "@x"), ("WATCHDOG_USEC", "200000"), pid];
        let ours = asked(&vars(("WATCHDOG_PID", "7")), 7).unwrap();
        assert_eq!(ours.watchdog, Some(Duration::from_millis(200)));
        let unnamed = asked(&vars(("OTHER", "")), 7).unwrap();
        assert_eq!(unnamed.watchdog, Some(Duration::from_millis(200)));
        let theirs = asked(&vars(("WATCHDOG_PID", "8")), 7).unwrap();
        assert_eq!(theirs.watchdog, None);
        assert_eq!(theirs.socket, "@x");
    }

    #[test]
    fn addresses_are_paths_or_abstract_names() {
        let path = address(OsStr::new("/run/systemd/notify")).unwrap();
        assert_eq!(path.as_pathname(), Some("/run/systemd/notify".as_ref()));
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let abstract_name = address(OsStr::new("@sd/notify")).unwrap();
            assert_eq!(abstract_name.as_abstract_name(), Some(&b"sd/notify"[..]));
        }
        assert!(address(OsStr::new("vsock:2:1234")).is_err());
    }
}
