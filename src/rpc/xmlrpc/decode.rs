//! Decoders: `<methodCall>` and `<methodResponse>` bytes to `Value`s, by
//! recursive descent over the tokens of tokens.rs.
//!
//! We accept what Python's `xmlrpc.client` and Supervisor's own request parser
//! accept from real clients (a bare `<value>text</value>`, whitespace between
//! elements, `<i8>`, `<nil/>`, empty or missing `<params>`) and reject with a
//! `DecodeError` what would only be guessed at (unknown value types, stray
//! text, bad ints and booleans).
//!
//! Resource bounds, since the input is untrusted: recursion is one level per
//! `<array>`/`<struct>`, capped at [`MAX_DEPTH`]; every allocation is a `Value`
//! or text made from input bytes (at most ~8x the input for a long run of
//! `<value/>`, counting `Vec` growth), plus a 2x copy for ISO-8859-1 bodies.
//! The fuzz target (fuzz/) checks a 16x budget.

use super::tokens::{is_blank, snippet, trim, unexpected, utf8_text, Token, Tokens};
use super::{Key, MethodCall, Value};
use base64::Engine as _;
use std::collections::hash_map::{Entry, HashMap};

/// How many `<array>`/`<struct>` levels may nest. Supervisor's deepest value is
/// `system.multicall`'s array of structs of arrays (3); 64 leaves room for any
/// sane client and keeps our recursion (and the encoder's) shallow.
pub const MAX_DEPTH: usize = 64;

/// Why a body is not an XML-RPC call or response we accept. The texts are for
/// the daemon's log (Supervisor answers 400 without a body).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("malformed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("body is not valid UTF-8")]
    InvalidUtf8,
    #[error("unsupported encoding {0:?} (only UTF-8 and ISO-8859-1 are accepted)")]
    UnsupportedEncoding(String),
    #[error("character U+{0:04X} is not allowed in XML")]
    InvalidChar(u32),
    #[error("unknown entity &{0};")]
    UnknownEntity(String),
    #[error("DOCTYPE declarations are not accepted")]
    DocType,
    #[error("unexpected <{found}>, expected {expected}")]
    UnexpectedElement {
        found: String,
        expected: &'static str,
    },
    #[error("unexpected </{found}>, expected {expected}")]
    UnexpectedEnd {
        found: String,
        expected: &'static str,
    },
    #[error("unexpected text {found:?}, expected {expected}")]
    UnexpectedText {
        found: String,
        expected: &'static str,
    },
    #[error("document ended early, expected {expected}")]
    UnexpectedEof { expected: &'static str },
    #[error("no <methodName> (or an empty one)")]
    MissingMethodName,
    #[error("unknown value type <{0}>")]
    UnknownType(String),
    #[error("bad int {0:?}")]
    BadInt(String),
    #[error("bad boolean {0:?} (expected 0 or 1)")]
    BadBoolean(String),
    #[error("bad double {0:?}")]
    BadDouble(String),
    #[error("bad base64: {0}")]
    BadBase64(String),
    #[error("values nested deeper than {MAX_DEPTH} arrays/structs")]
    TooDeep,
    #[error("bad response: {0}")]
    BadResponse(String),
}

pub(super) type Result<T> = std::result::Result<T, DecodeError>;

/// Decode a `<methodCall>`. `<params>` may be empty or missing.
pub fn decode_call(body: &[u8]) -> Result<MethodCall> {
    let text = utf8_text(body)?;
    let mut p = Tokens::new(&text);
    p.expect_start("methodCall", "<methodCall>")?;
    let method = match p.next_element("<methodName>")? {
        Token::Start(n) if n == "methodName" => p.text("methodName")?,
        Token::Start(n) if n == "params" => return Err(DecodeError::MissingMethodName),
        Token::End(n) if n == "methodCall" => return Err(DecodeError::MissingMethodName),
        tok => return Err(unexpected(tok, "<methodName>")),
    };
    // Supervisor answers 400 to `<methodName/>` as to a missing one.
    if method.is_empty() {
        return Err(DecodeError::MissingMethodName);
    }
    let params = match p.next_element("<params> or </methodCall>")? {
        Token::Start(n) if n == "params" => {
            let params = params(&mut p)?;
            p.expect_end("methodCall", "</methodCall>")?;
            params
        }
        Token::End(n) if n == "methodCall" => Vec::new(),
        tok => return Err(unexpected(tok, "<params> or </methodCall>")),
    };
    p.expect_eof()?;
    Ok(MethodCall { method, params })
}

