//! Encoders: `Value`s to the text Python's `xmlrpc.client.dumps` writes, byte for
//! byte where Python's output is valid XML, so that `supervisorctl` and
//! `xmlrpc.client` (expat underneath) parse everything we send.
//!
//! Two deliberate departures from Python, both in string escaping, because
//! Python's `escape()` only handles `&`, `<`, `>` and so can emit documents that
//! expat then rejects or alters:
//! - characters XML 1.0 forbids (C0 controls other than tab, LF and CR, and
//!   U+FFFE/U+FFFF) become U+FFFD. They cannot be written even as `&#1;`, and
//!   one of them in a process description or log tail would otherwise make the
//!   client fail on the whole response.
//! - CR is written `&#13;`: a raw CR would reach the client as LF (XML
//!   end-of-line normalisation), and log tails should arrive as written.

use std::fmt::Write as _;

use super::Value;
use base64::Engine as _;

/// Python's `dumps` header for UTF-8 (it omits the encoding attribute).
const HEADER: &str = "<?xml version='1.0'?>\n";

/// Python's `base64.encodebytes` line length.
const BASE64_LINE: usize = 76;

/// A `<methodResponse>` carrying one value, as
/// `xmlrpc.client.dumps((value,), methodresponse=1)` writes it.
pub fn encode_response(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    out.push_str(HEADER);
    out.push_str("<methodResponse>\n<params>\n<param>\n");
    write_value(&mut out, value);
    out.push_str("</param>\n</params>\n</methodResponse>\n");
    out
}

/// A fault response, as `xmlrpc.client.dumps(Fault(code, message), methodresponse=1)`
/// writes it.
pub fn encode_fault(code: i32, message: &str) -> String {
    let mut out = String::with_capacity(256 + message.len());
    out.push_str(HEADER);
    out.push_str("<methodResponse>\n<fault>\n");
    write_value(
        &mut out,
        &Value::from_pairs([
            ("faultCode", Value::from(code)),
            ("faultString", Value::from(message)),
        ]),
    );
    out.push_str("</fault>\n</methodResponse>\n");
    out
}

/// A `<methodCall>`, as `xmlrpc.client.dumps(tuple(params), method)` writes it.
/// Unlike Python we escape the method name too, so no name breaks the document.
pub fn encode_call(method: &str, params: &[Value]) -> String {
    let mut out = String::with_capacity(128);
    out.push_str(HEADER);
    out.push_str("<methodCall>\n<methodName>");
    write_text(&mut out, method);
    out.push_str("</methodName>\n<params>\n");
    for param in params {
        out.push_str("<param>\n");
        write_value(&mut out, param);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

/// One `<value>...</value>\n`, laid out as Python's `Marshaller` does. Recurses
/// once per nesting level; decoded values are at most `MAX_DEPTH` deep, and the
/// values we build ourselves are shallow.
fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Int(i) => {
            out.push_str("<value><int>");
            let _ = write!(out, "{i}");
            out.push_str("</int></value>\n");
        }
        Value::Bool(b) => {
            out.push_str(if *b {
                "<value><boolean>1</boolean></value>\n"
            } else {
                "<value><boolean>0</boolean></value>\n"
            });
        }
        Value::String(s) => {
            out.push_str("<value><string>");
            write_text(out, s);
            out.push_str("</string></value>\n");
        }
        // See `Value::Nil`: never `<nil/>`, which Supervisor never sends.
        Value::Nil => out.push_str("<value><string></string></value>\n"),
        Value::Double(d) => {
            // `{:?}` is the shortest text that parses back to the same f64
            // ("1.5", "1e100", "inf", "NaN"); Python's float() reads all of it.
            out.push_str("<value><double>");
            out.push_str(&format!("{d:?}"));
            out.push_str("</double></value>\n");
        }
        Value::DateTime(t) => {
            out.push_str("<value><dateTime.iso8601>");
            write_text(out, t);
            out.push_str("</dateTime.iso8601></value>\n");
        }
        Value::Base64(bytes) => {
            out.push_str("<value><base64>\n");
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            // Base64 output is ASCII, so splitting at any byte offset is safe.
            for line in encoded.as_bytes().chunks(BASE64_LINE) {
                out.extend(line.iter().map(|&b| char::from(b)));
                out.push('\n');
            }
            out.push_str("</base64></value>\n");
        }
        Value::Array(items) => {
            out.push_str("<value><array><data>\n");
            for item in items {
                write_value(out, item);
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (name, member) in members {
                out.push_str("<member>\n<name>");
                write_text(out, name);
                out.push_str("</name>\n");
                write_value(out, member);
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
    }
}

/// Character data, escaped (see the module doc for CR and forbidden characters).
fn write_text(out: &mut String, text: &str) {
    // Most text (names, paths, descriptions) needs no escaping: copy it in one go. One pass
    // over the bytes tells: U+FFFE and U+FFFF are the only forbidden characters above the
    // controls, and both start with 0xEF in UTF-8, so text with that byte takes the slow path.
    if text
        .bytes()
        .all(|b| b >= 0x20 && !matches!(b, b'&' | b'<' | b'>' | 0xEF))
    {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if super::tokens::is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}
