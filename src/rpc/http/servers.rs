//! Opening the HTTP servers' sockets: `[unix_http_server]` and every `[inet_http_server]`.
//!
//! This runs before daemonizing (Supervisor's `openhttpservers` order), so a socket that cannot
//! be opened is reported on the terminal and exits 2. The sockets outlive one run of the actor
//! system: a restart keeps each one whose address is unchanged, so clients queued in its
//! backlog are served by the next run instead of being refused.
//!
//! The unix socket follows Supervisor's `supervisor_af_unix_http_server`: bind a private
//! temporary name, chmod it, then hard-link it to the configured path. The link fails if the
//! path exists, which makes two daemons starting at once race safely; an existing path is then
//! probed, refused if something answers, and unlinked if stale.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use crate::config::{Config, Credentials, InetHttpServerConfig, UnixHttpServerConfig};

/// Supervisor's text when an address is taken (options.py `openhttpservers`).
pub const ADDRESS_IN_USE: &str = "Another program is already listening on a port that one of \
                                  our HTTP servers is configured to use.  Shut this program down \
                                  first before starting supervisord.";

/// How often a stale socket is unlinked and the link retried before giving up; Supervisor
/// retries forever, but only a third daemon re-creating the file could make a second try fail.
const LINK_ATTEMPTS: usize = 5;

/// Every configured HTTP server's open socket. (No Debug: it holds passwords.)
#[derive(Default)]
pub struct Listeners {
    pub(super) servers: Vec<Bound>,
}

/// One open server socket and the credentials that guard it.
pub(super) struct Bound {
    /// `unix_http_server`, `inet_http_server` or `inet_http_server:x`: for log lines.
    pub(super) section: String,
    pub(super) auth: Option<Credentials>,
    /// Whether `GET /metrics` is served here (`metrics = true`).
    pub(super) metrics: bool,
    pub(super) socket: Socket,
}

pub(super) enum Socket {
    Unix {
        /// The options the socket was made with: a restart with other ones re-creates it.
        config: UnixHttpServerConfig,
        listener: UnixListener,
    },
    Tcp {
        host: String,
        port: u16,
        listener: TcpListener,
        /// The address actually bound (`0.0.0.0:9001`); requests are matched to their server
        /// by it.
        addr: SocketAddr,
    },
}

impl Socket {
    /// Whether this socket already is what `other` asks for, credentials aside.
    fn same_address(&self, other: &ServerSpec) -> bool {
        match (self, other) {
            (Socket::Unix { config, .. }, ServerSpec::Unix(want)) => {
                config.file == want.file && config.chmod == want.chmod && config.chown == want.chown
            }
            (Socket::Tcp { host, port, .. }, ServerSpec::Inet(want)) => {
                *host == want.host && *port == want.port
            }
            _ => false,
        }
    }

    /// Closes the socket; a unix socket's file goes too, as Supervisor's cleanup unlinks it.
    fn close(self) {
        if let Socket::Unix { config, listener } = self {
            drop(listener);
            let _ = std::fs::remove_file(&config.file);
        }
    }
}

/// One server as the config describes it.
enum ServerSpec<'a> {
    Unix(&'a UnixHttpServerConfig),
    Inet(&'a InetHttpServerConfig),
}

impl ServerSpec<'_> {
    fn section(&self) -> String {
        match self {
            ServerSpec::Unix(_) => "unix_http_server".to_string(),
            ServerSpec::Inet(c) => c.section.clone(),
        }
    }

    fn auth(&self) -> Option<Credentials> {
        match self {
            ServerSpec::Unix(c) => c.auth.clone(),
            ServerSpec::Inet(c) => c.auth.clone(),
        }
    }

    fn metrics(&self) -> bool {
        match self {
            ServerSpec::Unix(c) => c.metrics,
            ServerSpec::Inet(c) => c.metrics,
        }
    }
}

/// Supervisor opens the inet servers first, then the unix one (options.py `server_configs`).
fn specs(config: &Config) -> Vec<ServerSpec<'_>> {
    let mut specs: Vec<_> = config
        .inet_http_servers
        .iter()
        .map(ServerSpec::Inet)
        .collect();
    specs.extend(config.unix_http_server.as_ref().map(ServerSpec::Unix));
    specs
}

/// Opens every HTTP server `config` names. The error is the line Supervisor prints before
/// exiting 2.
pub fn bind(config: &Config) -> Result<Listeners, String> {
    Listeners::default().rebind(config)
}

impl Listeners {
    /// The servers for the next run after a restart: sockets whose address did not change are
    /// kept (with the new credentials), the others are closed first and then opened anew, so
    /// that a changed chmod on the same path or a moved port never collides with ourselves.
    pub fn rebind(mut self, config: &Config) -> Result<Listeners, String> {
        let specs = specs(config);
        let mut kept: Vec<Option<Socket>> = specs
            .iter()
            .map(|spec| {
                let i = self
                    .servers
                    .iter()
                    .position(|b| b.socket.same_address(spec))?;
                Some(self.servers.remove(i).socket)
            })
            .collect();
        self.close();
        let mut servers = Vec::with_capacity(specs.len());
        for (spec, old) in specs.iter().zip(kept.iter_mut()) {
            let socket = match old.take() {
                Some(socket) => socket,
                None => match open(spec) {
                    Ok(socket) => socket,
                    Err(e) => {
                        // Sockets opened so far must not outlive the failed start.
                        Listeners { servers }.close();
                        for socket in kept.into_iter().flatten() {
                            socket.close();
                        }
                        return Err(e);
                    }
                },
            };
            servers.push(Bound {
                section: spec.section(),
                auth: spec.auth(),
                metrics: spec.metrics(),
                socket,
            });
        }
        Ok(Listeners { servers })
    }