/// Decode a `<methodResponse>`: `Ok(Ok(value))` for a result, `Ok(Err((code,
/// message)))` for a fault, `Err` for a body that is neither.
pub fn decode_response(body: &[u8]) -> Result<std::result::Result<Value, (i32, String)>> {
    let text = utf8_text(body)?;
    let mut p = Tokens::new(&text);
    p.expect_start("methodResponse", "<methodResponse>")?;
    let result = match p.next_element("<params> or <fault>")? {
        Token::Start(n) if n == "params" => {
            let params = params(&mut p)?;
            let found = params.len();
            let [value] = <[Value; 1]>::try_from(params).map_err(|_| {
                DecodeError::BadResponse(format!("expected one param, found {found}"))
            })?;
            Ok(value)
        }
        Token::Start(n) if n == "fault" => {
            p.expect_start("value", "<value>")?;
            let fault = value(&mut p, 0)?;
            p.expect_end("fault", "</fault>")?;
            Err(fault_parts(&fault)?)
        }
        tok => return Err(unexpected(tok, "<params> or <fault>")),
    };
    p.expect_end("methodResponse", "</methodResponse>")?;
    p.expect_eof()?;
    Ok(result)
}

fn fault_parts(fault: &Value) -> Result<(i32, String)> {
    let bad = |why: &str| DecodeError::BadResponse(format!("fault {why}"));
    let code = fault
        .get("faultCode")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("has no int faultCode"))?;
    let code = i32::try_from(code).map_err(|_| bad("code is out of range"))?;
    let message = fault
        .get("faultString")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("has no string faultString"))?;
    Ok((code, message.to_owned()))
}

/// The `<param>`s of a `<params>` whose start was just read.
fn params(t: &mut Tokens) -> Result<Vec<Value>> {
    let mut params = Vec::new();
    loop {
        match t.next_element("<param> or </params>")? {
            Token::Start(n) if n == "param" => {
                t.expect_start("value", "<value>")?;
                params.push(value(t, 0)?);
                t.expect_end("param", "</param>")?;
            }
            Token::End(n) if n == "params" => return Ok(params),
            tok => return Err(unexpected(tok, "<param> or </params>")),
        }
    }
}

/// The content of a `<value>` whose start was just read, inside `depth`
/// arrays/structs.
fn value(t: &mut Tokens, depth: usize) -> Result<Value> {
    const TYPE: &str = "a value type such as <string>";
    let tag = match t.next()? {
        // `<value/>` and `<value></value>`: an empty string, as in Python.
        Token::End(n) if n == "value" => return Ok(Value::String(String::new())),
        Token::Start(tag) => tag,
        Token::Text(text) => match t.next()? {
            // A bare `<value>text</value>` is a string, whitespace and all.
            Token::End(n) if n == "value" => return Ok(Value::String(text)),
            Token::Start(tag) if is_blank(&text) => tag,
            Token::Start(_) => {
                return Err(DecodeError::UnexpectedText {
                    found: snippet(&text),
                    expected: TYPE,
                })
            }
            tok => return Err(unexpected(tok, "</value>")),
        },
        tok => return Err(unexpected(tok, TYPE)),
    };
    let value = typed(t, &tag, depth)?;
    t.expect_end("value", "</value>")?;
    Ok(value)
}

