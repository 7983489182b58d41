//! Reading log files for readLog / readProcess*Log and tailProcess*Log, with the exact offset
//! rules of Supervisor's `readFile` and `tailFile` (options.py). Pure file I/O: runs on the
//! HTTP worker, never on the supervision thread.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::faults::{Fault, FaultCode};
use super::reply_budget;

/// readFile: a negative offset reads that many bytes from the end (length must then be 0);
/// otherwise `length` bytes from `offset` (0 = to the end).
pub fn read_file(path: &Path, offset: i64, length: i64) -> Result<Vec<u8>, Fault> {
    if (offset < 0 && length != 0) || length < 0 {
        return Err(Fault::new(FaultCode::BadArguments));
    }
    let failed = |_| Fault::new(FaultCode::Failed);
    let mut file = File::open(path).map_err(failed)?;
    let size = file.metadata().map_err(failed)?.len() as i64;
    let (start, want) = if offset < 0 {
        ((size + offset).max(0), -offset)
    } else {
        (
            offset,
            if length == 0 {
                (size - offset).max(0)
            } else {
                length
            },
        )
    };
    let want = want.min(size - start).max(0);
    reply_budget::claim(want as usize)?;
    read_at(&mut file, start, want).map_err(failed)
}

/// tailFile: `[data, new offset, overflow]`. Reads up to `length` bytes ending at EOF, or
/// from `offset` when the caller is caught up; `overflow` says bytes were skipped. A missing
/// file gives `('', offset, false)`; a read past the reply budget, a fault.
pub fn tail_file(path: &Path, offset: i64, length: i64) -> Result<(Vec<u8>, i64, bool), Fault> {
    let Ok(mut file) = File::open(path) else {
        return Ok((Vec::new(), offset, false));
    };
    let Ok(meta) = file.metadata() else {
        return Ok((Vec::new(), offset, false));
    };
    let size = meta.len() as i64;
    let (mut offset, mut length) = (offset, length);
    let mut overflow = false;
    if size > offset + length {
        overflow = true;
        offset = size - 1;
    }
    if offset + length > size {
        if offset > size - 1 {
            length = 0;
        }
        offset = size - length;
    }
    let offset = offset.max(0);
    let length = length.max(0);
    let data = if length == 0 {
        Vec::new()
    } else {
        reply_budget::claim(length as usize)?;
        read_at(&mut file, offset, length).unwrap_or_default()
    };
    Ok((data, size, overflow))
}

fn read_at(file: &mut File, start: i64, length: i64) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(start.max(0) as u64))?;
    let mut data = Vec::new();
    // A failed allocation is an error for this reply, never an abort of the daemon.
    data.try_reserve_exact(length.max(0) as usize)
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
    file.take(length.max(0) as u64).read_to_end(&mut data)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), content).unwrap();
        f
    }

    #[test]
    fn read_file_offsets() {
        let f = file(b"0123456789");
        assert_eq!(read_file(f.path(), 0, 0).unwrap(), b"0123456789");
        assert_eq!(read_file(f.path(), 2, 3).unwrap(), b"234");
        assert_eq!(read_file(f.path(), -4, 0).unwrap(), b"6789");
        assert_eq!(read_file(f.path(), -40, 0).unwrap(), b"0123456789");
        assert_eq!(read_file(f.path(), 20, 0).unwrap(), b"");
        assert_eq!(
            read_file(f.path(), -4, 2).unwrap_err().code,
            FaultCode::BadArguments
        );
        assert_eq!(
            read_file(f.path(), 0, -2).unwrap_err().code,
            FaultCode::BadArguments
        );
        assert_eq!(
            read_file(Path::new("/no/such"), 0, 0).unwrap_err().code,
            FaultCode::Failed
        );
    }

    #[test]
    fn tail_file_follows_supervisor() {
        let f = file(b"0123456789");
        assert_eq!(
            tail_file(f.path(), 0, 4).unwrap(),
            (b"6789".to_vec(), 10, true)
        );
        assert_eq!(
            tail_file(f.path(), 10, 4).unwrap(),
            (b"".to_vec(), 10, false)
        );
        assert_eq!(
            tail_file(f.path(), 8, 4).unwrap(),
            (b"6789".to_vec(), 10, false)
        );
        assert_eq!(
            tail_file(f.path(), 0, 100).unwrap(),
            (b"0123456789".to_vec(), 10, false)
        );
        assert_eq!(
            tail_file(Path::new("/no/such"), 5, 4).unwrap(),
            (vec![], 5, false)
        );
    }
}
