//! Decoders: `<methodCall>` and `<methodResponse>` bytes to `Value`s, by recursive
//! descent over quick-xml events.
//!
//! What a reader needs first: quick-xml (>= 0.38) hands text over in pieces,
//! split at every entity or character reference (`a&amp;b` is Text, GeneralRef,
//! Text) and at CDATA sections and comments, so `Parser::next` glues the pieces
//! back into one `Token::Text` before the grammar sees it.
//!
//! We accept what Python's `xmlrpc.client` and Supervisor's own request parser
//! accept from real clients (namespace prefixes such as `<ex:nil/>`, a bare
//! `<value>text</value>`, whitespace between elements, a UTF-8 or ISO-8859-1
//! declaration) and reject with a `DecodeError` what expat would refuse as
//! malformed (forbidden characters, unknown entities) or what would only be
//! guessed at (unknown value types, stray text, bad ints and booleans).
//!
//! Resource bounds, since the input is untrusted: recursion is one level per
//! `<array>`/`<struct>`, capped at [`MAX_DEPTH`]; every allocation is a `Value`
//! or text made from input bytes (at most ~8x the input for a long run of
//! `<value/>`, counting `Vec` growth), plus a 2x copy for ISO-8859-1 bodies.
//! Nothing is read or resolved beyond the body: a DOCTYPE is refused outright.

use super::{MethodCall, Value};
use base64::Engine as _;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::borrow::Cow;
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

type Result<T> = std::result::Result<T, DecodeError>;

