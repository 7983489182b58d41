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
        Some(Value::String(s)) => s.trim().parse().map_err(|_| incorrect()),
        _ => Err(incorrect()),
    }
}

/// Optional parameter `i` as a truth value, `default` when absent.
pub fn flag(params: &[Value], i: usize, default: bool) -> Result<bool, Fault> {
    match params.get(i) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Int(n)) => Ok(*n != 0),
        Some(Value::String(s)) => Ok(!s.is_empty()),
        Some(_) => Err(incorrect()),
    }
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
