//! `*_logfile_compress`: a rotated log gzipped beside the writer, on a thread of its own, so
//! a large backup never holds up the child's output or the main log.
//!
//! `x.log.1` becomes `x.log.1.gz.tmp`, renamed to `x.log.1.gz` once complete (a reader never
//! sees half a gzip under the final name), then `x.log.1` is removed.

use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use flate2::write::GzEncoder;
use flate2::Compression;

/// `name.gz`.
pub(super) fn gz(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".gz");
    PathBuf::from(s)
}

/// Starts gzipping `plain` into `plain.gz` on a new thread.
pub(super) fn compress_in_background(plain: PathBuf) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("log-gzip".into())
        .spawn(move || {
            // Should it fail (a full disk), the plain backup stays: nothing is lost. No
            // tracing here: the main log rotates through this type while holding its lock.
            if compress(&plain).is_err() {
                let _ = std::fs::remove_file(tmp_of(&plain));
            }
        })
}

fn tmp_of(plain: &Path) -> PathBuf {
    let mut s = gz(plain).into_os_string();
    s.push(".tmp");
    PathBuf::from(s)
}

fn compress(plain: &Path) -> io::Result<()> {
    let tmp = tmp_of(plain);
    let mut input = BufReader::new(File::open(plain)?);
    let mut encoder = GzEncoder::new(BufWriter::new(File::create(&tmp)?), Compression::default());
    io::copy(&mut input, &mut encoder)?;
    encoder
        .finish()?
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    std::fs::rename(&tmp, gz(plain))?;
    std::fs::remove_file(plain)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn a_backup_becomes_a_valid_gzip_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("x.log.1");
        let text = "line\n".repeat(10_000);
        std::fs::write(&plain, &text).unwrap();
        super::compress_in_background(plain.clone())
            .unwrap()
            .join()
            .unwrap();
        assert!(!plain.exists());
        let mut out = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(super::gz(&plain)).unwrap())
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }
}