/// The content of the type element `tag` inside a `<value>`.
fn typed(t: &mut Tokens, tag: &str, depth: usize) -> Result<Value> {
    Ok(match tag {
        // Python's client reads all of these; Supervisor's only int and i4.
        "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => {
            let text = t.text(tag)?;
            Value::Int(parse_int(trim(&text)).ok_or_else(|| DecodeError::BadInt(snippet(&text)))?)
        }
        "boolean" => match trim(&t.text(tag)?) {
            "1" => Value::Bool(true),
            "0" => Value::Bool(false),
            other => return Err(DecodeError::BadBoolean(snippet(other))),
        },
        "string" => Value::String(t.text(tag)?),
        "double" | "float" => {
            let text = t.text(tag)?;
            Value::Double(
                trim(&text)
                    .parse()
                    .map_err(|_| DecodeError::BadDouble(snippet(&text)))?,
            )
        }
        "dateTime.iso8601" => Value::DateTime(trim(&t.text(tag)?).to_owned()),
        "base64" => Value::Base64(decode_base64(&t.text(tag)?)?),
        "nil" => {
            let text = t.text(tag)?;
            if !is_blank(&text) {
                return Err(DecodeError::UnexpectedText {
                    found: snippet(&text),
                    expected: "</nil>",
                });
            }
            Value::Nil
        }
        "array" | "struct" if depth >= MAX_DEPTH => return Err(DecodeError::TooDeep),
        "array" => {
            t.expect_start("data", "<data>")?;
            let mut items = Vec::new();
            loop {
                match t.next_element("<value> or </data>")? {
                    Token::Start(n) if n == "value" => items.push(value(t, depth + 1)?),
                    Token::End(n) if n == "data" => break,
                    tok => return Err(unexpected(tok, "<value> or </data>")),
                }
            }
            t.expect_end("array", "</array>")?;
            Value::Array(items)
        }
        "struct" => {
            let mut members = Vec::new();
            loop {
                match t.next_element("<member> or </struct>")? {
                    Token::Start(n) if n == "member" => {
                        t.expect_start("name", "<name>")?;
                        let name = t.text("name")?;
                        t.expect_start("value", "<value>")?;
                        let value = value(t, depth + 1)?;
                        t.expect_end("member", "</member>")?;
                        members.push((name.into(), value));
                    }
                    Token::End(n) if n == "struct" => break,
                    tok => return Err(unexpected(tok, "<member> or </struct>")),
                }
            }
            merge_duplicates(&mut members);
            Value::Struct(members)
        }
        other => return Err(DecodeError::UnknownType(snippet(other))),
    })
}

fn parse_int(text: &str) -> Option<i64> {
    // i64::from_str takes a leading '+' or '-' and plain digits, like int().
    text.parse().ok()
}

/// Base64 as `base64.decodebytes` reads it: line breaks and spaces anywhere,
/// padding optional.
fn decode_base64(text: &str) -> Result<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: Vec<u8> = text.bytes().filter(|b| !b" \t\n\r".contains(b)).collect();
    ENGINE
        .decode(compact)
        .map_err(|e| DecodeError::BadBase64(e.to_string()))
}

/// Repeated member names: the first slot keeps the last value, as a Python
/// dict built from the pairs would. Hashing keeps a struct with thousands of
/// members linear, not quadratic.
fn merge_duplicates(members: &mut Vec<(Key, Value)>) {
    if members.len() < 2 {
        return;
    }
    let mut moves = Vec::new();
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(members.len());
    for (i, (name, _)) in members.iter().enumerate() {
        match first_of.entry(name) {
            Entry::Occupied(first) => moves.push((*first.get(), i)),
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    drop(first_of);
    if moves.is_empty() {
        return;
    }
    let mut keep = vec![true; members.len()];
    for (first, dup) in moves {
        members.swap(first, dup);
        keep[dup] = false;
    }
    let mut i = 0;
    members.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}
