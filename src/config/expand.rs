//! `%(name)s` expansion: Supervisor's `expand(s, expansions, name)`, which is Python's
//! `s % dict`. So this is a small Python `%`-formatter over a map of names: `%(n)s`,
//! `%(n)d`, `%(n)02d`, `%(n)-5s`, `%(n)x` ..., `%%` for a literal percent, and Python's error
//! texts wrapped in Supervisor's (`Format string '%(foo)s' for 'command' contains names
//! ('foo') which cannot be expanded. Available names: ...`).
//!
//! Which names exist where (`here`, `ENV_*`, `program_name`, `process_num`, ...) is load.rs's
//! business; this module only formats.

use std::collections::BTreeMap;

use super::py;

/// A value that `%(name)s` can refer to: text, or a number (`process_num`, `numprocs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Int(i64),
}

/// The names available to one expansion. Sorted, because Supervisor's error lists them sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansions {
    names: BTreeMap<String, Value>,
}

impl Expansions {
    pub fn new() -> Self {
        Self::default()
    }

    /// `ENV_X` for every variable of this process's environment (Supervisor's
    /// `environ_expansions`).
    pub fn from_process_env() -> Self {
        let mut expansions = Self::new();
        for (key, value) in std::env::vars_os() {
            expansions.set_env(&key.to_string_lossy(), &value.to_string_lossy());
        }
        expansions
    }

    pub fn set_str(&mut self, name: &str, value: &str) {
        self.names
            .insert(name.to_string(), Value::Str(value.to_string()));
    }

    pub fn set_int(&mut self, name: &str, value: i64) {
        self.names.insert(name.to_string(), Value::Int(value));
    }

    /// Adds `ENV_<key>`.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.set_str(&format!("ENV_{key}"), value);
    }

    /// Adds every name of `other`, replacing names already present.
    pub fn extend(&mut self, other: &Expansions) {
        for (name, value) in &other.names {
            self.names.insert(name.clone(), value.clone());
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.names.get(name)
    }
}

/// The longest result an expansion may have beyond its raw text's length. Python has no
/// limit, so there `%(here)999999999s` or a few nested `%(ENV_X)s` references take
/// gigabytes; no child could take such a value anyway (Linux refuses any one argument or
/// environment string over 128 KiB, MAX_ARG_STRLEN, and a path ends at 4 KiB).
pub const MAX_EXPANSION: usize = 128 * 1024;

/// The widest field and the longest precision a directive may ask for: Rust's formatter
/// stops at 65 535 (Python at the size of memory), far past what any config needs.
const MAX_FIELD: usize = u16::MAX as usize;

/// Supervisor's `expand(s, expansions, name)`: `s % expansions`, with its error texts.
/// `option` is the name the error shows (`'program:x.command'`, `'environment'`).
pub fn expand(s: &str, expansions: &Expansions, option: &str) -> Result<String, String> {
    format(s, expansions).map_err(|error| match error {
        FormatError::MissingName(name) => format!(
            "Format string {} for {} contains names ({}) which cannot be expanded. \
             Available names: {}",
            py::repr(s),
            py::repr(option),
            py::repr(&name),
            expansions
                .names
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        FormatError::Bad(why) => format!(
            "Format string {} for {} is badly formatted: {}",
            py::repr(s),
            py::repr(option),
            why
        ),
    })
}

/// Why `s % dict` failed: Python's KeyError, or any other exception's text.
#[derive(Debug, PartialEq, Eq)]
enum FormatError {
    MissingName(String),
    Bad(String),
}

/// One `%(name)flags width .precision type` directive after its name was looked up.
#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

/// Python's `str % mapping`, refusing results longer than [`MAX_EXPANSION`] (or than `s`).
fn format(s: &str, expansions: &Expansions) -> Result<String, FormatError> {
    let limit = s.len().max(MAX_EXPANSION);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let value = if chars.get(i) == Some(&'(') {
            let (name, next) = mapping_key(&chars, i)?;
            i = next;
            let value = expansions.get(&name);
            Some(value.ok_or(FormatError::MissingName(name))?)
        } else {
            None
        };
        let (spec, next) = parse_spec(&chars, i)?;
        i = next;
        let Some(&kind) = chars.get(i) else {
            return Err(bad("incomplete format"));
        };
        let converted = match value {
            Some(value) => convert(kind, i, value, &spec)?,
            // Python would format the whole dict for a bare `%s`; nobody means that.
            None if kind != '%' && CONVERSIONS.contains(kind) => {
                return Err(bad("format requires a mapping"))
            }
            None => return Err(unsupported(kind, i)),
        };
        out.push_str(&converted);
        // Literal text never outgrows `s`; only what a directive adds can pass the limit.
        if out.len() > limit {
            return Err(FormatError::Bad(format!(
                "the result is longer than {limit} bytes"
            )));
        }
        i += 1;
    }
    Ok(out)
}

