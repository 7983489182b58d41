//! Codec tests: round trips, every value type, quick-xml's split text, malformed
//! input, the depth limit, Python's exact bytes, and Python parsing our output.

use super::*;
use std::io::Write as _;
use std::process::{Command, Stdio};

fn call(body: &str) -> MethodCall {
    decode_call(body.as_bytes()).unwrap_or_else(|e| panic!("{e}\nbody: {body}"))
}

fn call_err(body: &str) -> DecodeError {
    match decode_call(body.as_bytes()) {
        Ok(c) => panic!("accepted {c:?}\nbody: {body}"),
        Err(e) => e,
    }
}

/// A call with one param whose `<value>` content is `inner`.
fn param(inner: &str) -> Value {
    let body = format!(
        "<methodCall><methodName>m</methodName><params><param><value>{inner}</value></param></params></methodCall>"
    );
    let mut c = call(&body);
    assert_eq!(c.params.len(), 1);
    c.params.remove(0)
}

fn param_err(inner: &str) -> DecodeError {
    call_err(&format!(
        "<methodCall><methodName>m</methodName><params><param><value>{inner}</value></param></params></methodCall>"
    ))
}

fn s(text: &str) -> Value {
    Value::from(text)
}

/// One of each type, nested, with text that needs escaping.
fn sample_values() -> Vec<Value> {
    vec![
        Value::Int(0),
        Value::Int(-1600),
        Value::Int(i64::MAX),
        Value::Int(i64::MIN),
        Value::Bool(true),
        Value::Bool(false),
        s(""),
        s("plain"),
        s("a&b <c> ]]> \"q\" 'a' &amp;"),
        s("tab\tnl\ncr\r crlf\r\n end"),
        s("héllo ☃ 𝄞 \u{FFFD}"),
        s("  padded  "),
        Value::Double(1.5),
        Value::Double(-0.0),
        Value::Double(1e100),
        Value::Double(1e-7),
        Value::Double(f64::INFINITY),
        Value::DateTime("20240102T03:04:05".into()),
        Value::Base64(Vec::new()),
        Value::Base64((0..=255).collect()),
        Value::Array(vec![]),
        Value::Struct(vec![]),
        Value::Array(vec![
            Value::from(1),
            Value::Array(vec![
                s("deep"),
                Value::from_pairs([("k", Value::from(true))]),
            ]),
        ]),
        Value::from_pairs([
            ("name", s("cat")),
            ("a&<>", s("x")),
            ("", s("empty name")),
            (
                "nested",
                Value::from_pairs([("list", Value::Array(vec![Value::from(2.5)]))]),
            ),
        ]),
    ]
}

// ---- round trips ----

#[test]
fn call_round_trip() {
    let params = sample_values();
    let decoded = call(&encode_call("supervisor.test", &params));
    assert_eq!(decoded.method, "supervisor.test");
    assert_eq!(decoded.params, params);
}

#[test]
fn response_round_trip() {
    for v in sample_values() {
        assert_eq!(decode_response(encode_response(&v).as_bytes()), Ok(Ok(v)));
    }
}

#[test]
fn fault_round_trip() {
    let body = encode_fault(10, "BAD_NAME: a&b <c>");
    assert_eq!(
        decode_response(body.as_bytes()),
        Ok(Err((10, "BAD_NAME: a&b <c>".to_owned())))
    );
}

