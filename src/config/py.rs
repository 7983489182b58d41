//! Python string semantics that Supervisor's behaviour leaks through: `str.isspace`,
//! `str.strip`, `repr()` of a string and `int()` of a string. Error texts quote values the
//! way Python's `%r` does, so a user's grep for Supervisor's message finds ours too.

/// Python's `str.isspace` for one character. Rust's `char::is_whitespace` misses the four
/// information separators U+001C..U+001F, which Python counts as whitespace.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
pub(crate) fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Python's `str.rstrip()`.
pub(crate) fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

/// Python's `repr()` of a `str`: single quotes unless the text holds a single quote and no
/// double quote; backslash escapes for control characters.
pub fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_unprintable(c) => out.push_str(&escape_unprintable(c)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn is_unprintable(c: char) -> bool {
    c.is_control() || (is_space(c) && c != ' ') || matches!(c, '\u{2028}' | '\u{2029}')
}

fn escape_unprintable(c: char) -> String {
    let n = c as u32;
    if n <= 0xff {
        format!("\\x{n:02x}")
    } else if n <= 0xffff {
        format!("\\u{n:04x}")
    } else {
        format!("\\U{n:08x}")
    }
}

/// Python's `int(s)` (base 10): surrounding whitespace, an optional sign, digits with single
/// underscores between them. The error is Python's own text.
pub(crate) fn int(s: &str) -> Result<i64, String> {
    parse_int_digits(s, 10)
        .ok_or_else(|| format!("invalid literal for int() with base 10: {}", repr(s)))
}

/// Python's `int(s, 8)`: as [`int`], and a `0o` prefix is allowed.
pub(crate) fn int_octal(s: &str) -> Option<i64> {
    parse_int_digits(s, 8)
}

fn parse_int_digits(s: &str, radix: u32) -> Option<i64> {
    let body = strip(s);
    let (negative, body) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let body = if radix == 8 {
        strip_octal_prefix(body)
    } else {
        body
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    let mut value: i64 = 0;
    for c in body.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(radix)? as i64;
        value = value.checked_mul(radix as i64)?.checked_add(digit)?;
    }
    Some(if negative { -value } else { value })
}

/// `int("0o_17", 8)` is valid Python: the prefix may be followed by one underscore.
fn strip_octal_prefix(body: &str) -> &str {
    match body.get(..2) {
        Some("0o") | Some("0O") => {
            let rest = &body[2..];
            rest.strip_prefix('_').unwrap_or(rest)
        }
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(repr("abc"), "'abc'");
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(repr("x\n"), "'x\\n'");
        assert_eq!(repr("a\\b"), "'a\\\\b'");
        assert_eq!(repr("\u{1}é"), "'\\x01é'");
    }

    #[test]
    fn int_follows_python() {
        assert_eq!(int(" 42 "), Ok(42));
        assert_eq!(int("-1_000"), Ok(-1000));
        assert_eq!(int("+7"), Ok(7));
        assert_eq!(
            int("abc"),
            Err("invalid literal for int() with base 10: 'abc'".to_string())
        );
        assert!(int("1__0").is_err());
        assert!(int("_1").is_err());
        assert!(int("").is_err());
    }

    #[test]
    fn octal_follows_python() {
        assert_eq!(int_octal("022"), Some(0o22));
        assert_eq!(int_octal("0o22"), Some(0o22));
        assert_eq!(int_octal("8"), None);
    }

    #[test]
    fn strip_knows_python_whitespace() {
        assert_eq!(strip("\u{1c} a \t\n"), "a");
        assert_eq!(rstrip(" a \u{85}"), " a");
    }
}
