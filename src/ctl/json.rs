//! JSON text for `status --json` and `avail --json`: the XML-RPC structs as the server sent
//! them (same member names), one document per line. A dozen lines by hand rather than
//! serde_json: the values are already a tree, and the client stays small.

use std::fmt::Write as _;

use crate::rpc::xmlrpc::Value;

/// One XML-RPC value as compact JSON.
pub fn encode(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Double(d) if d.is_finite() => {
            let _ = write!(out, "{d}");
        }
        Value::Double(_) | Value::Nil => out.push_str("null"),
        Value::String(s) | Value::DateTime(s) => write_string(out, s),
        Value::Base64(bytes) => write_string(out, &String::from_utf8_lossy(bytes)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Struct(members) => {
            out.push('{');
            for (i, (name, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    // One JSON string escaper for the crate: the web UI's (its `<` escaping is valid JSON too).
    out.push_str(&crate::rpc::web::text::json(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_structs_and_escapes() {
        let v = Value::Array(vec![Value::from_pairs([
            ("name", Value::String("a\"b\n".into())),
            ("pid", Value::Int(12)),
            ("ok", Value::Bool(true)),
        ])]);
        assert_eq!(encode(&v), r#"[{"name":"a\"b\n","pid":12,"ok":true}]"#);
    }
}
