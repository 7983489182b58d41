//! `environment_file=`: files of `KEY=VALUE` lines in systemd's EnvironmentFile format
//! (systemd.exec(5)), read at each spawn so that an edited file and a restart are enough.
//!
//! The format, as systemd's parser reads it: blank lines, lines starting with `#` or `;` and
//! lines without `=` are skipped; whitespace around the key and around an unquoted value is
//! dropped, interior whitespace kept; an unquoted value takes POSIX shell's unquoted
//! backslash rules (`\x` is `x`, a backslash at the end of a line joins the next one); a
//! `'...'` value is literal and may span lines; a `"..."` value honours `\"`, `\\`, `` \` ``
//! and `\$` and joins lines at `\` + newline, keeping any other backslash. A name that is not
//! a valid environment name (letters, digits, `_`, not starting with a digit) is skipped, as
//! systemd skips it. No `export`, no `$VAR` expansion: systemd has neither.

use std::ffi::OsString;
use std::io;

use crate::config::EnvironmentFile;

/// Reads every file of `files` in order into `env`: a later assignment of a name replaces an
/// earlier one. A missing optional file is skipped; any other failure names the file.
pub fn read_all(
    files: &[EnvironmentFile],
    env: &mut Vec<(OsString, OsString)>,
) -> Result<(), String> {
    for file in files {
        let text = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(e) if file.optional && e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(format!(
                    "couldn't read environment_file {}: {}",
                    file.path.display(),
                    super::errno_name(&e)
                ))
            }
        };
        for (key, value) in parse(&String::from_utf8_lossy(&text)) {
            env.retain(|(k, _)| *k != *key);
            env.push((key.into(), value.into()));
        }
    }
    Ok(())
}

/// Where the parser is within a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    PreKey,
    Key,
    PreValue,
    Value,
    ValueEscape,
    SingleQuoted,
    DoubleQuoted,
    DoubleQuotedEscape,
    Comment,
}

const NEWLINE: &[char] = &['\n', '\r'];
const WHITESPACE: &[char] = &[' ', '\t', '\n', '\r'];
/// What a backslash keeps as itself inside double quotes (POSIX shell's list).
const DOUBLE_QUOTE_ESCAPES: &[char] = &['"', '\\', '`', '$'];

/// The assignments of one file's text, in order; invalid names are left out.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut state = State::PreKey;
    let (mut key, mut value) = (String::new(), String::new());
    // Where trailing whitespace of the unquoted value started, to drop it at the line's end.
    let mut value_trailing: Option<usize> = None;
    let mut finish = |key: &mut String, value: &mut String| {
        let name = key.trim_end_matches(WHITESPACE);
        if is_valid_name(name) {
            pairs.push((name.to_string(), std::mem::take(value)));
        }
        key.clear();
        value.clear();
    };
    for c in text.chars() {
        let newline = NEWLINE.contains(&c);
        let blank = WHITESPACE.contains(&c);
        state = match state {
            State::PreKey if c == '#' || c == ';' => State::Comment,
            State::PreKey if blank => State::PreKey,
            // A line starting with `=` has no name: it is read, then skipped as invalid.
            State::PreKey if c == '=' => {
                key.push(c);
                State::Key
            }
            State::PreKey | State::Key if !newline && c != '=' => {
                key.push(c);
                State::Key
            }
            State::Key if newline => {
                key.clear();
                State::PreKey
            }
            State::Key => State::PreValue,
            State::PreValue | State::Value if newline => {
                if state == State::Value {
                    value.truncate(value_trailing.unwrap_or(value.len()));
                }
                finish(&mut key, &mut value);
                State::PreKey
            }
            State::PreValue if c == '\'' => State::SingleQuoted,
            State::PreValue if c == '"' => State::DoubleQuoted,
            State::PreValue | State::Value if c == '\\' => {
                value_trailing = None;
                State::ValueEscape
            }
            State::PreValue if blank => State::PreValue,
            State::PreValue | State::Value => {
                if !blank {
                    value_trailing = None;
                } else if value_trailing.is_none() {
                    value_trailing = Some(value.len());
                }
                value.push(c);
                State::Value
            }
            State::ValueEscape => {
                // A backslash before a newline joins the lines; before anything else it
                // keeps that character.
                if !newline {
                    value.push(c);
                }
                State::Value
            }
            State::SingleQuoted if c == '\'' => State::PreValue,
            State::DoubleQuoted if c == '"' => State::PreValue,
            State::DoubleQuoted if c == '\\' => State::DoubleQuotedEscape,
            State::SingleQuoted | State::DoubleQuoted => {
                value.push(c);
                state
            }
            State::DoubleQuotedEscape => {
                if DOUBLE_QUOTE_ESCAPES.contains(&c) {
                    value.push(c);
                } else if c != '\n' {
                    value.push('\\');
                    value.push(c);
                }
                State::DoubleQuoted
            }
            State::Comment if newline => State::PreKey,
            State::Comment => State::Comment,
            State::PreKey => State::PreKey,
        };
    }
    match state {
        State::PreKey | State::Key | State::Comment => {}
        State::Value => {
            value.truncate(value_trailing.unwrap_or(value.len()));
            finish(&mut key, &mut value);
        }
        _ => finish(&mut key, &mut value),
    }
    pairs
}

/// systemd's `env_name_is_valid`: letters, digits and `_`, not starting with a digit.
fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text)
    }

    fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn plain_lines_comments_and_blanks() {
        let text = "# a comment\n; another\n\nA=1\n  B = two words  \nnot an assignment\nC=\n";
        assert_eq!(
            pairs(text),
            kv(&[("A", "1"), ("B", "two words"), ("C", "")])
        );
    }

    #[test]
    fn quotes_as_systemd_reads_them() {
        let text = "S='a \"b\" $c \\n'\nD=\"x \\\"y\\\" \\$z \\n\"\nM='one\ntwo'\nJ=\"a\"'b'c\n";
        assert_eq!(
            pairs(text),
            kv(&[
                ("S", "a \"b\" $c \\n"),
                ("D", "x \"y\" $z \\n"),
                ("M", "one\ntwo"),
                ("J", "abc"),
            ])
        );
    }

    #[test]
    fn backslashes_and_continuations() {
        let text = "U=a\\ b\\\\c\\\n  d\nQ=\"x\\\ny\"\nE=end\\";
        assert_eq!(
            pairs(text),
            kv(&[("U", "a b\\c  d"), ("Q", "xy"), ("E", "end")])
        );
    }

    #[test]
    fn invalid_names_are_skipped_and_crlf_ends_lines() {
        let text = "1X=no\nexport Y=no\n=X=no\nOK_1=yes\r\nLAST=z";
        assert_eq!(pairs(text), kv(&[("OK_1", "yes"), ("LAST", "z")]));
    }
}