fn bad(why: &str) -> FormatError {
    FormatError::Bad(why.to_string())
}

/// Reads `(name)` starting at the `(`; parentheses nest, as in Python.
fn mapping_key(chars: &[char], open: usize) -> Result<(String, usize), FormatError> {
    let mut depth = 1;
    let mut j = open + 1;
    while j < chars.len() {
        match chars[j] {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok((chars[open + 1..j].iter().collect(), j + 1));
                }
            }
            _ => {}
        }
        j += 1;
    }
    Err(bad("incomplete format key"))
}

fn parse_spec(chars: &[char], mut i: usize) -> Result<(Spec, usize), FormatError> {
    let mut spec = Spec::default();
    while let Some(&c) = chars.get(i) {
        match c {
            '-' => spec.left = true,
            '+' => spec.plus = true,
            ' ' => spec.space = true,
            '#' => spec.alternate = true,
            '0' => spec.zero = true,
            _ => break,
        }
        i += 1;
    }
    if chars.get(i) == Some(&'*') {
        return Err(bad("not enough arguments for format string"));
    }
    (spec.width, i) = digits(chars, i);
    // Python's words for a width past its own limit; ours is lower.
    if spec.width > MAX_FIELD {
        return Err(bad("width too big"));
    }
    if chars.get(i) == Some(&'.') {
        if chars.get(i + 1) == Some(&'*') {
            return Err(bad("not enough arguments for format string"));
        }
        let (precision, next) = digits(chars, i + 1);
        if precision > MAX_FIELD {
            return Err(bad("precision too big"));
        }
        spec.precision = Some(precision);
        i = next;
    }
    while matches!(chars.get(i), Some('h' | 'l' | 'L')) {
        i += 1;
    }
    Ok((spec, i))
}

fn digits(chars: &[char], mut i: usize) -> (usize, usize) {
    let mut n: usize = 0;
    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        i += 1;
    }
    (n, i)
}

fn convert(kind: char, index: usize, value: &Value, spec: &Spec) -> Result<String, FormatError> {
    match (kind, value) {
        ('s' | 'r' | 'a', _) => Ok(text(kind, value, spec)),
        ('d' | 'i' | 'u', Value::Int(n)) => Ok(integer(*n, 10, "", spec)),
        ('x', Value::Int(n)) => Ok(integer(*n, 16, "0x", spec)),
        ('X', Value::Int(n)) => Ok(integer(*n, 16, "0X", spec).to_uppercase()),
        ('o', Value::Int(n)) => Ok(integer(*n, 8, "0o", spec)),
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', Value::Int(n)) => Ok(float(kind, *n as f64, spec)),
        ('c', Value::Int(n)) => char::from_u32(*n as u32)
            .map(|c| pad(String::new(), c.to_string(), spec, false))
            .ok_or_else(|| bad("%c arg not in range(0x110000)")),
        ('c', Value::Str(s)) if s.chars().count() == 1 => {
            Ok(pad(String::new(), s.clone(), spec, false))
        }
        ('d' | 'i' | 'u', Value::Str(_)) => Err(FormatError::Bad(format!(
            "%{kind} format: a real number is required, not str"
        ))),
        ('x' | 'X' | 'o', Value::Str(_)) => Err(FormatError::Bad(format!(
            "%{kind} format: an integer is required, not str"
        ))),
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', Value::Str(_)) => {
            Err(bad("must be real number, not str"))
        }
        ('c', Value::Str(_)) => Err(bad("%c requires int or char")),
        _ => Err(unsupported(kind, index)),
    }
}

