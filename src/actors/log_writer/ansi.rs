//! `strip_ansi`: Supervisor's `stripEscapes` (dispatchers.py) as a state machine that survives
//! chunk boundaries. Supervisor strips each read on its own, so an escape split across two reads
//! leaks into the log; here the state (inside a sequence, or a trailing ESC) carries over.
//!
//! The rule is Supervisor's: from `ESC [` up to and including the first byte among
//! `H f A B C D R s u J K h l p m`, everything is dropped. A lone ESC not followed by `[` is kept.

const ESC: u8 = 0x1b;

fn is_terminator(b: u8) -> bool {
    matches!(
        b,
        b'H' | b'f'
            | b'A'
            | b'B'
            | b'C'
            | b'D'
            | b'R'
            | b's'
            | b'u'
            | b'J'
            | b'K'
            | b'h'
            | b'l'
            | b'p'
            | b'm'
    )
}

/// Where the previous chunk left off.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnsiStripper {
    #[default]
    Text,
    /// The previous chunk ended with ESC: held back until we see whether `[` follows.
    Esc,
    /// Inside `ESC [ ...`, waiting for a terminator.
    Sequence,
}

impl AnsiStripper {
    /// Append `input` minus escape sequences to `out`.
    pub(crate) fn strip_into(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match *self {
                AnsiStripper::Sequence => {
                    if is_terminator(b) {
                        *self = AnsiStripper::Text;
                    }
                    i += 1;
                }
                AnsiStripper::Esc => {
                    if b == b'[' {
                        *self = AnsiStripper::Sequence;
                        i += 1;
                    } else {
                        // Not a sequence after all: the held ESC is text; `b` is looked at again.
                        out.push(ESC);
                        *self = AnsiStripper::Text;
                    }
                }
                AnsiStripper::Text => {
                    // Copy the run up to the next ESC in one go.
                    let run = input[i..]
                        .iter()
                        .position(|&c| c == ESC)
                        .unwrap_or(input.len() - i);
                    out.extend_from_slice(&input[i..i + run]);
                    i += run;
                    if i < input.len() {
                        *self = AnsiStripper::Esc;
                        i += 1;
                    }
                }
            }
        }
    }

    /// At end of output: a held ESC was text after all.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        if *self == AnsiStripper::Esc {
            out.push(ESC);
        }
        *self = AnsiStripper::Text;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip_chunks(chunks: &[&[u8]]) -> Vec<u8> {
        let mut s = AnsiStripper::default();
        let mut out = Vec::new();
        for c in chunks {
            s.strip_into(c, &mut out);
        }
        s.finish(&mut out);
        out
    }

    #[test]
    fn strips_like_supervisor() {
        // Cases from Supervisor's test_dispatchers.py stripEscapes tests, plus edge cases.
        assert_eq!(
            strip_chunks(&[b"\x1b[1mHello\x1b[0m world"]),
            b"Hello world"
        );
        assert_eq!(strip_chunks(&[b"\x1b[34mblue\x1b[2J"]), b"blue");
        assert_eq!(strip_chunks(&[b"no escapes"]), b"no escapes");
        assert_eq!(strip_chunks(&[b"lone \x1b here"]), b"lone \x1b here");
        assert_eq!(strip_chunks(&[b"a\x1b\x1b[mb"]), b"a\x1bb");
        // An unterminated sequence swallows the rest, as in Supervisor.
        assert_eq!(strip_chunks(&[b"x\x1b[12;3"]), b"x");
    }

    #[test]
    fn strips_across_chunk_boundaries() {
        let whole: &[u8] = b"pre\x1b[1;31mred\x1b[0m post\x1b";
        let expected = strip_chunks(&[whole]);
        assert_eq!(expected, b"prered post\x1b");
        for cut in 0..=whole.len() {
            for cut2 in cut..=whole.len() {
                let got = strip_chunks(&[&whole[..cut], &whole[cut..cut2], &whole[cut2..]]);
                assert_eq!(got, expected, "cuts at {cut}, {cut2}");
            }
        }
    }
}
