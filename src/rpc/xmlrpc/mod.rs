//! XML-RPC codec: the `Value` model, `decode_call` / `decode_response` and the
//! `encode_*` functions that turn values back into the exact text Python's
//! `xmlrpc.client.dumps` produces.
//!
//! This module knows nothing of Supervisor's methods or fault codes (that is
//! `rpc/methods.rs`); it only moves values between bytes and Rust. The one fact
//! to know first: decoding runs on untrusted bytes from any local user, so it
//! never panics, bounds its nesting depth ([`MAX_DEPTH`]) and allocates at most a
//! small multiple of the input size.

mod decode;
mod encode;
#[cfg(test)]
mod tests;
mod tokens;

pub use decode::{decode_call, decode_response, DecodeError, MAX_DEPTH};
pub use encode::{encode_call, encode_fault, encode_response};

/// A struct member's name: the names our replies use are static, so building a reply of
/// 1 000 process structs copies none of them; decoded names are owned.
pub type Key = std::borrow::Cow<'static, str>;

/// One XML-RPC value.
///
/// `Nil` exists only because clients may send `<nil/>` (Python's
/// `allow_none=True`, Apache's `<ex:nil/>`). We never emit `<nil/>`:
/// Supervisor's server marshals without `allow_none`, so stock clients in other
/// languages need not understand it. The encoder writes a `Nil` as an empty
/// `<string>` instead of failing, so a bug that lets one through degrades a
/// single field rather than the whole response.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>`, `<i4>`, `<i8>` (and Python's `<i1>`, `<i2>`, `<biginteger>`).
    /// Encoded as `<int>` whatever its size: use [`Value::capped_int`] where
    /// Supervisor clamps to 32 bits.
    Int(i64),
    Bool(bool),
    /// `<string>` or a bare `<value>text</value>`.
    String(String),
    Double(f64),
    /// The text of `<dateTime.iso8601>` (e.g. `20240102T03:04:05`), kept
    /// verbatim: Supervisor never sends one, and parsing it here would only
    /// add ways to reject a call.
    DateTime(String),
    Base64(Vec<u8>),
    Array(Vec<Value>),
    /// Members in the order received. Decoding merges a repeated name into the
    /// first slot with the last value, as a Python `dict` would.
    Struct(Vec<(Key, Value)>),
    Nil,
}

impl Value {
    /// An `Int` clamped to ±(2^31-1), as Supervisor's `capped_int` does for
    /// pids, timestamps and sizes, so 32-bit clients never see an overflow.
    pub fn capped_int(i: i64) -> Value {
        Value::Int(i.clamp(i32::MIN.into(), i32::MAX.into()))
    }

    /// A `Struct` from `(name, value)` pairs, keeping their order.
    pub fn from_pairs<K: Into<Key>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Struct(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_struct(&self) -> Option<&[(Key, Value)]> {
        match self {
            Value::Struct(members) => Some(members),
            _ => None,
        }
    }

    /// The member `name` of a `Struct`; `None` for a missing member or a
    /// value that is not a struct.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_struct()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The XML-RPC type name, for "expected string, got int" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Bool(_) => "boolean",
            Value::String(_) => "string",
            Value::Double(_) => "double",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Base64(_) => "base64",
            Value::Array(_) => "array",
            Value::Struct(_) => "struct",
            Value::Nil => "nil",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

/// Only `i32` converts implicitly: a wider integer must go through
/// [`Value::capped_int`] or `Value::Int` so that the choice is visible.
impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Value {
        Value::Double(d)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

/// A decoded `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// Verbatim, not trimmed: Python looks names up as sent, so
    /// `" supervisor.getState"` is an unknown method there too.
    pub method: String,
    pub params: Vec<Value>,
}
