//! `/logtail/<namespec>[/stdout|/stderr]` and `/mainlogtail`: `tail -f` over HTTP, for
//! `supervisorctl tail -f`, `maintail -f`, `fg` and the web UI.
//!
//! Like Supervisor's `tail_f_producer`, a stream starts 1024 bytes before the end of the file,
//! polls it every [`POLL`] (there is no per-stream inotify watch: a poll is one fstat and one
//! stat), reopens the path when its inode changes (rotation) and says `==> File truncated <==`
//! when the file shrinks. Unlike it, the rest of a rotated file is sent before switching to the
//! new one, and new bytes go out as soon as they are read (one chunk per read, no 4 KiB output
//! buffer to fill first).
//!
//! A stream runs on the HTTP worker thread, never on the supervision thread, and lives exactly
//! as long as its connection: when the client goes away actix drops the body, which closes the
//! file.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_web::http::header::{self, HttpDate};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::Stream;

use super::error_page;

use crate::model::Channel;
use crate::rpc::Backend;

/// How far before the end a tail starts (Supervisor's `head`).
const HEAD: u64 = 1024;
/// How often an idle stream looks at its file again (Supervisor's producer `delay`).
const POLL: Duration = Duration::from_millis(100);
/// The most one read sends, so a large backlog goes out in pieces with bounded memory.
const CHUNK: u64 = 64 * 1024;
/// What the client sees when the file shrank under it.
const TRUNCATED: &[u8] = b"==> File truncated <==\n";

/// GET `/logtail/...`: `rest` is the path after `/logtail`, percent-decoded.
pub(super) async fn process(req: &HttpRequest, backend: &Backend, rest: &str) -> HttpResponse {
    if req.method() != actix_web::http::Method::GET {
        return error_page(StatusCode::BAD_REQUEST);
    }
    let Some((namespec, channel)) = parse_target(rest) else {
        return error_page(StatusCode::NOT_FOUND);
    };
    let lookup = backend.processes.borrow().log_file(namespec, channel);
    match lookup {
        Ok(Some(path)) => tail(&path),
        // An unknown name, or a channel without a log file: both may change with a reload,
        // hence 404 (Supervisor's reasoning) rather than 400.
        _ => error_page(StatusCode::NOT_FOUND),
    }
}

/// GET `/mainlogtail`.
pub(super) fn main(req: &HttpRequest, backend: &Backend) -> HttpResponse {
    if req.method() != actix_web::http::Method::GET {
        return error_page(StatusCode::BAD_REQUEST);
    }
    match backend.mainlog.path() {
        Some(path) => tail(&path),
        None => error_page(StatusCode::NOT_FOUND),
    }
}

/// Splits `name[/channel]` as Supervisor's logtail_handler does: everything after the first
/// path segment (whatever it is) names the process, the channel defaults to stdout, and an
/// unknown channel has no log file.
fn parse_target(rest: &str) -> Option<(&str, Channel)> {
    let path = rest.trim_start_matches('/');
    let (name, channel) = match path.split_once('/') {
        Some((name, channel)) => (name, channel),
        None => (path, "stdout"),
    };
    let channel = match channel {
        "stdout" => Channel::Stdout,
        "stderr" => Channel::Stderr,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, channel))
}

/// The streaming response over `path`; 404 if it cannot be opened (a process that never ran
/// has no file yet).
fn tail(path: &Path) -> HttpResponse {
    let Ok(follower) = Follower::open(path.to_path_buf(), HEAD) else {
        return error_page(StatusCode::NOT_FOUND);
    };
    let mut reply = HttpResponse::Ok();
    if let Ok(modified) = follower.file.metadata().and_then(|m| m.modified()) {
        reply.insert_header((header::LAST_MODIFIED, HttpDate::from(modified)));
    }
    reply
        .content_type("text/plain;charset=utf-8")
        // Tell a reverse proxy (nginx) not to buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        // No Content-Length: actix sends the body chunked.
        .streaming(follow(follower))
}

/// The chunks of a followed file, forever; ends only on a read error (or when dropped).
fn follow(follower: Follower) -> impl Stream<Item = Result<Bytes, io::Error>> {
    futures_util::stream::unfold(follower, |mut follower| async move {
        loop {
            match follower.step() {
                Ok(Step::Data(bytes)) => return Some((Ok(bytes), follower)),
                Ok(Step::Truncated) => {
                    return Some((Ok(Bytes::from_static(TRUNCATED)), follower));
                }
                Ok(Step::Idle) => tokio::time::sleep(POLL).await,
                // End the body cleanly; the client sees the stream finish.
                Err(_) => return None,
            }
        }
    })
}

