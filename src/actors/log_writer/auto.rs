//! `AUTO` child logs: unique files in `childlogdir` named
//! `<name>-<channel>---<identifier>-<random>.log` (options.py `get_autochildlog_name`, which uses
//! `tempfile.mkstemp`), and the start-up sweep that removes old ones (`clear_autochildlogdir`).

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::Channel;

/// mkstemp's alphabet and length, so names look like Supervisor's.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
const RANDOM_LEN: usize = 8;

/// Create a new, empty, uniquely named AUTO log file (mode 0600, like mkstemp) and return its
/// path. Exclusive creation means two streams can never share a file by accident.
pub fn auto_log_path(
    childlogdir: &Path,
    name: &str,
    channel: Channel,
    identifier: &str,
) -> io::Result<PathBuf> {
    let mut rng = Rng::new();
    for _ in 0..100 {
        let suffix: String = (0..RANDOM_LEN)
            .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize] as char)
            .collect();
        let path = childlogdir.join(format!(
            "{name}-{}---{identifier}-{suffix}.log",
            channel.as_str()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no usable temporary file name found",
    ))
}

/// Remove AUTO logs (and their rotated backups) left by earlier runs with this `identifier`;
/// returns how many were removed. A file that cannot be removed is reported in the main log and
/// skipped. An unreadable directory is an error (the caller logs `mainlog::could_not_clear_childlog_dir`).
pub fn clean_auto_logs(childlogdir: &Path, identifier: &str) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(childlogdir)? {
        let entry = entry?;
        let fname = entry.file_name();
        let Some(fname) = fname.to_str() else {
            continue;
        };
        if is_auto_log_name(fname, identifier) {
            let path = entry.path();
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(_) => crate::actors::mainlog::failed_to_clean_up(&path),
            }
        }
    }
    Ok(removed)
}

/// Supervisor's `re.match(r'.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}', filename)`. The pattern
/// is anchored only at the start and its tail can match nothing, so it means: at least one
/// character, then `---<identifier>-`, then one or more non-blank characters, then `.log`.
pub(crate) fn is_auto_log_name(fname: &str, identifier: &str) -> bool {
    if fname.contains('\n') {
        // `.` in Python's re does not match a newline.
        return false;
    }
    let marker = format!("---{identifier}-");
    let mut from = 1;
    while let Some(pos) = fname.get(from..).and_then(|s| s.find(&marker)) {
        let start = from + pos;
        let rest = &fname[start + marker.len()..];
        // `\S+\.log`: some `.log` preceded by >= 1 non-blank characters, all non-blank.
        let mut search = 1;
        while let Some(p) = rest.get(search..).and_then(|s| s.find(".log")) {
            let at = search + p;
            if !rest[..at].chars().any(char::is_whitespace) {
                return true;
            }
            search = at + 1;
        }
        from = start + 1;
    }
    false
}

/// A small xorshift generator seeded from /dev/urandom (or the clock and pid): names only need
/// to be unpredictable enough not to collide; exclusive creation guarantees uniqueness.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let mut seed = [0u8; 8];
        let from_urandom = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut seed))
            .is_ok();
        let mut s = u64::from_ne_bytes(seed);
        if !from_urandom || s == 0 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            s = nanos ^ ((std::process::id() as u64) << 32) | 1;
        }
        Rng(s)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_supervisor_pattern() {
        let id = "supervisor";
        for yes in [
            "web-stdout---supervisor-abc123_x.log",
            "web-stderr---supervisor-k2j3h4g5.log.1",
            "web-stderr---supervisor-k2j3h4g5.log.10",
            "a---supervisor-x.logfoo",
            "x---supervisor-y ---supervisor-z.log",
        ] {
            assert!(is_auto_log_name(yes, id), "{yes}");
        }
        for no in [
            "---supervisor-abc.log",
            "web-stdout---other-abc.log",
            "web-stdout---supervisor-.log",
            "web-stdout---supervisor-a b.log",
            "supervisord.log",
            "web.log",
        ] {
            assert!(!is_auto_log_name(no, id), "{no}");
        }
    }
}