#[test]
fn nan_round_trips_as_nan() {
    let body = encode_response(&Value::Double(f64::NAN));
    match decode_response(body.as_bytes()) {
        Ok(Ok(Value::Double(d))) => assert!(d.is_nan()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nil_encodes_as_empty_string() {
    let body = encode_response(&Value::Nil);
    assert!(!body.contains("nil"), "{body}");
    assert_eq!(decode_response(body.as_bytes()), Ok(Ok(s(""))));
}

#[test]
fn forbidden_chars_encode_as_replacement() {
    let body = encode_response(&s("a\u{1}b\u{0}c\u{FFFE}d\u{1B}[0m"));
    assert_eq!(
        decode_response(body.as_bytes()),
        Ok(Ok(s("a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}[0m")))
    );
}

/// U+FFFF alone is replaced, and the allowed characters that share its first UTF-8 byte
/// (0xEF: U+F000 to U+FFFD) go through unchanged.
#[test]
fn only_the_two_forbidden_characters_starting_with_0xef_are_replaced() {
    let body = encode_response(&s("\u{FFFF}|\u{FF71}\u{F000}\u{FFFD}\u{FEFF}"));
    assert_eq!(
        decode_response(body.as_bytes()),
        Ok(Ok(s("\u{FFFD}|\u{FF71}\u{F000}\u{FFFD}\u{FEFF}")))
    );
}

#[test]
fn capped_int_clamps_to_32_bits() {
    assert_eq!(Value::capped_int(1 << 40), Value::Int(2147483647));
    assert_eq!(Value::capped_int(-(1 << 40)), Value::Int(-2147483648));
    assert_eq!(Value::capped_int(1_700_000_000), Value::Int(1_700_000_000));
}

#[test]
fn accessors() {
    let v = Value::from_pairs([("name", s("cat")), ("pid", Value::from(12))]);
    assert_eq!(v.get("name").and_then(Value::as_str), Some("cat"));
    assert_eq!(v.get("pid").and_then(Value::as_i64), Some(12));
    assert_eq!(v.get("nope"), None);
    assert_eq!(s("x").get("name"), None);
    assert_eq!(Value::from(true).as_bool(), Some(true));
    assert_eq!(Value::from(1).as_bool(), None);
    assert_eq!(Value::from(2.5).as_f64(), Some(2.5));
    assert_eq!(Value::from(vec![s("a")]).as_array(), Some(&[s("a")][..]));
    assert_eq!(Value::Nil.type_name(), "nil");
}

// ---- exact encoder output (what Python's dumps writes) ----

#[test]
fn encoder_matches_python_bytes() {
    // Generated once with xmlrpc.client.dumps(..., methodresponse=1).
    assert_eq!(
        encode_fault(10, "BAD_NAME: foo"),
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: foo</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
    );
    assert_eq!(
        encode_response(&Value::from_pairs([
            ("name", s("cat")),
            ("pid", Value::from(12)),
            ("state", Value::from(20)),
        ])),
        "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>cat</string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>12</int></value>\n</member>\n<member>\n<name>state</name>\n<value><int>20</int></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n"
    );
    assert_eq!(
        encode_call(
            "supervisor.startProcess",
            &[s("web:web_00"), Value::from(true)]
        ),
        PY_START
    );
    assert_eq!(encode_call("supervisor.getAllProcessInfo", &[]), PY_GET_ALL);
}

#[test]
fn base64_lines_match_python() {
    let v = Value::Base64(b"\x00\xffbin".repeat(30));
    let body = encode_response(&v);
    assert!(body.contains("<value><base64>\nAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/\nYmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2Jp\nbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/Ymlu\n</base64></value>\n"), "{body}");
}

// ---- Python's exact bytes decode to the values it meant ----
// Generated once with Python 3.11 xmlrpc.client.dumps(params, method).

const PY_GET_ALL: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n";
const PY_START: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n<params>\n<param>\n<value><string>web:web_00</string></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n";
const PY_READ_LOG: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.readProcessStdoutLog</methodName>\n<params>\n<param>\n<value><string>cat</string></value>\n</param>\n<param>\n<value><int>-1600</int></value>\n</param>\n<param>\n<value><int>0</int></value>\n</param>\n</params>\n</methodCall>\n";
const PY_MULTICALL: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>system.multicall</methodName>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>methodName</name>\n<value><string>supervisor.getVersion</string></value>\n</member>\n<member>\n<name>params</name>\n<value><array><data>\n</data></array></value>\n</member>\n</struct></value>\n<value><struct>\n<member>\n<name>methodName</name>\n<value><string>supervisor.stopProcess</string></value>\n</member>\n<member>\n<name>params</name>\n<value><array><data>\n<value><string>a&amp;b &lt;c&gt;</string></value>\n<value><boolean>0</boolean></value>\n</data></array></value>\n</member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodCall>\n";
const PY_TYPES: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>test.types</methodName>\n<params>\n<param>\n<value><string>héllo ☃ 𝄞</string></value>\n</param>\n<param>\n<value><double>1.5</double></value>\n</param>\n<param>\n<value><double>-0.0</double></value>\n</param>\n<param>\n<value><double>1e+100</double></value>\n</param>\n<param>\n<value><base64>\nAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/\nYmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2Jp\nbgD/YmluAP9iaW4A/2JpbgD/YmluAP9iaW4A/2JpbgD/Ymlu\n</base64></value>\n</param>\n<param>\n<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n</param>\n</params>\n</methodCall>\n";
const PY_NIL: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>test.nil</methodName>\n<params>\n<param>\n<value><nil/></value></param>\n<param>\n<value><array><data>\n<value><nil/></value></data></array></value>\n</param>\n</params>\n</methodCall>\n";
const PY_LATIN1: &[u8] = b"<?xml version='1.0' encoding='iso-8859-1'?>\n<methodCall>\n<methodName>test.latin1</methodName>\n<params>\n<param>\n<value><string>caf\xe9</string></value>\n</param>\n</params>\n</methodCall>\n";

#[test]
fn python_calls_decode() {
    assert_eq!(call(PY_GET_ALL).method, "supervisor.getAllProcessInfo");
    assert_eq!(call(PY_GET_ALL).params, vec![]);
    assert_eq!(
        call(PY_START).params,
        vec![s("web:web_00"), Value::Bool(true)]
    );
    assert_eq!(
        call(PY_READ_LOG).params,
        vec![s("cat"), Value::Int(-1600), Value::Int(0)]
    );
    let multicall = call(PY_MULTICALL);
    assert_eq!(multicall.method, "system.multicall");
    assert_eq!(
        multicall.params,
        vec![Value::Array(vec![
            Value::from_pairs([
                ("methodName", s("supervisor.getVersion")),
                ("params", Value::Array(vec![])),
            ]),
            Value::from_pairs([
                ("methodName", s("supervisor.stopProcess")),
                (
                    "params",
                    Value::Array(vec![s("a&b <c>"), Value::Bool(false)])
                ),
            ]),
        ])]
    );
    assert_eq!(
        call(PY_TYPES).params,
        vec![
            s("héllo ☃ 𝄞"),
            Value::Double(1.5),
            Value::Double(-0.0),
            Value::Double(1e100),
            Value::Base64(b"\x00\xffbin".repeat(30)),
            Value::DateTime("20240102T03:04:05".into()),
        ]
    );
    assert_eq!(
        call(PY_NIL).params,
        vec![Value::Nil, Value::Array(vec![Value::Nil])]
    );
    assert_eq!(decode_call(PY_LATIN1).unwrap().params, vec![s("café")]);
}

// ---- decoder leniency that real clients need ----

#[test]
fn every_int_tag() {
    for tag in ["int", "i4", "i8", "i1", "i2", "biginteger", "ex:i8"] {
        assert_eq!(
            param(&format!("<{tag}> +42 </{tag}>")),
            Value::Int(42),
            "{tag}"
        );
    }
    assert_eq!(
        param("<int>-9223372036854775808</int>"),
        Value::Int(i64::MIN)
    );
}

#[test]
fn scalar_types() {
    assert_eq!(param("<boolean>1</boolean>"), Value::Bool(true));
    assert_eq!(param("<boolean>0</boolean>"), Value::Bool(false));
    assert_eq!(param("<double>-2.5e3</double>"), Value::Double(-2500.0));
    assert_eq!(param("<double>inf</double>"), Value::Double(f64::INFINITY));
    assert!(matches!(param("<double>nan</double>"), Value::Double(d) if d.is_nan()));
    assert_eq!(param("<float>1</float>"), Value::Double(1.0));
    assert_eq!(
        param("<dateTime.iso8601> 20240102T03:04:05\n</dateTime.iso8601>"),
        Value::DateTime("20240102T03:04:05".into())
    );
    assert_eq!(
        param("<base64>aGk=</base64>"),
        Value::Base64(b"hi".to_vec())
    );
    assert_eq!(
        param("<base64>aG\n k</base64>"),
        Value::Base64(b"hi".to_vec())
    );
    assert_eq!(param("<base64/>"), Value::Base64(vec![]));
    assert_eq!(param("<nil/>"), Value::Nil);
    assert_eq!(param("<ex:nil/>"), Value::Nil);
    assert_eq!(param("<nil></nil>"), Value::Nil);
}

#[test]
fn strings_bare_and_empty() {
    assert_eq!(param("<string>x</string>"), s("x"));
    assert_eq!(param("<string/>"), s(""));
    assert_eq!(param("<string>  keep  </string>"), s("  keep  "));
    assert_eq!(param("bare text"), s("bare text"));
    assert_eq!(param("  bare  "), s("  bare  "));
    assert_eq!(param(""), s(""));
    assert_eq!(param("\n  <string>x</string>\n"), s("x"));
    assert_eq!(param("\n  <int>1</int>  "), Value::Int(1));
    let c = call("<methodCall><methodName>m</methodName><params><param><value/></param></params></methodCall>");
    assert_eq!(c.params, vec![s("")]);
}

#[test]
fn entity_split_text_is_glued() {
    // quick-xml >= 0.38 delivers these as several Text/GeneralRef/CData events.
    assert_eq!(
        param("<string>a&amp;b&lt;c&gt;d&quot;e&apos;f</string>"),
        s("a&b<c>d\"e'f")
    );
    assert_eq!(param("<string>&amp;</string>"), s("&"));
    assert_eq!(param("<string>&#65;&#x42;&#x1F600;z</string>"), s("AB😀z"));
    assert_eq!(param("<string>x&#13;y&#10;</string>"), s("x\ry\n"));
    assert_eq!(
        param("<string>a<![CDATA[<b>&amp;]]>c</string>"),
        s("a<b>&amp;c")
    );
    assert_eq!(param("<string>a<!-- note -->b</string>"), s("ab"));
    assert_eq!(param("bare&amp;split"), s("bare&split"));
    assert_eq!(param("<int>1&#50;</int>"), Value::Int(12));
    assert_eq!(
        call("<methodCall><methodName>a&amp;b</methodName></methodCall>").method,
        "a&b"
    );
    let v = param("<struct><member><name>k&amp;&#x6b;</name><value>v</value></member></struct>");
    assert_eq!(v, Value::from_pairs([("k&k", s("v"))]));
}

#[test]
fn line_ends_are_normalised_like_expat() {
    assert_eq!(param("<string>a\r\nb\rc</string>"), s("a\nb\nc"));
}

#[test]
fn nested_arrays_and_structs() {
    let v = param(
        "<array><data>
           <value><struct>
             <member><name>a</name><value><array><data/></array></value></member>
             <member>
               <name>b</name>
               <value><array><data><value><i4>1</i4></value><value>two</value></data></array></value>
             </member>
           </struct></value>
           <value><struct></struct></value>
         </data></array>",
    );
    assert_eq!(
        v,
        Value::Array(vec![
            Value::from_pairs([
                ("a", Value::Array(vec![])),
                ("b", Value::Array(vec![Value::Int(1), s("two")])),
            ]),
            Value::Struct(vec![]),
        ])
    );
}

#[test]
fn duplicate_struct_members_keep_first_slot_last_value() {
    let v = param(
        "<struct>\
         <member><name>a</name><value>1</value></member>\
         <member><name>b</name><value>2</value></member>\
         <member><name>a</name><value>3</value></member>\
         <member><name>a</name><value>4</value></member>\
         </struct>",
    );
    assert_eq!(v, Value::from_pairs([("a", s("4")), ("b", s("2"))]));
}

#[test]
fn declarations_whitespace_and_missing_params() {
    let c = call("\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->\n<methodCall>\n  <methodName>supervisor.getState</methodName>\n</methodCall>\n\n");
    assert_eq!(c.method, "supervisor.getState");
    assert!(c.params.is_empty());
    assert!(
        call("<methodCall><methodName>m</methodName><params/></methodCall>")
            .params
            .is_empty()
    );
    assert_eq!(
        call("<methodCall><methodName> m </methodName></methodCall>").method,
        " m "
    );
}

// ---- rejections ----

#[test]
fn malformed_xml_is_rejected() {
    for body in [
        "",
        "   ",
        "not xml",
        "<methodCall>",
        "<methodCall><methodName>m</methodName>",
        "<methodCall><methodName>m</methodCall>",
        "<methodCall><methodName>m</methodName></methodCall><x/>",
        "<methodCall><methodName>m</methodName></methodCall>trailing",
        "<methodCall><methodName>a & b</methodName></methodCall>",
        "<methodCall><methodName>a &bogus; b</methodName></methodCall>",
        "<methodCall><methodName>a&#0;</methodName></methodCall>",
        "<methodCall><methodName>a&#1;</methodName></methodCall>",
        "<methodCall><methodName>a\u{1}</methodName></methodCall>",
        "<methodCall><methodName>a&#xD800;</methodName></methodCall>",
        "<methodCall><methodName>a&#x110000;</methodName></methodCall>",
        "<!DOCTYPE x [<!ENTITY e \"boom\">]><methodCall><methodName>&e;</methodName></methodCall>",
        "<methodCall><?xml version='1.0'?><methodName>m</methodName></methodCall>",
        "<methodResponse><params/></methodResponse>",
    ] {
        call_err(body);
    }
}

#[test]
fn errors_say_what_was_wrong() {
    assert_eq!(
        call_err("<methodCall><params/></methodCall>"),
        DecodeError::MissingMethodName
    );
    assert_eq!(
        call_err("<methodCall></methodCall>"),
        DecodeError::MissingMethodName
    );
    assert_eq!(
        call_err("<methodCall><methodName></methodName></methodCall>"),
        DecodeError::MissingMethodName
    );
    assert_eq!(
        param_err("<int>12x</int>"),
        DecodeError::BadInt("12x".into())
    );
    assert_eq!(param_err("<int></int>"), DecodeError::BadInt("".into()));
    assert_eq!(
        param_err("<int>99999999999999999999</int>"),
        DecodeError::BadInt("99999999999999999999".into())
    );
    assert_eq!(
        param_err("<boolean>true</boolean>"),
        DecodeError::BadBoolean("true".into())
    );
    assert_eq!(
        param_err("<boolean>2</boolean>"),
        DecodeError::BadBoolean("2".into())
    );
    assert_eq!(
        param_err("<double>x</double>"),
        DecodeError::BadDouble("x".into())
    );
    assert!(matches!(
        param_err("<base64>!!!</base64>"),
        DecodeError::BadBase64(_)
    ));
    assert_eq!(
        param_err("<long>1</long>"),
        DecodeError::UnknownType("long".into())
    );
    assert!(matches!(
        param_err("x<int>1</int>"),
        DecodeError::UnexpectedText { .. }
    ));
    assert!(matches!(
        param_err("<int>1</int><int>2</int>"),
        DecodeError::UnexpectedElement { .. }
    ));
    assert!(matches!(
        param_err("<int><i4>1</i4></int>"),
        DecodeError::UnexpectedElement { .. }
    ));
    assert!(matches!(
        param_err("<nil>x</nil>"),
        DecodeError::UnexpectedText { .. }
    ));
    assert!(matches!(
        param_err("<array></array>"),
        DecodeError::UnexpectedEnd { .. }
    ));
    assert!(matches!(
        param_err("<struct><member><value>1</value></member></struct>"),
        DecodeError::UnexpectedElement { .. }
    ));
    assert!(matches!(
        param_err("<struct><member><name>a</name></member></struct>"),
        DecodeError::UnexpectedEnd { .. }
    ));
    assert!(matches!(
        call_err(
            "<methodCall><methodName>m</methodName><params><param></param></params></methodCall>"
        ),
        DecodeError::UnexpectedEnd { .. }
    ));
    assert!(matches!(
        call_err("<foo/>"),
        DecodeError::UnexpectedElement { .. }
    ));
    assert_eq!(
        call_err(""),
        DecodeError::UnexpectedEof {
            expected: "<methodCall>"
        }
    );
    assert_eq!(
        call_err("<methodCall><methodName>\u{0}</methodName></methodCall>"),
        DecodeError::InvalidChar(0)
    );
    assert_eq!(
        call_err("<methodCall><methodName>a\u{FF71}\u{FFFF}</methodName></methodCall>"),
        DecodeError::InvalidChar(0xFFFF)
    );
    assert_eq!(
        call_err("<methodCall><methodName>a&#27;</methodName></methodCall>"),
        DecodeError::InvalidChar(27)
    );
    assert_eq!(
        call_err("<methodCall><methodName>&nbsp;</methodName></methodCall>"),
        DecodeError::UnknownEntity("nbsp".into())
    );
    assert_eq!(
        call_err("<!DOCTYPE methodCall><methodCall/>"),
        DecodeError::DocType
    );
    assert_eq!(
        decode_call(b"<methodCall>\xff</methodCall>"),
        Err(DecodeError::InvalidUtf8)
    );
    assert_eq!(
        call_err("<?xml version='1.0' encoding='utf-16'?><methodCall/>"),
        DecodeError::UnsupportedEncoding("utf-16".into())
    );
    let e = call_err("<methodCall><methodName>m</methodName></methodCall");
    assert!(e.to_string().starts_with("malformed XML at byte"), "{e}");
    // Long input is cut in messages, on a char boundary.
    let long = "é".repeat(100);
    let e = param_err(&format!("<int>{long}</int>"));
    assert_eq!(e, DecodeError::BadInt(format!("{}...", "é".repeat(40))));
}

#[test]
fn depth_limit() {
    let nest = |n: usize| {
        format!(
            "{}<int>1</int>{}",
            "<array><data><value>".repeat(n),
            "</value></data></array>".repeat(n)
        )
    };
    let mut v = param(&nest(MAX_DEPTH));
    for _ in 0..MAX_DEPTH {
        v = match v {
            Value::Array(mut items) => items.remove(0),
            other => panic!("{other:?}"),
        };
    }
    assert_eq!(v, Value::Int(1));
    assert_eq!(param_err(&nest(MAX_DEPTH + 1)), DecodeError::TooDeep);
    let structs = format!(
        "{}1{}",
        "<struct><member><name>k</name><value>".repeat(MAX_DEPTH + 1),
        "</value></member></struct>".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(param_err(&structs), DecodeError::TooDeep);
    // Far deeper than the limit: refused without exhausting the stack.
    assert_eq!(param_err(&nest(100_000)), DecodeError::TooDeep);
}

// ---- responses ----

#[test]
fn response_shapes() {
    assert!(matches!(
        decode_response(b"<methodResponse><params></params></methodResponse>"),
        Err(DecodeError::BadResponse(_))
    ));
    assert!(matches!(
        decode_response(
            b"<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params></methodResponse>"
        ),
        Err(DecodeError::BadResponse(_))
    ));
    assert!(matches!(
        decode_response(
            b"<methodResponse><fault><value><struct><member><name>faultCode</name><value>x</value></member></struct></value></fault></methodResponse>"
        ),
        Err(DecodeError::BadResponse(_))
    ));
    assert!(matches!(
        decode_response(b"<methodCall><methodName>m</methodName></methodCall>"),
        Err(DecodeError::UnexpectedElement { .. })
    ));
}

// ---- Python's xmlrpc.client parses what we emit ----

/// Canonical text of a value, identical to what PY_CANON prints for the
/// object Python's `loads` builds (hex for text and floats so both sides agree
/// byte for byte).
fn canon(v: &Value) -> String {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    match v {
        Value::Int(i) => format!("i:{i}"),
        Value::Bool(b) => format!("b:{}", u8::from(*b)),
        Value::String(t) => format!("s:{}", hex(t.as_bytes())),
        Value::Nil => "n".to_owned(),
        Value::Double(d) => format!("d:{:016x}", d.to_bits()),
        Value::DateTime(t) => format!("t:{}", hex(t.as_bytes())),
        Value::Base64(b) => format!("x:{}", hex(b)),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canon).collect::<Vec<_>>().join(",")
        ),
        Value::Struct(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}={}", hex(k.as_bytes()), canon(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

const PY_CANON: &str = r#"
import struct, sys, xmlrpc.client as x
def c(v):
    if isinstance(v, bool): return 'b:%d' % v
    if isinstance(v, int): return 'i:%d' % v
    if isinstance(v, float): return 'd:' + struct.pack('>d', v).hex()
    if isinstance(v, str): return 's:' + v.encode('utf-8', 'surrogatepass').hex()
    if isinstance(v, x.DateTime): return 't:' + v.value.encode().hex()
    if isinstance(v, x.Binary): return 'x:' + v.data.hex()
    if isinstance(v, (list, tuple)): return '[' + ','.join(map(c, v)) + ']'
    if isinstance(v, dict): return '{' + ','.join(k.encode().hex() + '=' + c(w) for k, w in v.items()) + '}'
    if v is None: return 'n'
    raise TypeError(type(v))
for doc in sys.stdin.buffer.read().split(b'\0'):
    try:
        params, method = x.loads(doc)
        print('ok', method, c(params))
    except x.Fault as f:
        print('fault', f.faultCode, f.faultString.encode().hex())
"#;

/// Runs every document through Python's `xmlrpc.client.loads`; one line each.
fn python_loads(docs: &[String]) -> Vec<String> {
    let mut child = Command::new("python3")
        .args(["-c", PY_CANON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 not found: these tests check that Python's xmlrpc.client parses our output; install python3 (any 3.x)");
    let input = docs.join("\0");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python3 output");
    writer.join().expect("writer").expect("write to python3");
    assert!(
        out.status.success(),
        "python3 failed to parse our XML:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn python_parses_our_output() {
    let mut values = sample_values();
    values.push(Value::Double(f64::NAN));
    values.push(Value::Int(1 << 40)); // Python's reader takes any int
    let mut docs = Vec::new();
    let mut expected = Vec::new();
    for v in &values {
        docs.push(encode_response(v));
        expected.push(format!("ok None [{}]", canon(v)));
    }
    docs.push(encode_call("supervisor.x&y", &values));
    expected.push(format!(
        "ok supervisor.x&y [{}]",
        values.iter().map(canon).collect::<Vec<_>>().join(",")
    ));
    // What Python would have sent raw (and then failed to parse) arrives as U+FFFD.
    docs.push(encode_response(&s("bell\u{7}esc\u{1B}nul\u{0}")));
    expected.push(format!(
        "ok None [{}]",
        canon(&s("bell\u{FFFD}esc\u{FFFD}nul\u{FFFD}"))
    ));
    docs.push(encode_response(&Value::Nil));
    expected.push(format!("ok None [{}]", canon(&s(""))));
    docs.push(encode_fault(10, "BAD_NAME: ☃ <&>"));
    expected.push(format!(
        "fault 10 {}",
        "BAD_NAME: ☃ <&>"
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ));
    let got = python_loads(&docs);
    assert_eq!(got.len(), expected.len(), "python output: {got:#?}");
    for ((doc, want), got) in docs.iter().zip(&expected).zip(&got) {
        assert_eq!(got, want, "document:\n{doc}");
    }
}
