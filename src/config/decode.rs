//! A config file's bytes -> its text. Supervisor opens config files in text mode, so they
//! are decoded as UTF-8 (the locale's encoding wherever Python 3.7+ runs with a C or UTF-8
//! locale) and a byte that does not decode stops the start with the decoder's error.
//!
//! We keep the decoder's words (`'utf-8' codec can't decode byte 0xff in position 84: invalid
//! start byte`) so a grep for Python's message finds ours, and add what Python leaves out: the
//! file and the line. Our position is the byte offset from the start of the file; Python's
//! counts from the start of the 8 KiB chunk its reader was decoding, so past the first chunk
//! the two differ.

use std::str::Utf8Error;

use super::{py, ConfigError};

/// The text of `bytes`, read from `file` (named as the user gave it).
pub(crate) fn decode(bytes: Vec<u8>, file: &str) -> Result<String, ConfigError> {
    String::from_utf8(bytes).map_err(|e| {
        let (bytes, error) = (e.as_bytes(), e.utf8_error());
        ConfigError::new(format!(
            "{} (file: {}, line {})",
            python_message(bytes, error),
            py::repr(file),
            line_of(bytes, error.valid_up_to())
        ))
    })
}

/// `str(UnicodeDecodeError)` for what Python's UTF-8 decoder reports at the same place: Rust
/// and Python both flag the longest prefix of a valid sequence (Unicode's "maximal subpart").
fn python_message(bytes: &[u8], error: Utf8Error) -> String {
    let start = error.valid_up_to();
    let (end, reason) = match error.error_len() {
        None => (bytes.len(), "unexpected end of data"),
        Some(1) if !is_lead_byte(bytes[start]) => (start + 1, "invalid start byte"),
        Some(len) => (start + len, "invalid continuation byte"),
    };
    if end - start == 1 {
        format!(
            "'utf-8' codec can't decode byte 0x{:02x} in position {start}: {reason}",
            bytes[start]
        )
    } else {
        format!(
            "'utf-8' codec can't decode bytes in position {start}-{}: {reason}",
            end - 1
        )
    }
}

/// A byte that can begin a multi-byte sequence (`0xc0`, `0xc1` and `0xf5..` never can).
fn is_lead_byte(byte: u8) -> bool {
    (0xc2..=0xf4).contains(&byte)
}

/// The line holding byte `offset`, counted as the reader counts them: `\n`, `\r\n` and a
/// lone `\r` each end a line (Python's universal newlines).
fn line_of(bytes: &[u8], offset: usize) -> usize {
    let before = &bytes[..offset];
    let lone_returns = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .count();
    1 + before.iter().filter(|&&b| b == b'\n').count() + lone_returns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(bytes: &[u8]) -> String {
        decode(bytes.to_vec(), "/etc/s.conf").unwrap_err().message
    }

    #[test]
    fn messages_are_pythons() {
        // Each expected text is what Python 3.11 prints for `bytes.decode('utf-8')`.
        let cases: [(&[u8], &str); 8] = [
            (
                b"a\xff",
                "can't decode byte 0xff in position 1: invalid start byte",
            ),
            (
                b"a\xc0\xaf",
                "can't decode byte 0xc0 in position 1: invalid start byte",
            ),
            (
                b"a\xe2",
                "can't decode byte 0xe2 in position 1: unexpected end of data",
            ),
            (
                b"a\xe2\x82",
                "can't decode bytes in position 1-2: unexpected end of data",
            ),
            (
                b"a\xe0\x80b",
                "can't decode byte 0xe0 in position 1: invalid continuation byte",
            ),
            (
                b"a\xed\xa0\x80",
                "can't decode byte 0xed in position 1: invalid continuation byte",
            ),
            (
                b"a\xe2\x82A",
                "can't decode bytes in position 1-2: invalid continuation byte",
            ),
            (
                b"a\xf0\x9f\x98",
                "can't decode bytes in position 1-3: unexpected end of data",
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                message(bytes),
                format!("'utf-8' codec {expected} (file: '/etc/s.conf', line 1)"),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn line_counts_every_newline_convention() {
        assert!(message(b"[a]\nx=1\r\ny=2\rz=\xff").ends_with("line 4)"));
        // A `\r` just before the bad byte still ends its line.
        assert!(message(b"[a]\r\xff").ends_with("line 2)"));
    }

    #[test]
    fn valid_text_is_unchanged() {
        assert_eq!(decode("[a]\nx=é\n".into(), "f").unwrap(), "[a]\nx=é\n");
    }
}