/// Python's conversion characters.
const CONVERSIONS: &str = "sradiuxXoeEfFgGc";

fn unsupported(kind: char, index: usize) -> FormatError {
    FormatError::Bad(format!(
        "unsupported format character {} (0x{:x}) at index {index}",
        py::repr(&kind.to_string()),
        kind as u32
    ))
}

fn text(kind: char, value: &Value, spec: &Spec) -> String {
    let mut s = match value {
        Value::Str(s) if kind == 's' => s.clone(),
        Value::Str(s) => py::repr(s),
        Value::Int(n) => n.to_string(),
    };
    if let Some(p) = spec.precision {
        s = s.chars().take(p).collect();
    }
    // The `0` flag pads numbers only; Python ignores it for strings.
    pad(String::new(), s, spec, false)
}

fn integer(n: i64, radix: u32, prefix: &str, spec: &Spec) -> String {
    let magnitude = n.unsigned_abs();
    let digits = match radix {
        16 => format!("{magnitude:x}"),
        8 => format!("{magnitude:o}"),
        _ => magnitude.to_string(),
    };
    // Precision is a minimum number of digits.
    let digits = match spec.precision {
        Some(p) => format!("{digits:0>p$}"),
        None => digits,
    };
    let mut head = sign(n < 0, spec).to_string();
    if spec.alternate {
        head.push_str(prefix);
    }
    pad(head, digits, spec, true)
}

fn float(kind: char, x: f64, spec: &Spec) -> String {
    let precision = spec.precision.unwrap_or(6);
    let body = match kind.to_ascii_lowercase() {
        'f' => format!("{:.*}", precision, x.abs()),
        'e' => exponent_form(x.abs(), precision),
        _ => general_form(x.abs(), precision.max(1), spec.alternate),
    };
    let body = if kind.is_ascii_uppercase() {
        body.to_uppercase()
    } else {
        body
    };
    pad(sign(x < 0.0, spec).to_string(), body, spec, true)
}

