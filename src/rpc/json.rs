//! JSON text for the API (/api/v1), the web UI and `supervisorctl --json`: serde_json, with
//! `<`, U+2028 and U+2029 escaped so that the text is also safe inside an HTML `<script>`,
//! and XML-RPC values converted member for member, in the order the server sent them.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use super::xmlrpc::Value;

/// `value` as compact JSON.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
    // Serialising plain data into memory cannot fail: maps here have string keys.
    value
        .serialize(&mut serializer)
        .expect("JSON serialisation");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// An XML-RPC value as JSON text (`supervisorctl status --json`).
pub fn encode_xmlrpc(value: &Value) -> String {
    to_string(&from_xmlrpc(value))
}

/// An XML-RPC value as JSON: structs become objects, arrays arrays, binary data lossy text.
pub fn from_xmlrpc(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Int(i) => J::from(*i),
        Value::Bool(b) => J::Bool(*b),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(J::Null, J::Number),
        Value::Nil => J::Null,
        Value::String(s) | Value::DateTime(s) => J::String(s.clone()),
        Value::Base64(bytes) => J::String(String::from_utf8_lossy(bytes).into_owned()),
        Value::Array(items) => J::Array(items.iter().map(from_xmlrpc).collect()),
        Value::Struct(members) => J::Object(
            members
                .iter()
                .map(|(name, item)| (name.to_string(), from_xmlrpc(item)))
                .collect(),
        ),
    }
}

/// serde_json's compact output, with the three characters a `<script>` cannot hold raw
/// written as `\u` escapes.
struct ScriptSafe;

impl Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(['<', '\u{2028}', '\u{2029}']) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().unwrap_or('<');
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        CompactFormatter.write_string_fragment(writer, rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structs_keep_their_order_and_scripts_stay_closed() {
        let v = Value::Array(vec![Value::from_pairs([
            ("name", Value::String("a\"b\n</script>\u{2028}".into())),
            ("pid", Value::Int(12)),
            ("ok", Value::Bool(true)),
        ])]);
        assert_eq!(
            to_string(&from_xmlrpc(&v)),
            r#"[{"name":"a\"b\n\u003c/script>\u2028","pid":12,"ok":true}]"#
        );
        assert_eq!(to_string("\u{1}"), r#""\u0001""#);
    }
}
