//! Fuzz target for the XML-RPC decoder: arbitrary bytes into `decode_call`, which
//! must never panic nor allocate more than a small multiple of the input; every
//! call it accepts must survive `encode_call` -> `decode_call` (and each param
//! `encode_response` -> `decode_response`) unchanged, except that `Nil` comes
//! back as "" (we never emit `<nil/>`) and NaN is not equal to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;

// The codec is included by path rather than through the `supervisord` crate so
// that the fuzz build instruments three small dependencies, not actix.
#[path = "../../src/rpc/xmlrpc/mod.rs"]
#[allow(dead_code, unused_imports)]
mod xmlrpc;

mod heap;

use xmlrpc::{decode_call, decode_response, encode_call, encode_response, Value};

/// Allowed heap growth while decoding `len` input bytes: the module doc of
/// decode.rs argues ~8x for the worst shape; 16x plus a constant leaves slack
/// for Vec growth and quick-xml's small buffers.
fn budget(len: usize) -> usize {
    16 * len + 8192
}

fuzz_target!(|data: &[u8]| {
    let (decoded, used) = heap::peak_during(|| decode_call(data));
    assert!(
        used <= budget(data.len()),
        "decoding {} bytes peaked at {used} heap bytes",
        data.len()
    );
    let Ok(call) = decoded else { return };

    let body = encode_call(&call.method, &call.params);
    let again = decode_call(body.as_bytes())
        .unwrap_or_else(|e| panic!("our own encoding was refused: {e}\n{body}"));
    assert_eq!(again.method, call.method, "{body}");
    assert_eq!(again.params.len(), call.params.len(), "{body}");
    for (original, back) in call.params.iter().zip(&again.params) {
        assert!(
            equivalent(original, back),
            "{original:?}\n!=\n{back:?}\n{body}"
        );
    }

    for param in &call.params {
        let body = encode_response(param);
        match decode_response(body.as_bytes()) {
            Ok(Ok(back)) => assert!(equivalent(param, &back), "{param:?}\n!=\n{back:?}"),
            other => panic!("response {other:?}\n{body}"),
        }
    }
});

/// Equality, except that `Nil` encodes as "" and NaN matches NaN.
fn equivalent(original: &Value, back: &Value) -> bool {
    match (original, back) {
        (Value::Nil, Value::String(s)) => s.is_empty(),
        (Value::Double(a), Value::Double(b)) => (a.is_nan() && b.is_nan()) || a == b,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equivalent(x, y))
        }
        (Value::Struct(a), Value::Struct(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && equivalent(va, vb))
        }
        _ => original == back,
    }
}
