//! LogWriter through real pipes on its own Arbiter, as the daemon runs it: rotation without loss,
//! non-seekable targets, deleted and renamed files, ANSI stripping across reads, clearing, and
//! AUTO log names.

use std::fs;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use actix::prelude::*;
use supervisord::actors::log_writer::{
    auto_log_path, clean_auto_logs, Attach, Clear, Drained, LogWriter, Reopen, Rotation,
    StreamSettings,
};
use supervisord::model::Channel;

fn settings(path: Option<PathBuf>, maxbytes: u64, backups: u32) -> StreamSettings {
    StreamSettings {
        path: path.map(Into::into),
        rotation: Rotation::by_size(maxbytes, backups),
        strip_ansi: false,
        syslog: false,
        prefix: None,
        bytes: Default::default(),
        events: None,
    }
}

/// A LogWriter of stdout only on its own Arbiter (thread), the way the daemon starts them.
fn start(arbiter: &Arbiter, s: StreamSettings) -> Addr<LogWriter> {
    LogWriter::start_in_arbiter(&arbiter.handle(), move |_| {
        LogWriter::new("web".into(), Some(s), None)
    })
}

/// A pipe whose read end is attached to `addr`'s stdout; returns the write end as a File.
async fn attach(addr: &Addr<LogWriter>) -> fs::File {
    attach_to(addr, Channel::Stdout).await
}

async fn attach_to(addr: &Addr<LogWriter>, channel: Channel) -> fs::File {
    let (r, w): (OwnedFd, OwnedFd) = nix::unistd::pipe().unwrap();
    addr.send(Attach {
        pipe: r,
        channel,
        pid: 0,
    })
    .await
    .unwrap();
    fs::File::from(w)
}

/// Poll `cond` every 5 ms until it holds; fail after 10 s.
async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn drained(addr: &Addr<LogWriter>) {
    actix_rt::time::timeout(Duration::from_secs(30), addr.send(Drained))
        .await
        .expect("pipes drained in time")
        .unwrap();
}

fn read(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap_or_default()
}

fn numbered(p: &Path, n: u32) -> PathBuf {
    PathBuf::from(format!("{}.{n}", p.display()))
}

/// Deterministic, non-repeating-looking data: block `i` of 64 KiB + 13 bytes (so writes never
/// line up with reads or rotation).
fn block(i: u64) -> Vec<u8> {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..65_549)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[actix_rt::test]
async fn hundred_megabytes_through_rotation_arrive_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.log");
    let arbiter = Arbiter::new();
    let addr = start(&arbiter, settings(Some(path.clone()), 5 * 1024 * 1024, 30));
    let mut w = attach(&addr).await;
    let blocks = 100 * 1024 * 1024 / 65_549 + 1;
    let writer = std::thread::spawn(move || {
        for i in 0..blocks {
            w.write_all(&block(i)).unwrap();
        }
        // Dropping `w` closes the pipe: EOF.
    });
    drained(&addr).await;
    writer.join().unwrap();

    // Oldest backup first, current file last.
    let mut files: Vec<PathBuf> = (1..=30)
        .rev()
        .map(|n| numbered(&path, n))
        .filter(|p| p.exists())
        .collect();
    files.push(path.clone());
    assert!(files.len() >= 20, "rotated {} times", files.len() - 1);
    assert!(!numbered(&path, 31).exists());
    let mut got = Vec::new();
    for f in &files {
        let data = read(f);
        if f != &path {
            // Rotation happens once a file reaches maxbytes, after the chunk that reached it:
            // up to 1 MiB once the writer has filled its pipe (which is then grown to 1 MiB).
            assert!(data.len() as u64 >= 5 * 1024 * 1024, "{}", f.display());
            assert!(data.len() as u64 <= 6 * 1024 * 1024, "{}", f.display());
        }
        got.extend_from_slice(&data);
    }
    let total = blocks as usize * 65_549;
    assert_eq!(got.len(), total);
    for i in 0..blocks {
        let start = i as usize * 65_549;
        assert!(
            got[start..start + 65_549] == block(i)[..],
            "block {i} differs"
        );
    }
    arbiter.stop();
}

