//! Tokens: quick-xml events turned into what the XML-RPC grammar in decode.rs
//! reads, so the grammar never sees XML's lexical details.
//!
//! What a reader needs first: quick-xml (>= 0.38) hands text over in pieces,
//! split at every entity or character reference (`a&amp;b` is Text, GeneralRef,
//! Text) and at CDATA sections and comments, so `Tokens::next` glues the pieces
//! back into one `Token::Text`. It also resolves the five predefined entities
//! and character references, refuses characters XML 1.0 forbids (as expat
//! does), refuses a DOCTYPE (no entity definitions, no external fetches), drops
//! namespace prefixes (`<ex:nil/>`, as Python does) and transcodes an
//! ISO-8859-1 body to UTF-8 first.

use super::decode::{DecodeError, Result};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::borrow::Cow;

/// The body as UTF-8, transcoding ISO-8859-1 (what Python's client sends when
/// told `encoding='iso-8859-1'`). Other encodings are refused rather than
/// misread.
pub(super) fn utf8_text(body: &[u8]) -> Result<Cow<'_, str>> {
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

/// An element's local name: one of XML-RPC's own names without an allocation, any other
/// copied (it can only end in an error).
pub(super) type Name = Cow<'static, str>;

/// What the grammar sees: elements by local name (prefix dropped, as Python
/// does for `ex:nil`) and text already glued together and unescaped.
#[derive(Debug)]
pub(super) enum Token {
    Start(Name),
    End(Name),
    Text(String),
    Eof,
}

/// A cursor over one document's tokens, with the helpers the grammar uses to
/// demand the next one.
pub(super) struct Tokens<'a> {
    reader: Reader<&'a [u8]>,
    /// Tokens already read, last to be returned first: an element read while
    /// gluing text, and the End of an `Event::Empty`.
    pending: Vec<Token>,
    /// Whether any event was read: an XML declaration is legal only first.
    started: bool,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_dangling_amp = false;
        Tokens {
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

    pub(super) fn next(&mut self) -> Result<Token> {
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
    pub(super) fn next_element(&mut self, expected: &'static str) -> Result<Token> {
        match self.next()? {
            Token::Text(t) if is_blank(&t) => self.next(),
            Token::Text(t) => Err(DecodeError::UnexpectedText {
                found: snippet(&t),
                expected,
            }),
            tok => Ok(tok),
        }
    }

    pub(super) fn expect_start(&mut self, name: &str, expected: &'static str) -> Result<()> {
        match self.next_element(expected)? {
            Token::Start(n) if n == name => Ok(()),
            tok => Err(unexpected(tok, expected)),
        }
    }

    pub(super) fn expect_end(&mut self, name: &str, expected: &'static str) -> Result<()> {
        match self.next_element(expected)? {
            Token::End(n) if n == name => Ok(()),
            tok => Err(unexpected(tok, expected)),
        }
    }

    pub(super) fn expect_eof(&mut self) -> Result<()> {
        match self.next_element("end of document")? {
            Token::Eof => Ok(()),
            tok => Err(unexpected(tok, "end of document")),
        }
    }

    /// The text content of the element `name`, whose start was just read.
    pub(super) fn text(&mut self, name: &str) -> Result<String> {
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
}

pub(super) fn unexpected(tok: Token, expected: &'static str) -> DecodeError {
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
    // Looking at chars only where a byte could start a forbidden one (a control, or 0xEF
    // for U+FFFE and U+FFFF) keeps the usual text to one pass over its bytes.
    let maybe_forbidden = piece
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF);
    if let Some(bad) = maybe_forbidden
        .then(|| piece.chars().find(|&c| !is_xml_char(c)))
        .flatten()
    {
        return Err(DecodeError::InvalidChar(bad.into()));
    }
    text.get_or_insert_with(String::new).push_str(piece);
    Ok(())
}

/// XML 1.0's `Char` production (surrogates cannot occur in a `char`).
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

pub(super) fn is_blank(text: &str) -> bool {
    trim(text).is_empty()
}

/// Trims XML whitespace only (not Unicode spaces), as Python's int() and
/// float() would for the ASCII cases that matter.
pub(super) fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// Every element name the grammar knows, so that a call is read without copying names.
const KNOWN_NAMES: &[&str] = &[
    "methodCall",
    "methodName",
    "methodResponse",
    "params",
    "param",
    "value",
    "fault",
    "string",
    "int",
    "i4",
    "i8",
    "i1",
    "i2",
    "biginteger",
    "boolean",
    "double",
    "float",
    "dateTime.iso8601",
    "base64",
    "nil",
    "array",
    "data",
    "struct",
    "member",
    "name",
];

fn local_name(name: &[u8]) -> Name {
    match KNOWN_NAMES.iter().find(|known| known.as_bytes() == name) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(String::from_utf8_lossy(name).into_owned()),
    }
}

/// Input quoted in an error, cut to a length fit for a log line.
pub(super) fn snippet(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}
