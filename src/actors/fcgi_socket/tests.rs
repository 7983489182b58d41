//! The reference count, the socket file, and the error texts.

use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use super::SocketManager;
use crate::config::FcgiSocketConfig;

fn manager(socket: &str) -> Arc<SocketManager> {
    Arc::new(SocketManager {
        config: FcgiSocketConfig {
            socket: socket.to_string(),
            socket_backlog: Some(16),
            socket_owner: None,
            socket_mode: 0o660,
        },
        open: Default::default(),
    })
}

fn is_socket_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

#[test]
fn shared_while_held_closed_after_the_last_and_made_anew() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sock");
    std::fs::write(&path, "stale").unwrap();
    let m = manager(&format!("unix://{}", path.display()));
    let first = m.lease().unwrap();
    let second = m.lease().unwrap();
    assert!(Arc::ptr_eq(first.socket(), second.socket()));
    assert!(is_socket_file(&path), "the stale file is replaced");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o660
    );
    std::os::unix::net::UnixStream::connect(&path).expect("listening");
    drop(first);
    assert!(m.lock().socket.is_some());
    drop(second);
    assert!(m.lock().socket.is_none(), "closed with the last holder");
    assert!(path.exists(), "the file stays, as Supervisor leaves it");
    let again = m.lease().unwrap();
    std::os::unix::net::UnixStream::connect(&path).expect("listening again");
    assert!(again.socket().as_raw_fd() >= 0);
}

#[test]
fn errors_are_worded_as_supervisor_reports_them() {
    let missing = manager("unix:///nonexistent-dir-xyz/app.sock");
    assert_eq!(
        missing.lease().unwrap_err(),
        "Could not create FastCGI socket unix:///nonexistent-dir-xyz/app.sock: \
         [Errno 2] No such file or directory"
    );
    assert_eq!(missing.lock().holders, 0, "a failed lease holds nothing");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://127.0.0.1:{}", taken.local_addr().unwrap().port());
    assert_eq!(
        manager(&url).lease().unwrap_err(),
        format!("Could not create FastCGI socket {url}: [Errno 98] Address already in use")
    );
}