#[actix_rt::test]
async fn none_drains_and_devnull_never_seeks() {
    let arbiter = Arbiter::new();
    // NONE: output is read and dropped, so a child writing far more than a pipe holds finishes.
    let none = start(&arbiter, settings(None, 0, 0));
    // /dev/null with maxbytes set: not a regular file, so never rotated nor truncated.
    let devnull = start(&arbiter, settings(Some("/dev/null".into()), 10, 3));
    for addr in [&none, &devnull] {
        let mut w = attach(addr).await;
        let t = std::thread::spawn(move || {
            for i in 0..16 {
                w.write_all(&block(i)).unwrap();
            }
        });
        drained(addr).await;
        t.join().unwrap();
    }
    assert!(!Path::new("/dev/null.1").exists());
    arbiter.stop();
}

#[actix_rt::test]
async fn fifo_target_gets_everything() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    // Opening a FIFO for writing waits for a reader, so start the reader first.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0; 4 * 65_549];
            std::io::Read::read_exact(&mut fs::File::open(fifo).unwrap(), &mut buf).unwrap();
            buf
        })
    };
    let arbiter = Arbiter::new();
    let addr = start(&arbiter, settings(Some(fifo.clone()), 1000, 2));
    let mut w = attach(&addr).await;
    let data: Vec<u8> = (0..4).flat_map(block).collect();
    w.write_all(&data).unwrap();
    drop(w);
    drained(&addr).await;
    assert!(reader.join().unwrap() == data);
    arbiter.stop();
    assert!(!numbered(&fifo, 1).exists());
}

#[actix_rt::test]
async fn deleted_log_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.log");
    let arbiter = Arbiter::new();
    let addr = start(&arbiter, settings(Some(path.clone()), 0, 0));
    let mut w = attach(&addr).await;
    w.write_all(b"before\n").unwrap();
    wait_for("first line", || read(&path) == b"before\n").await;
    fs::remove_file(&path).unwrap();
    w.write_all(b"after\n").unwrap();
    wait_for("recreated log", || read(&path) == b"after\n").await;
    arbiter.stop();
}

#[actix_rt::test]
async fn strip_ansi_across_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.log");
    let arbiter = Arbiter::new();
    let mut s = settings(Some(path.clone()), 0, 0);
    s.strip_ansi = true;
    let addr = start(&arbiter, s);
    let mut w = attach(&addr).await;
    // Each part is written only once the previous one is in the file, so they are separate reads.
    w.write_all(b"red: \x1b").unwrap();
    wait_for("first part", || read(&path) == b"red: ").await;
    w.write_all(b"[1;3").unwrap();
    w.write_all(b"1mhot\x1b[0m").unwrap();
    wait_for("second part", || read(&path) == b"red: hot").await;
    w.write_all(b"\x1b").unwrap();
    drop(w);
    drained(&addr).await;
    // A trailing lone ESC is text, as in Supervisor.
    assert_eq!(read(&path), b"red: hot\x1b");
    arbiter.stop();
}

#[actix_rt::test]
async fn clear_empties_log_and_removes_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.log");
    let arbiter = Arbiter::new();
    let addr = start(&arbiter, settings(Some(path.clone()), 100, 3));
    let mut w = attach(&addr).await;
    w.write_all(&[b'x'; 250]).unwrap();
    wait_for("a rotation", || numbered(&path, 1).exists()).await;
    addr.send(Clear).await.unwrap().unwrap();
    assert_eq!(read(&path), b"");
    assert!(!numbered(&path, 1).exists() && !numbered(&path, 2).exists());
    w.write_all(b"fresh\n").unwrap();
    wait_for("writing after clear", || read(&path) == b"fresh\n").await;
    arbiter.stop();
}

#[actix_rt::test]
async fn reopen_after_logrotate_rename() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.log");
    let moved = dir.path().join("web.log.rotated");
    let arbiter = Arbiter::new();
    let addr = start(&arbiter, settings(Some(path.clone()), 0, 0));
    let mut w = attach(&addr).await;
    w.write_all(b"one\n").unwrap();
    wait_for("first line", || read(&path) == b"one\n").await;
    fs::rename(&path, &moved).unwrap();
    // Until SIGUSR2 the open file follows the rename, as with Supervisor.
    w.write_all(b"two\n").unwrap();
    wait_for("line in renamed file", || read(&moved) == b"one\ntwo\n").await;
    addr.send(Reopen).await.unwrap().unwrap();
    w.write_all(b"three\n").unwrap();
    wait_for("line in new file", || read(&path) == b"three\n").await;
    assert_eq!(read(&moved), b"one\ntwo\n");
    arbiter.stop();
}