/// Decode a `<methodCall>`. `<params>` may be empty or missing.
pub fn decode_call(body: &[u8]) -> Result<MethodCall> {
    let text = utf8_text(body)?;
    let mut p = Parser::new(&text);
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
            let params = p.params()?;
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
    let mut p = Parser::new(&text);
    p.expect_start("methodResponse", "<methodResponse>")?;
    let result = match p.next_element("<params> or <fault>")? {
        Token::Start(n) if n == "params" => {
            let params = p.params()?;
            let found = params.len();
            let [value] = <[Value; 1]>::try_from(params).map_err(|_| {
                DecodeError::BadResponse(format!("expected one param, found {found}"))
            })?;
            Ok(value)
        }
        Token::Start(n) if n == "fault" => {
            p.expect_start("value", "<value>")?;
            let fault = p.value(0)?;
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

/// The body as UTF-8, transcoding ISO-8859-1 (what Python's client sends when
/// told `encoding='iso-8859-1'`). Other encodings are refused rather than
/// misread.
fn utf8_text(body: &[u8]) -> Result<Cow<'_, str>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match declared_encoding(body)?.as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii") => std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|_| DecodeError::InvalidUtf8),
        Some("iso-8859-1" | "iso8859-1" | "latin-1" | "latin1" | "l1") => {
            Ok(Cow::Owned(body.iter().map(|&b| char::from(b)).collect()))
        }
        Some(other) => Err(DecodeError::UnsupportedEncoding(snippet(other))),
    }
}

/// The lower-cased `encoding` of a leading XML declaration, if any.
fn declared_encoding(body: &[u8]) -> Result<Option<String>> {
    if !body.starts_with(b"<?xml") {
        return Ok(None);
    }
    let mut reader = Reader::from_reader(body);
    match reader.read_event() {
        Ok(Event::Decl(decl)) => match decl.encoding() {
            Some(Ok(enc)) => Ok(Some(String::from_utf8_lossy(&enc).to_ascii_lowercase())),
            Some(Err(e)) => Err(DecodeError::Xml {
                position: reader.buffer_position(),
                message: e.to_string(),
            }),
            None => Ok(None),
        },
        // Not a declaration after all (`<?xml-stylesheet?>`) or broken: the
        // main parse reports it.
        _ => Ok(None),
    }
}

/// What the grammar sees: elements by local name (prefix dropped, as Python
/// does for `ex:nil`) and text already glued together and unescaped.
#[derive(Debug)]
enum Token {
    Start(String),
    End(String),
    Text(String),
    Eof,
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    /// Tokens already read, last to be returned first: an element read while
    /// gluing text, and the End of an `Event::Empty`.
    pending: Vec<Token>,
    /// Whether any event was read: an XML declaration is legal only first.
    started: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_dangling_amp = false;
        Parser {
            reader,
            pending: Vec::with_capacity(2),
            started: false,
        }
    }

    fn xml_error(&self, message: impl ToString) -> DecodeError {
        DecodeError::Xml {
            position: self.reader.error_position(),
            message: message.to_string(),
        }
    }

    fn next(&mut self) -> Result<Token> {
        if let Some(tok) = self.pending.pop() {
            return Ok(tok);
        }
        let mut text: Option<String> = None;
        loop {
            let event = self.reader.read_event().map_err(|e| self.xml_error(e))?;
            let first = !self.started;
            self.started = true;
            let tok = match event {
                Event::Text(t) => {
                    let piece = t.xml10_content().map_err(|e| self.xml_error(e))?;
                    push_text(&mut text, &piece)?;
                    continue;
                }
                Event::CData(c) => {
                    let piece = c.xml10_content().map_err(|e| self.xml_error(e))?;
                    push_text(&mut text, &piece)?;
                    continue;
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().map_err(|e| self.xml_error(e))? {
                        Some(c) => c,
                        None => match r.as_ref() {
                            b"lt" => '<',
                            b"gt" => '>',
                            b"amp" => '&',
                            b"apos" => '\'',
                            b"quot" => '"',
                            other => {
                                let name = String::from_utf8_lossy(other);
                                return Err(DecodeError::UnknownEntity(snippet(&name)));
                            }
                        },
                    };
                    push_text(&mut text, c.encode_utf8(&mut [0; 4]))?;
                    continue;
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Decl(_) if first => continue,
                Event::Decl(_) => return Err(self.xml_error("XML declaration not at the start")),
                Event::DocType(_) => return Err(DecodeError::DocType),
                Event::Start(s) => Token::Start(local_name(s.local_name().as_ref())),
                // Not produced with `expand_empty_elements`; handled anyway
                // so a config change cannot turn `<value/>` into a panic.
                Event::Empty(s) => {
                    let name = local_name(s.local_name().as_ref());
                    self.pending.push(Token::End(name.clone()));
                    Token::Start(name)
                }
                Event::End(e) => Token::End(local_name(e.local_name().as_ref())),
                Event::Eof => Token::Eof,
            };
            return Ok(match text {
                Some(text) => {
                    self.pending.push(tok);
                    Token::Text(text)
                }
                None => tok,
            });
        }
    }

    /// The next element or end of document, skipping whitespace-only text.
    fn next_element(&mut self, expected: &'static str) -> Result<Token> {
        match self.next()? {
            Token::Text(t) if is_blank(&t) => self.next(),
            Token::Text(t) => Err(DecodeError::UnexpectedText {
                found: snippet(&t),
                expected,
            }),
            tok => Ok(tok),
        }
    }

    fn expect_start(&mut self, name: &str, expected: &'static str) -> Result<()> {
        match self.next_element(expected)? {
            Token::Start(n) if n == name => Ok(()),
            tok => Err(unexpected(tok, expected)),
        }
    }

    fn expect_end(&mut self, name: &str, expected: &'static str) -> Result<()> {
        match self.next_element(expected)? {
            Token::End(n) if n == name => Ok(()),
            tok => Err(unexpected(tok, expected)),
        }
    }

    fn expect_eof(&mut self) -> Result<()> {
        match self.next_element("end of document")? {
            Token::Eof => Ok(()),
            tok => Err(unexpected(tok, "end of document")),
        }
    }

    /// The text content of the element `name`, whose start was just read.
    fn text(&mut self, name: &str) -> Result<String> {
        let text = match self.next()? {
            Token::End(n) if n == name => return Ok(String::new()),
            Token::Text(t) => t,
            tok => return Err(unexpected(tok, "text")),
        };
        match self.next()? {
            Token::End(n) if n == name => Ok(text),
            tok => Err(unexpected(tok, "an end tag after text")),
        }
    }

    /// The `<param>`s of a `<params>` whose start was just read.
    fn params(&mut self) -> Result<Vec<Value>> {
        let mut params = Vec::new();
        loop {
            match self.next_element("<param> or </params>")? {
                Token::Start(n) if n == "param" => {
                    self.expect_start("value", "<value>")?;
                    params.push(self.value(0)?);
                    self.expect_end("param", "</param>")?;
                }
                Token::End(n) if n == "params" => return Ok(params),
                tok => return Err(unexpected(tok, "<param> or </params>")),
            }
        }
    }

    /// The content of a `<value>` whose start was just read, inside `depth`
    /// arrays/structs.
    fn value(&mut self, depth: usize) -> Result<Value> {
        const TYPE: &str = "a value type such as <string>";
        let tag = match self.next()? {
            // `<value/>` and `<value></value>`: an empty string, as in Python.
            Token::End(n) if n == "value" => return Ok(Value::String(String::new())),
            Token::Start(tag) => tag,
            Token::Text(t) => match self.next()? {
                // A bare `<value>text</value>` is a string, whitespace and all.
                Token::End(n) if n == "value" => return Ok(Value::String(t)),
                Token::Start(tag) if is_blank(&t) => tag,
                Token::Start(_) => {
                    return Err(DecodeError::UnexpectedText {
                        found: snippet(&t),
                        expected: TYPE,
                    })
                }
                tok => return Err(unexpected(tok, "</value>")),
            },
            tok => return Err(unexpected(tok, TYPE)),
        };
        let value = self.typed(&tag, depth)?;
        self.expect_end("value", "</value>")?;
        Ok(value)
    }

    /// The content of the type element `tag` inside a `<value>`.
    fn typed(&mut self, tag: &str, depth: usize) -> Result<Value> {
        Ok(match tag {
            // Python's client reads all of these; Supervisor's only int and i4.
            "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => {
                let text = self.text(tag)?;
                Value::Int(
                    parse_int(trim(&text)).ok_or_else(|| DecodeError::BadInt(snippet(&text)))?,
                )
            }
            "boolean" => match trim(&self.text(tag)?) {
                "1" => Value::Bool(true),
                "0" => Value::Bool(false),
                other => return Err(DecodeError::BadBoolean(snippet(other))),
            },
            "string" => Value::String(self.text(tag)?),
            "double" | "float" => {
                let text = self.text(tag)?;
                Value::Double(
                    trim(&text)
                        .parse()
                        .map_err(|_| DecodeError::BadDouble(snippet(&text)))?,
                )
            }
            "dateTime.iso8601" => Value::DateTime(trim(&self.text(tag)?).to_owned()),
            "base64" => Value::Base64(decode_base64(&self.text(tag)?)?),
            "nil" => {
                let text = self.text(tag)?;
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
                self.expect_start("data", "<data>")?;
                let mut items = Vec::new();
                loop {
                    match self.next_element("<value> or </data>")? {
                        Token::Start(n) if n == "value" => items.push(self.value(depth + 1)?),
                        Token::End(n) if n == "data" => break,
                        tok => return Err(unexpected(tok, "<value> or </data>")),
                    }
                }
                self.expect_end("array", "</array>")?;
                Value::Array(items)
            }
            "struct" => {
                let mut members = Vec::new();
                loop {
                    match self.next_element("<member> or </struct>")? {
                        Token::Start(n) if n == "member" => {
                            self.expect_start("name", "<name>")?;
                            let name = self.text("name")?;
                            self.expect_start("value", "<value>")?;
                            let value = self.value(depth + 1)?;
                            self.expect_end("member", "</member>")?;
                            members.push((name, value));
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
}

fn unexpected(tok: Token, expected: &'static str) -> DecodeError {
    match tok {
        Token::Start(found) => DecodeError::UnexpectedElement {
            found: snippet(&found),
            expected,
        },
        Token::End(found) => DecodeError::UnexpectedEnd {
            found: snippet(&found),
            expected,
        },
        Token::Text(found) => DecodeError::UnexpectedText {
            found: snippet(&found),
            expected,
        },
        Token::Eof => DecodeError::UnexpectedEof { expected },
    }
}

/// Appends a decoded piece of text, refusing characters XML 1.0 forbids
/// (expat refuses them too, so no stock client can have meant them).
fn push_text(text: &mut Option<String>, piece: &str) -> Result<()> {
    if let Some(bad) = piece.chars().find(|&c| !is_xml_char(c)) {
        return Err(DecodeError::InvalidChar(bad.into()));
    }
    text.get_or_insert_with(String::new).push_str(piece);
    Ok(())
}

/// XML 1.0's `Char` production (surrogates cannot occur in a `char`).
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_blank(text: &str) -> bool {
    trim(text).is_empty()
}

/// Trims XML whitespace only (not Unicode spaces), as Python's int() and
/// float() would for the ASCII cases that matter.
fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

fn parse_int(text: &str) -> Option<i64> {
    // i64::from_str takes a leading '+' or '-' and plain digits, like int().
    text.parse().ok()
}

fn local_name(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
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
fn merge_duplicates(members: &mut Vec<(String, Value)>) {
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

/// Input quoted in an error, cut to a length fit for a log line.
fn snippet(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}