    /// Closes every socket and removes the unix socket file (at exit).
    pub fn close(self) {
        for bound in self.servers {
            bound.socket.close();
        }
    }

    /// Each server's section name and whether it checks credentials, in opening order, for
    /// the lines Supervisor logs about each server at start.
    pub fn sections(&self) -> impl Iterator<Item = (&str, bool)> {
        self.servers
            .iter()
            .map(|b| (b.section.as_str(), b.auth.is_some()))
    }

    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }
}

fn open(spec: &ServerSpec) -> Result<Socket, String> {
    match spec {
        ServerSpec::Unix(config) => Ok(Socket::Unix {
            config: (*config).clone(),
            listener: bind_unix(config)?,
        }),
        ServerSpec::Inet(config) => {
            let listener = bind_tcp(&config.host, config.port).map_err(|e| socket_error(&e))?;
            let addr = listener.local_addr().map_err(|e| socket_error(&e))?;
            Ok(Socket::Tcp {
                host: config.host.clone(),
                port: config.port,
                listener,
                addr,
            })
        }
    }
}

/// `host:port`; an empty host is every IPv4 interface, as Python's `bind(('', port))`. A name
/// resolving to several addresses binds the first that works, IPv4 first as Supervisor's
/// AF_INET socket would. std sets SO_REUSEADDR before binding, as asyncore's
/// `set_reuse_addr` does, so a restart does not wait out TIME_WAIT.
fn bind_tcp(host: &str, port: u16) -> io::Result<TcpListener> {
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    let mut addrs: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
    addrs.sort_by_key(|a| !a.is_ipv4());
    TcpListener::bind(&addrs[..])
}

fn bind_unix(config: &UnixHttpServerConfig) -> Result<UnixListener, String> {
    let path = &config.file;
    let mut temp = path.clone().into_os_string();
    temp.push(format!(".{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let _ = std::fs::remove_file(&temp);
    for _ in 0..LINK_ATTEMPTS {
        let listener = UnixListener::bind(&temp).map_err(|e| socket_error(&e))?;
        let linked = std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(config.chmod))
            .and_then(|()| std::fs::hard_link(&temp, path));
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                if let Some((uid, gid)) = config.chown {
                    if let Err(e) = std::os::unix::fs::chown(path, Some(uid), gid) {
                        drop(listener);
                        let _ = std::fs::remove_file(path);
                        return Err(chown_error(path, uid, gid, &e));
                    }
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if in_use(path) {
                    return Err(ADDRESS_IN_USE.to_string());
                }
                eprintln!("Unlinking stale socket {}", path.display());
                let _ = std::fs::remove_file(path);
            }
            Err(e) => return Err(socket_error(&e)),
        }
    }
    Err(ADDRESS_IN_USE.to_string())
}

/// Whether a server answers on `path` (Supervisor's `checkused`): a refused connection or a
/// path that is no socket at all means stale.
fn in_use(path: &Path) -> bool {
    UnixStream::connect(path).is_ok()
}

/// Supervisor's text for a socket it cannot open, e.g.
/// `Cannot open an HTTP server: socket.error reported errno.EACCES (13)`.
fn socket_error(e: &io::Error) -> String {
    let help = "Cannot open an HTTP server: socket.error reported";
    match e.raw_os_error() {
        Some(libc::EADDRINUSE) => ADDRESS_IN_USE.to_string(),
        Some(code) => match errno_name(code) {
            Some(name) => format!("{help} errno.{name} ({code})"),
            None => format!("{help} {code}"),
        },
        None => format!("{help} {e}"),
    }
}

/// Names of the errnos binding can plausibly meet.
fn errno_name(code: i32) -> Option<&'static str> {
    Some(match code {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EACCES => "EACCES",
        libc::ENOTDIR => "ENOTDIR",
        libc::EROFS => "EROFS",
        libc::EINVAL => "EINVAL",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        _ => return None,
    })
}

/// Supervisor's text when `chown=` cannot be applied.
fn chown_error(path: &Path, uid: u32, gid: Option<u32>, e: &io::Error) -> String {
    if e.raw_os_error() != Some(libc::EPERM) {
        return socket_error(e);
    }
    let gid = gid.map_or("-1".to_string(), |g| g.to_string());
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    format!(
        "Not permitted to chown {} to uid/gid ({uid}, {gid}); adjust \"sockchown\" value in config \
         file or on command line to values that the current user (uid {euid}) can successfully \
         chown",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix_config(file: PathBuf) -> UnixHttpServerConfig {
        UnixHttpServerConfig {
            file,
            chmod: 0o700,
            chown: None,
            auth: None,
            metrics: false,
        }
    }

    #[test]
    fn stale_socket_is_replaced_and_live_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = unix_config(dir.path().join("s.sock"));
        // A stale socket: bound, then its listener closed.
        drop(UnixListener::bind(&config.file).unwrap());
        let live = bind_unix(&config).expect("stale socket replaced");
        assert_eq!(bind_unix(&config).unwrap_err(), ADDRESS_IN_USE);
        drop(live);
    }

    #[test]
    fn errors_carry_the_errno_name() {
        let dir = tempfile::tempdir().unwrap();
        let config = unix_config(dir.path().join("missing/s.sock"));
        assert_eq!(
            bind_unix(&config).unwrap_err(),
            "Cannot open an HTTP server: socket.error reported errno.ENOENT (2)"
        );
    }

    #[test]
    fn a_taken_port_is_refused_with_supervisors_text() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = bind_tcp("127.0.0.1", port).unwrap_err();
        assert_eq!(socket_error(&err), ADDRESS_IN_USE);
    }
}
