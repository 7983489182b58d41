//! The small text codecs the web UI needs, each matching what Supervisor's web.py gets from
//! Python's standard library: form and query decoding (`urllib.parse.parse_qsl`), URL quoting
//! (`urllib.parse.quote`), plus HTML escaping for the pages (JSON is `crate::rpc::json`).

/// Decodes `a=1&b=x+y` as `parse_qsl` does by default: pairs split on `&`, `+` is a space,
/// `%XX` escapes decode as UTF-8 (lossy), and pairs without `=` or with an empty value are
/// dropped (`keep_blank_values=False`), so `?processname=` means no process name at all.
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (unquote_plus(k), unquote_plus(v)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// `urllib.parse.unquote_plus`.
fn unquote_plus(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `urllib.parse.quote(s)`: everything but letters, digits, `_.-~` and `/` is `%XX`-escaped,
/// byte by byte of the UTF-8. Used for the `?message=` of a redirect and for process names
/// in links, so both read exactly as Supervisor's do.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_as_parse_qsl() {
        assert_eq!(
            parse_form("processname=g%3Aa&action=stop"),
            vec![
                ("processname".into(), "g:a".into()),
                ("action".into(), "stop".into())
            ]
        );
        assert_eq!(
            parse_form("message=a+b%20c&x&processname=&y=%zz"),
            vec![
                ("message".into(), "a b c".into()),
                ("y".into(), "%zz".into())
            ]
        );
        assert_eq!(parse_form("a=%C3%A9%"), vec![("a".into(), "é%".into())]);
        assert_eq!(parse_form(""), vec![]);
    }

    #[test]
    fn quoting_matches_urllib() {
        assert_eq!(quote("Process g:a stopped"), "Process%20g%3Aa%20stopped");
        assert_eq!(quote("a/b_c.d-e~f"), "a/b_c.d-e~f");
        assert_eq!(quote("é&"), "%C3%A9%26");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