/// What one look at the file found.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Data(Bytes),
    Truncated,
    Idle,
}

/// One file followed by name, with the offset sent so far.
struct Follower {
    path: PathBuf,
    file: File,
    ino: u64,
    pos: u64,
}

impl Follower {
    /// Opens `path` positioned `head` bytes before its end (or at its start).
    fn open(path: PathBuf, head: u64) -> io::Result<Follower> {
        let file = File::open(&path)?;
        let meta = file.metadata()?;
        Ok(Follower {
            path,
            ino: meta.ino(),
            pos: meta.len().saturating_sub(head),
            file,
        })
    }

    /// Reads what is new. The open file is drained before a rotation is looked for, so the
    /// bytes written to the old file just before it was renamed are not lost.
    fn step(&mut self) -> io::Result<Step> {
        let size = self.file.metadata()?.len();
        if size < self.pos {
            self.pos = 0;
            return Ok(Step::Truncated);
        }
        if size > self.pos {
            let want = (size - self.pos).min(CHUNK) as usize;
            let mut buf = vec![0; want];
            let n = self.file.read_at(&mut buf, self.pos)?;
            buf.truncate(n);
            self.pos += n as u64;
            return Ok(if n == 0 {
                Step::Idle
            } else {
                Step::Data(buf.into())
            });
        }
        // A missing path is a rotation half done (renamed, not yet re-created): keep the old
        // file until the new one appears.
        match std::fs::metadata(&self.path) {
            Ok(meta) if meta.ino() != self.ino => {
                self.file = File::open(&self.path)?;
                self.ino = self.file.metadata()?.ino();
                self.pos = 0;
                self.step()
            }
            _ => Ok(Step::Idle),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn data(step: Step) -> Vec<u8> {
        match step {
            Step::Data(b) => b.to_vec(),
            other => panic!("expected data, got {other:?}"),
        }
    }

    #[test]
    fn targets() {
        assert_eq!(parse_target("/cat"), Some(("cat", Channel::Stdout)));
        assert_eq!(
            parse_target("/g:cat/stderr"),
            Some(("g:cat", Channel::Stderr))
        );
        assert_eq!(parse_target("/cat/stdout"), Some(("cat", Channel::Stdout)));
        assert_eq!(parse_target("/cat/other"), None);
        assert_eq!(parse_target("/cat/stderr/x"), None);
        assert_eq!(parse_target(""), None);
    }

    #[test]
    fn starts_near_the_end_then_follows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let text: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        let mut f = Follower::open(path.clone(), HEAD).unwrap();
        assert_eq!(data(f.step().unwrap()), text[3000 - 1024..]);
        assert_eq!(f.step().unwrap(), Step::Idle);
        let mut w = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        w.write_all(b"more\n").unwrap();
        assert_eq!(data(f.step().unwrap()), b"more\n");
    }

    #[test]
    fn truncation_is_announced_and_reading_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "hello world\n").unwrap();
        let mut f = Follower::open(path.clone(), HEAD).unwrap();
        data(f.step().unwrap());
        std::fs::write(&path, "new\n").unwrap();
        assert_eq!(f.step().unwrap(), Step::Truncated);
        assert_eq!(data(f.step().unwrap()), b"new\n");
    }

    #[test]
    fn rotation_drains_the_old_file_then_follows_the_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "one\n").unwrap();
        let mut f = Follower::open(path.clone(), HEAD).unwrap();
        assert_eq!(data(f.step().unwrap()), b"one\n");
        let mut w = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        w.write_all(b"two\n").unwrap();
        std::fs::rename(&path, dir.path().join("log.1")).unwrap();
        // The old file is drained first, with or without the new one in place.
        assert_eq!(data(f.step().unwrap()), b"two\n");
        assert_eq!(f.step().unwrap(), Step::Idle);
        std::fs::write(&path, "three\n").unwrap();
        assert_eq!(data(f.step().unwrap()), b"three\n");
    }

    #[test]
    fn large_backlogs_go_in_bounded_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "").unwrap();
        let mut f = Follower::open(path.clone(), HEAD).unwrap();
        std::fs::write(&path, vec![b'x'; 100_000]).unwrap();
        assert_eq!(data(f.step().unwrap()).len(), CHUNK as usize);
        assert_eq!(data(f.step().unwrap()).len(), 100_000 - CHUNK as usize);
    }
}
