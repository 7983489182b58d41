//! Reading typed parameters, with Python's leniency where Supervisor relies on it (`wait`
//! is truthy; offsets may be sent as numeric strings) and INCORRECT_PARAMETERS otherwise.

use crate::rpc::faults::{Fault, FaultCode};
use crate::rpc::xmlrpc::Value;

fn incorrect() -> Fault {
    Fault::new(FaultCode::IncorrectParameters)
}

/// Parameter `i` as a string.
pub fn string(params: &[Value], i: usize) -> Result<&str, Fault> {
    params.get(i).and_then(Value::as_str).ok_or_else(incorrect)
}

/// Parameter `i` as an integer (Python's `int()` also takes a numeric string).
pub fn int(params: &[Value], i: usize) -> Result<i64, Fault> {
    match params.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::Bool(b)) => Ok(*b as i64),
        // int(1.5) == 1: truncated toward zero.
        Some(Value::Double(f)) if f.is_finite() => Ok(*f as i64),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| incorrect()),
        _ => Err(incorrect()),
    }
}

/// Optional parameter `i` as a truth value, `default` when absent. Supervisor only tests
/// `if wait:`, so every XML-RPC value has Python's truthiness (`[]` is false).
pub fn flag(params: &[Value], i: usize, default: bool) -> Result<bool, Fault> {
    Ok(match params.get(i) {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(n)) => *n != 0,
        Some(Value::Double(f)) => *f != 0.0,
        Some(Value::String(s) | Value::DateTime(s)) => !s.is_empty(),
        Some(Value::Base64(b)) => !b.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Struct(m)) => !m.is_empty(),
        Some(Value::Nil) => false,
    })
}

/// How Python's `str()` shows a scalar parameter in a fault text (`INCORRECT_PARAMETERS: 5`);
/// None for the compound types, whose Python spelling we do not reproduce.
pub fn python_str(value: &Value) -> Option<String> {
    Some(match value {
        Value::Int(n) => n.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Double(f) => format!("{f:?}"),
        Value::String(s) | Value::DateTime(s) => s.clone(),
        Value::Nil => "None".into(),
        Value::Base64(_) | Value::Array(_) | Value::Struct(_) => return None,
    })
}

/// A signal given as a name (`HUP`, `SIGHUP`) or a number, as a string or an int.
pub fn signal(params: &[Value], i: usize) -> Result<(i32, String), Fault> {
    let shown = match params.get(i) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Int(n)) => n.to_string(),
        _ => return Err(incorrect()),
    };
    crate::config::types::signal_number(&shown)
        .map(|sig| (sig, shown.clone()))
        .map_err(|_| Fault::with(FaultCode::BadSignal, shown))
}

/// A parameter as Python's `str()` would format it into text (strings as they are).
pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) | Value::DateTime(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Double(d) => format!("{d:?}"),
        Value::Nil => "None".to_string(),
        other => format!("{other:?}"),
    }
}