/// `1.5e+03`: Python writes the exponent with a sign and at least two digits.
fn exponent_form(x: f64, precision: usize) -> String {
    let rust = format!("{:.*e}", precision, x);
    let (mantissa, exp) = rust.split_once('e').unwrap_or((&rust, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!(
        "{mantissa}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// `%g`: exponent form when the exponent is < -4 or >= precision, trailing zeros dropped.
fn general_form(x: f64, precision: usize, keep_zeros: bool) -> String {
    // C's rule: X is the exponent the E-style conversion with precision P-1 would print, so
    // rounding is accounted for (`%.2g` of 9.99 is `10`).
    let exp = format!("{:.*e}", precision - 1, x)
        .split_once('e')
        .and_then(|(_, e)| e.parse::<i32>().ok())
        .unwrap_or(0);
    let s = if exp < -4 || exp >= precision as i32 {
        exponent_form(x, precision - 1)
    } else {
        format!("{:.*}", (precision as i32 - 1 - exp).max(0) as usize, x)
    };
    if keep_zeros {
        return s;
    }
    let (mantissa, exponent) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), format!("e{e}")),
        None => (s.clone(), String::new()),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        mantissa
    };
    mantissa + &exponent
}

fn sign(negative: bool, spec: &Spec) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

/// Pads `head + body` to the width: left-justified with `-`, zero-filled between sign and
/// digits with `0` (numbers only), else right-justified with spaces.
fn pad(head: String, body: String, spec: &Spec, numeric: bool) -> String {
    let len = head.chars().count() + body.chars().count();
    let fill = spec.width.saturating_sub(len);
    if spec.left {
        format!("{head}{body}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        format!("{head}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{head}{body}", " ".repeat(fill))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Expansions {
        let mut e = Expansions::new();
        e.set_str("a", "x");
        e.set_str("s", "str");
        e.set_int("n", 42);
        e
    }

    fn fmt(s: &str) -> Result<String, String> {
        expand(s, &names(), "opt")
    }

    #[test]
    fn formats_like_python() {
        let cases = [
            ("%(n)05d", "00042"),
            ("%(n)-5d|", "42   |"),
            ("%(n)+d", "+42"),
            ("%(n) d", " 42"),
            ("%(s)5s|", "  str|"),
            ("%(s)-5s|", "str  |"),
            ("%(s).1s", "s"),
            ("%(n).3d", "042"),
            ("%(n)#x", "0x2a"),
            ("%(n)#o", "0o52"),
            ("%(s)r", "'str'"),
            ("%(n)c", "*"),
            ("%(n)ld", "42"),
            ("%(s)05s", "  str"),
            ("%(n)5.1f", " 42.0"),
            ("%(n)e", "4.200000e+01"),
            ("%(n)g", "42"),
            ("%(n).1g", "4e+01"),
            ("%(n)02d", "42"),
            ("%(n)s", "42"),
            ("100%% %(a)s", "100% x"),
        ];
        for (input, expected) in cases {
            assert_eq!(fmt(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn errors_are_supervisors() {
        assert_eq!(
            fmt("%(foo)s").unwrap_err(),
            "Format string '%(foo)s' for 'opt' contains names ('foo') which cannot be \
             expanded. Available names: a, n, s"
        );
        let bad = |s: &str, why: &str| {
            assert_eq!(
                fmt(s).unwrap_err(),
                format!(
                    "Format string {} for 'opt' is badly formatted: {why}",
                    py::repr(s)
                )
            )
        };
        bad("%(a)d", "%d format: a real number is required, not str");
        bad("%(a)x", "%x format: an integer is required, not str");
        bad("%(a)f", "must be real number, not str");
        bad(
            "%(a)y",
            "unsupported format character 'y' (0x79) at index 4",
        );
        bad("%(a)", "incomplete format");
        bad("%(a", "incomplete format key");
        bad("100%", "incomplete format");
        bad("%5%", "unsupported format character '%' (0x25) at index 2");
    }

    /// Crashes found while writing the fuzz target: a width past `usize::MAX` saturated and
    /// padding to it panicked (capacity overflow), a precision past 65 535 panicked in Rust's
    /// formatter, and a width of a billion took a gigabyte.
    #[test]
    fn huge_width_or_precision_is_refused() {
        let too_big = |s: &str, why: &str| {
            let error = fmt(s).unwrap_err();
            assert!(
                error.ends_with(&format!("badly formatted: {why}")),
                "{s}: {error}"
            );
        };
        too_big("%(a)99999999999999999999s", "width too big");
        too_big("%(n)0999999999d", "width too big");
        too_big("%(n).99999999999999999999d", "precision too big");
        too_big("%(n).999999999f", "precision too big");
        too_big(&format!("%(n).{}f", MAX_FIELD + 1), "precision too big");
        let len = |s: String| fmt(&s).unwrap().len();
        assert_eq!(len(format!("%(a){MAX_FIELD}s")), MAX_FIELD);
        assert_eq!(len(format!("%(n).{MAX_FIELD}d")), MAX_FIELD);
        assert_eq!(len(format!("%(n).{MAX_FIELD}f")), "42.".len() + MAX_FIELD);
    }

    #[test]
    fn result_longer_than_the_cap_is_refused() {
        let mut names = names();
        names.set_str("big", &"x".repeat(MAX_EXPANSION / 2 + 1));
        assert_eq!(
            expand("%(big)s", &names, "o").unwrap().len(),
            MAX_EXPANSION / 2 + 1
        );
        assert_eq!(
            expand("%(big)s%(big)s", &names, "o").unwrap_err(),
            format!(
                "Format string '%(big)s%(big)s' for 'o' is badly formatted: the result is longer \
                 than {MAX_EXPANSION} bytes"
            )
        );
        // Text that is already long may stay as long.
        let long = "y".repeat(2 * MAX_EXPANSION);
        assert_eq!(
            expand(&format!("{long}%%"), &names, "o").unwrap(),
            format!("{long}%")
        );
    }
}
