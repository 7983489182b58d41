//! The benchmark: our supervisord against Python supervisord 4.3 on this machine, in one run,
//! interleaved (ours, Python, ours, Python, ...), through the same XML-RPC API over a unix
//! socket. Prints a markdown table: each figure's median for both, and ours/Python.
//!
//! Run it with `scripts/bench.sh` (builds in release mode and installs Python supervisord
//! into target/pyvenv first). `--repeats N` (default 3) and `--quick` (smaller workloads, for
//! checking that the benchmark itself works) are accepted, and for profiling `--only TEXT`
//! (scenarios whose name contains TEXT) and `--ours` (skip Python).

mod client;
mod daemons;
mod scenarios;

use std::collections::BTreeMap;

use daemons::Kind;
use scenarios::Figure;

/// Per figure (in scenario order): its unit, then our values and Python's.
type Results = BTreeMap<(usize, String), (String, Vec<f64>, Vec<f64>)>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeats = args
        .iter()
        .position(|a| a == "--repeats")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let scale = if args.iter().any(|a| a == "--quick") {
        scenarios::Scale::Quick
    } else {
        scenarios::Scale::Full
    };
    // `--only TEXT`: just the scenarios whose name contains TEXT (for profiling one figure).
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    // `--ours`: skip Python (for profiling; the README's table always runs both).
    let kinds: &[Kind] = if args.iter().any(|a| a == "--ours") {
        &[Kind::Ours]
    } else {
        &[Kind::Ours, Kind::Python]
    };

    let mut results = Results::new();
    let selected = scenarios::ALL
        .iter()
        .enumerate()
        .filter(|(_, s)| only.as_ref().is_none_or(|o| s.name.contains(o.as_str())));
    for (index, scenario) in selected {
        for round in 0..repeats {
            for &kind in kinds {
                eprintln!(
                    "{} round {} of {repeats}: {}",
                    scenario.name,
                    round + 1,
                    kind.label()
                );
                for Figure { name, unit, value } in (scenario.run)(kind, scale) {
                    let entry = results.entry((index, name.to_string())).or_insert((
                        unit.to_string(),
                        vec![],
                        vec![],
                    ));
                    match kind {
                        Kind::Ours => entry.1.push(value),
                        Kind::Python => entry.2.push(value),
                    }
                }
            }
        }
    }
    print_table(&results, repeats);
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn print_table(results: &Results, repeats: usize) {
    println!("| figure | Python 4.3 | ours | ours / Python |");
    println!("|---|---|---|---|");
    for ((_, name), (unit, ours, python)) in results {
        let (o, p) = (median(ours), median(python));
        let ratio = if p != 0.0 {
            format!("{:.3}x", o / p)
        } else {
            "-".into()
        };
        let shown = |v: f64| {
            if v.is_nan() {
                "-".to_string()
            } else {
                format!("{} {unit}", fmt(v))
            }
        };
        println!("| {name} | {} | {} | {ratio} |", shown(p), shown(o));
    }
    println!("\nMedians over {repeats} interleaved rounds.");
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}