#[actix_rt::test]
async fn several_pipes_drain_until_each_eof() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.log");
    let arbiter = Arbiter::new();
    let addr = start(&arbiter, settings(Some(path.clone()), 0, 0));
    // A respawn attaches a new pipe while a grandchild still holds the old one.
    let mut old = attach(&addr).await;
    let mut new = attach(&addr).await;
    old.write_all(b"old\n").unwrap();
    wait_for("old pipe", || read(&path) == b"old\n").await;
    new.write_all(b"new\n").unwrap();
    drop(new);
    wait_for("new pipe", || read(&path) == b"old\nnew\n").await;
    let pending = addr.send(Drained);
    old.write_all(b"late\n").unwrap();
    drop(old);
    actix_rt::time::timeout(Duration::from_secs(10), pending)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read(&path), b"old\nnew\nlate\n");
    arbiter.stop();
}

#[actix_rt::test]
async fn one_writer_keeps_both_streams_apart() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out.log"), dir.path().join("err.log"));
    let arbiter = Arbiter::new();
    let (stdout, stderr) = (
        settings(Some(out.clone()), 0, 0),
        settings(Some(err.clone()), 0, 0),
    );
    let addr = LogWriter::start_in_arbiter(&arbiter.handle(), move |_| {
        LogWriter::new("web".into(), Some(stdout), Some(stderr))
    });
    let mut w_out = attach_to(&addr, Channel::Stdout).await;
    let mut w_err = attach_to(&addr, Channel::Stderr).await;
    w_out.write_all(b"to stdout\n").unwrap();
    w_err.write_all(b"to stderr\n").unwrap();
    wait_for("both lines", || {
        read(&out) == b"to stdout\n" && read(&err) == b"to stderr\n"
    })
    .await;
    // Drained waits for the last pipe of either stream.
    drop(w_out);
    let pending = addr.send(Drained);
    w_err.write_all(b"late\n").unwrap();
    drop(w_err);
    actix_rt::time::timeout(Duration::from_secs(10), pending)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read(&err), b"to stderr\nlate\n");
    // Both files are cleared by one message.
    addr.send(Clear).await.unwrap().unwrap();
    assert_eq!((read(&out), read(&err)), (vec![], vec![]));
    arbiter.stop();
}

/// Many pipes that become readable at the same moment, more than the log thread takes from
/// its epoll set in one pass, and then again after each has been found empty: every one is
/// read every time (pipes are registered edge-triggered, so a wake-up lost is output that
/// waits for the child's next write, or forever).
#[actix_rt::test]
async fn pipes_readable_together_are_all_read_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let arbiter = Arbiter::new();
    let mut writers = Vec::new();
    for i in 0..200 {
        let path = dir.path().join(format!("p{i}.log"));
        let addr = start(&arbiter, settings(Some(path.clone()), 0, 0));
        let pipe = attach(&addr).await;
        writers.push((path, pipe, addr));
    }
    let mut expected = Vec::new();
    for round in 0..3 {
        let line = format!("round {round}\n");
        expected.extend_from_slice(line.as_bytes());
        for (_, pipe, _) in &mut writers {
            pipe.write_all(line.as_bytes()).unwrap();
        }
        wait_for(&format!("round {round} in every log"), || {
            writers.iter().all(|(path, _, _)| read(path) == expected)
        })
        .await;
    }
    arbiter.stop();
}

#[test]
fn auto_log_names_and_cleanup() {
    let dir = tempfile::tempdir().unwrap();
    let a = auto_log_path(dir.path(), "web", Channel::Stdout, "supervisor").unwrap();
    let b = auto_log_path(dir.path(), "web", Channel::Stdout, "supervisor").unwrap();
    let e = auto_log_path(dir.path(), "web", Channel::Stderr, "other").unwrap();
    assert_ne!(a, b);
    let name = a.file_name().unwrap().to_str().unwrap();
    let random = name
        .strip_prefix("web-stdout---supervisor-")
        .and_then(|r| r.strip_suffix(".log"))
        .unwrap_or_else(|| panic!("{name}"));
    assert_eq!(random.len(), 8);
    assert!(random
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'));
    assert!(e
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("web-stderr---other-"));
    // Rotated backups of AUTO logs are swept too; other files and identifiers are not.
    fs::write(numbered(&a, 1), b"").unwrap();
    fs::write(dir.path().join("supervisord.log"), b"").unwrap();
    assert_eq!(clean_auto_logs(dir.path(), "supervisor").unwrap(), 3);
    let mut left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    left.sort();
    let mut expected = vec![e, dir.path().join("supervisord.log")];
    expected.sort();
    assert_eq!(left, expected);
    assert!(clean_auto_logs(&dir.path().join("missing"), "supervisor").is_err());
}
