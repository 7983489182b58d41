//! Differential test of the INI reader (`config::parse`) against Python's own
//! `configparser.RawConfigParser`, configured as Supervisor's `UnhosedConfigParser` does
//! (`inline_comment_prefixes=(';', '#')`, `strict=False`).
//!
//! A seeded generator writes a few hundred small INI texts full of the hard parts (inline
//! comments with and without whitespace before them, continuation and blank lines, both
//! delimiters, quotes, backslashes, `%`, Unicode whitespace, duplicate keys and sections,
//! `[DEFAULT]`, broken lines). One `python3` process parses them all; both sides print the
//! same canonical dump, and every case must match. `python3` (stdlib only) is required: the
//! test fails, loudly, without it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use supervisord::config::parse::Ini;

const CASES: usize = 400;
const SEED: u64 = 0x5eed_1e55_c0ff_ee00;

/// Parses each case (NUL-separated on stdin) and prints the canonical dump, one record per
/// case, separated by a marker line.
const PYTHON: &str = r#"
import configparser, sys
def esc(s):
    return s.replace('\\', '\\\\').replace('\n', '\\n')
out = []
for text in sys.stdin.read().split('\0'):
    p = configparser.RawConfigParser(inline_comment_prefixes=(';', '#'), strict=False)
    try:
        p.read_string(text, '<case>')
    except configparser.Error as e:
        out.append('ERR ' + esc(str(e)))
        continue
    lines = ['OK']
    for k, v in p._defaults.items():
        lines.append('D ' + esc(k) + '=' + esc(v))
    for name, opts in p._sections.items():
        lines.append('S ' + esc(name))
        for k, v in opts.items():
            lines.append(' ' + esc(k) + '=' + esc(v))
    out.append('\n'.join(lines))
sys.stdout.write('\n@@@@\n'.join(out))
"#;

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

/// The same dump as the Python script, from our reader.
fn dump(text: &str) -> String {
    let mut ini = Ini::default();
    if let Err(message) = ini.read_str(text, "<case>", Path::new("<case>")) {
        return format!("ERR {}", esc(&message));
    }
    let mut lines = vec!["OK".to_string()];
    for (k, v) in &ini.defaults {
        lines.push(format!("D {}={}", esc(k), esc(v)));
    }
    for section in &ini.sections {
        lines.push(format!("S {}", esc(&section.name)));
        for (k, v) in &section.options {
            lines.push(format!(" {}={}", esc(k), esc(v)));
        }
    }
    lines.join("\n")
}

/// xorshift64*: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NAME_BITS: &[&str] = &[
    "a", "B", "prog", "x", "_", ".", "-", "1", "Key", "é", " ", "\t", "\u{a0}",
];
const VALUE_BITS: &[&str] = &[
    "v",
    "x y",
    ";",
    " ;",
    "#",
    " #",
    "\t#",
    "=",
    ":",
    "\"",
    "'",
    "\\",
    "\\n",
    "%",
    "%(here)s",
    "%%",
    "(",
    ")",
    "[",
    "]",
    "é",
    "日本",
    " ",
    "\t",
    "\u{a0}",
    "\u{2003}",
    "\u{1c}",
    "\u{c}",
    "\r",
    "http://h/#frag",
    "a=b",
    "k:v",
];
const SECTION_NAMES: &[&str] = &[
    "supervisord",
    "program:web",
    "Program:Web",
    "DEFAULT",
    "group:g",
    "a]b",
    " spaced ",
    "x;y",
    "é",
];

fn word(rng: &mut Rng, bits: &[&str], max: usize) -> String {
    (0..rng.below(max) + 1).map(|_| rng.pick(bits)).collect()
}

fn indent(rng: &mut Rng) -> &'static str {
    ["", "", "", " ", "  ", "\t", "\u{a0}"][rng.below(7)]
}

fn section_line(rng: &mut Rng) -> String {
    let name = rng.pick(SECTION_NAMES);
    let tail = ["", " ;c", ";c", " # c", " trailing"][rng.below(5)];
    format!("{}[{name}]{tail}", indent(rng))
}

fn option_line(rng: &mut Rng) -> String {
    let key = word(rng, NAME_BITS, 3);
    let delim = rng.pick(&["=", ":", " = ", " : ", "\t=", "= ", ":  "]);
    let value = word(rng, VALUE_BITS, 6);
    format!("{}{key}{delim}{value}", indent(rng))
}

fn any_line(rng: &mut Rng) -> String {
    match rng.below(20) {
        0..=8 => option_line(rng),
        9..=10 => section_line(rng),
        11..=12 => format!("{}{}", indent(rng), rng.pick(&["; c", "# c", ";", "#x"])),
        13..=14 => ["", " ", "\t", "\u{a0}"][rng.below(4)].to_string(),
        15..=18 => format!(
            "{}{}",
            ["  ", "\t", " ", "    "][rng.below(4)],
            word(rng, VALUE_BITS, 4)
        ),
        _ => word(rng, NAME_BITS, 3), // no delimiter: a parsing error
    }
}

fn case(rng: &mut Rng) -> String {
    let mut lines = Vec::new();
    if rng.chance(93) {
        lines.push(format!("[{}]", rng.pick(SECTION_NAMES)));
    }
    for _ in 0..rng.below(12) {
        lines.push(any_line(rng));
    }
    let mut text = lines.join("\n");
    if rng.chance(80) {
        text.push('\n');
    }
    text
}

/// Fixed cases for quirks worth pinning even if the generator misses them.
const FIXED: &[&str] = &[
    "[a]\nx=b;c ;d #e\n",
    "[a]\nx = 1\n  2\n\n  3\n\n\ny=4\n",
    "[a]\nx=1\n; comment\n  still x\n",
    "[a]\nx=1\n  [b]\n",
    "[DEFAULT]\nd=1\n[a]\nd=2\n",
    "[a]\n=x\n",
    "[a]\nx=1\ny\n  z\n",
    "[a]\nk = \"q\" 'r' \\ %(here)s\n",
    "[a] ; c\nx=1\n[a]\ny=2\n",
];

fn run_python(cases: &[String]) -> String {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(PYTHON)
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect(
            "python3 is required for this test (system Python 3, stdlib only): \
             install it, e.g. `apt-get install python3`",
        );
    let input = cases.join("\0");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("python3 runs");
    writer.join().unwrap().expect("write cases to python3");
    assert!(output.status.success(), "python3 failed");
    String::from_utf8(output.stdout).expect("python3 writes UTF-8")
}

#[test]
fn reader_matches_python_configparser() {
    let mut rng = Rng(SEED);
    let mut cases: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    cases.extend((0..CASES).map(|_| case(&mut rng)));
    let python = run_python(&cases);
    let expected: Vec<&str> = python.split("\n@@@@\n").collect();
    assert_eq!(expected.len(), cases.len(), "python3 answered every case");
    let mut failures = Vec::new();
    for (text, want) in cases.iter().zip(&expected) {
        let got = dump(text);
        if got != *want {
            failures.push(format!(
                "input: {text:?}\npython: {want:?}\nours:   {got:?}\n"
            ));
        }
    }
    let parsed_ok = expected.iter().filter(|e| e.starts_with("OK")).count();
    assert!(
        parsed_ok > cases.len() / 4,
        "too few cases parse: {parsed_ok}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Python:\n{}",
        failures.len(),
        cases.len(),
        failures.iter().take(5).cloned().collect::<String>()
    );
}
