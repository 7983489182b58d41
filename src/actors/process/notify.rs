//! `ready_notify=sd_notify`: each such process gets a datagram socket of its own, named in
//! its NOTIFY_SOCKET as systemd names one (`@` for Linux's abstract namespace, so no file
//! is left behind), and READY=1 on it makes the child ready.

use std::os::linux::net::SocketAddrExt;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::stream::{self, Stream};

/// One datagram, as the child sent it.
pub struct Datagram(pub Vec<u8>);

/// The largest message read; systemd's own limit is about as large.
const MAX_DATAGRAM: usize = 4096;

/// A bound notify socket: its NOTIFY_SOCKET value and the stream of what arrives on it.
pub fn bind() -> std::io::Result<(String, impl Stream<Item = Datagram>)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "supervisord/{}/notify/{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    let socket = std::os::unix::net::UnixDatagram::bind_addr(&addr)?;
    socket.set_nonblocking(true)?;
    let socket = tokio::net::UnixDatagram::from_std(socket)?;
    let datagrams = stream::unfold(socket, |socket| async move {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            match socket.recv(&mut buf).await {
                Ok(n) => {
                    buf.truncate(n);
                    return Some((Datagram(buf), socket));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            }
        }
    });
    Ok((format!("@{name}"), datagrams))
}

/// Whether a message says READY=1 (one `KEY=VALUE` per line, as sd_notify(3) sends them).
pub fn says_ready(message: &[u8]) -> bool {
    message
        .split(|&b| b == b'\n')
        .any(|line| line == b"READY=1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_among_other_assignments() {
        assert!(says_ready(b"READY=1"));
        assert!(says_ready(b"STATUS=up\nREADY=1\n"));
        assert!(!says_ready(b"READY=0\nSTATUS=READY=1"));
    }
}
