//! A log file with Supervisor's size-based rotation (loggers.py `RotatingFileHandler`), shared by
//! the child-output LogWriter and the main log; ours besides: rotation by the clock
//! (`*_logfile_rotate`, period.rs) and gzipped backups (`*_logfile_compress`, gzip.rs).
//!
//! What it keeps of Supervisor: a chunk is written whole, *then* the file rotates if it has reached
//! `maxbytes` (so a file may end a little past `maxbytes`), and rotation renames `name` -> `name.1`
//! -> ... -> `name.N`. What it fixes: targets that are not regular files (`/dev/stdout`, pipes,
//! FIFOs, ttys) are never rotated, sized or truncated (Supervisor's `Illegal seek`), and a file
//! deleted under us is recreated on the next write instead of swallowing output (Supervisor #240).
//!
//! One `fstat` before each write gives both facts we need: whether the file still has a name
//! (`st_nlink == 0` once deleted) and its size. That is one cheap syscall per chunk, with no
//! timers and no polling. A rotation by the clock is due at the first write after its
//! boundary, so each backup holds exactly one period's lines and a quiet log leaves no empty
//! backups; the reading of the clock is a vDSO call.

mod gzip;
mod period;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::SystemTime;

use crate::config::RotateBy;

/// How a log rotates: Supervisor's `maxbytes` and `backups`, and our clock and compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// Rotate once the file reaches this size; 0 = never by size.
    pub maxbytes: u64,
    /// Backups kept, compressed or not; 0 = the file is truncated instead.
    pub backups: u32,
    pub by: RotateBy,
    /// Gzip each backup (`name.1.gz`).
    pub compress: bool,
}

impl Rotation {
    /// Supervisor's: by size only, uncompressed.
    pub fn by_size(maxbytes: u64, backups: u32) -> Rotation {
        Rotation {
            maxbytes,
            backups,
            by: RotateBy::Size,
            compress: false,
        }
    }
}

/// A write that failed after `written` bytes of the chunk had gone out.
#[derive(Debug)]
pub(crate) struct Unwritten {
    pub written: usize,
    pub error: io::Error,
}

impl From<Unwritten> for io::Error {
    fn from(unwritten: Unwritten) -> io::Error {
        unwritten.error
    }
}

/// One open log file and its rotation policy. Not thread-safe by itself: the LogWriter owns it on
/// its own thread, the main log keeps it behind a mutex.
#[derive(Debug)]
pub(crate) struct RotatingFile {
    /// Shared with whoever names the log (a child's LogWriter and its Process).
    path: Arc<Path>,
    rotation: Rotation,
    /// When a rotation by the clock is next due.
    due: Option<SystemTime>,
    /// The backup being gzipped, finished before the next rotation renames backups.
    /// (Boxed: a thread handle is three words, and most logs never compress.)
    compressing: Option<Box<JoinHandle<()>>>,
    /// `None` after a failed open: the next write tries again.
    file: Option<File>,
    /// False for character devices, pipes, FIFOs and sockets: never rotated, never truncated.
    regular: bool,
}

impl RotatingFile {
    /// Open (creating, appending) `path`. Opening a FIFO blocks until it has a reader, as in
    /// Supervisor.
    pub(crate) fn open(path: impl Into<Arc<Path>>, rotation: Rotation) -> io::Result<Self> {
        let mut rf = RotatingFile {
            path: path.into(),
            rotation,
            due: None,
            compressing: None,
            file: None,
            regular: true,
        };
        rf.reopen()?;
        rf.due = rf.next_due(SystemTime::now());
        Ok(rf)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Close and open the file again by name: after logrotate renamed it away (SIGUSR2).
    pub(crate) fn reopen(&mut self) -> io::Result<()> {
        self.file = None;
        // O_APPEND never seeks, so this is also right for /dev/stdout and pipes, where Python's
        // 'ab' mode fails with ESPIPE.
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o666)
            .custom_flags(libc::O_CLOEXEC)
            .open(&self.path)?;
        let ft = file.metadata()?.file_type();
        self.regular =
            !(ft.is_char_device() || ft.is_block_device() || ft.is_fifo() || ft.is_socket());
        self.file = Some(file);
        Ok(())
    }

    /// Write all of `buf`, then rotate if the file reached `maxbytes`.
    ///
    /// A deleted file is noticed before the write and recreated, so the chunk lands in the new
    /// file rather than in the unlinked inode. A write error is retried once on a freshly opened
    /// file; if that fails too, the rest of the chunk is lost and the error returned (the caller
    /// keeps draining the pipe: a child must never block because its log is broken).
    pub(crate) fn write_chunk(&mut self, buf: &[u8]) -> Result<(), Unwritten> {
        let unwritten = |written| move |error| Unwritten { written, error };
        if self.file.is_none() {
            self.reopen().map_err(unwritten(0))?;
        }
        let mut size = 0;
        if self.regular {
            let meta = self.file.as_ref().map(File::metadata).transpose();
            match meta.map_err(unwritten(0))? {
                Some(m) if m.nlink() == 0 => {
                    // Deleted under us (a cleanup script, `rm`): start a new file by that name.
                    self.reopen().map_err(unwritten(0))?;
                }
                Some(m) => size = m.len(),
                None => {}
            }
            if self.rotation_due() && size > 0 {
                // Before the write: this chunk belongs to the new period.
                self.rotate().map_err(unwritten(0))?;
                size = 0;
            }
        }
        let mut written = 0;
        let mut retried = false;
        while written < buf.len() {
            let file = match self.file.as_mut() {
                Some(f) => f,
                None => {
                    self.reopen().map_err(unwritten(written))?;
                    continue;
                }
            };
            match file.write(&buf[written..]) {
                Ok(0) => return Err(unwritten(written)(io::ErrorKind::WriteZero.into())),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // No tracing here: the main log writes through this type while holding its lock.
                Err(_) if !retried => {
                    retried = true;
                    self.file = None;
                    size = 0;
                }
                Err(e) => return Err(unwritten(written)(e)),
            }
        }
        let maxbytes = self.rotation.maxbytes;
        if self.regular && maxbytes > 0 && size + written as u64 >= maxbytes {
            self.rotate().map_err(unwritten(written))?;
        }
        Ok(())
    }

    /// Whether a rotation by the clock is due now; if so, the next one is scheduled.
    fn rotation_due(&mut self) -> bool {
        let now = SystemTime::now();
        match self.due {
            Some(due) if now >= due => {
                self.due = self.next_due(now);
                true
            }
            _ => false,
        }
    }

    fn next_due(&self, now: SystemTime) -> Option<SystemTime> {
        match self.rotation.by {
            RotateBy::Size => None,
            RotateBy::Period(secs) => Some(period::next_boundary(now, secs)),
        }
    }

    /// Supervisor's `doRollover`: close, shift `name.i` -> `name.i+1`, `name` -> `name.1`, open a
    /// new `name`. With `backups == 0` the file is truncated in place instead of growing forever
    /// (Supervisor reopens it with 'wb', which truncates too). Gzipped backups shift the same
    /// way (`name.i.gz`); the new `name.1` is then gzipped in the background.
    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        let backups = self.rotation.backups;
        if backups > 0 {
            // The previous backup must be done before its name moves on.
            self.finish_compressing();
            for i in (1..backups).rev() {
                let (src, dst) = (numbered(&self.path, i), numbered(&self.path, i + 1));
                for (src, dst) in [(gzip::gz(&src), gzip::gz(&dst)), (src, dst)] {
                    if src.exists() {
                        remove_and_rename(&src, &dst)?;
                    }
                }
            }
            let first = numbered(&self.path, 1);
            remove_and_rename(&self.path, &first)?;
            if self.rotation.compress {
                self.compressing = Some(Box::new(gzip::compress_in_background(first)?));
            }
        } else {
            truncate_path(&self.path)?;
        }
        self.reopen()
    }

    fn finish_compressing(&mut self) {
        if let Some(compressing) = self.compressing.take() {
            let _ = compressing.join();
        }
    }

    /// clearProcessLogs / clearLog: empty the current file and delete its backups. Only regular
    /// files are touched: clearing a `/dev/stdout` log is a no-op (Supervisor would unlink the
    /// device node).
    pub(crate) fn clear(&mut self) -> io::Result<()> {
        if !self.regular {
            return Ok(());
        }
        match self.file.as_ref() {
            Some(f) if f.metadata()?.nlink() > 0 => f.set_len(0)?,
            _ => self.reopen()?,
        }
        self.finish_compressing();
        for i in 1..=self.rotation.backups {
            let backup = numbered(&self.path, i);
            for path in [gzip::gz(&backup), backup] {
                match std::fs::remove_file(path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

impl Drop for RotatingFile {
    /// A backup being gzipped is finished rather than left half written.
    fn drop(&mut self) {
        self.finish_compressing();
    }
}

/// `name.N`.
pub(crate) fn numbered(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

fn truncate_path(path: &Path) -> io::Result<()> {
    match OpenOptions::new().write(true).truncate(true).open(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Supervisor's `removeAndRename`: rename over `dst`, tolerating a source or destination that
/// vanished meanwhile (a cleanup script removing the active log).
fn remove_and_rename(src: &Path, dst: &Path) -> io::Result<()> {
    match std::fs::rename(src, dst) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
