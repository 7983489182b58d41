//! The benchmark: our supervisord against Python supervisord 4.3 on this machine, in one run,
//! interleaved (ours, Python, ours, Python, ...), through the same XML-RPC API over a unix
//! socket; then against the other supervisors installed here (bench/peers/), interleaved the
//! same way. Prints two markdown tables: ours and Python with ours/Python, and one column per
//! peer.
//!
//! Run it with `scripts/bench.sh` (builds in release mode and installs Python supervisord
//! and the peers first); `--help` lists its options.

mod client;
mod daemons;
mod peers;
mod procfs;
mod scenarios;
mod workloads;

use std::sync::Mutex;

use daemons::Kind;
use scenarios::{Figure, Scale};

/// Notes printed under the tables: what was skipped, and why.
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Prints `text` now and under the tables (once, however many rounds say it).
pub fn note(text: String) {
    eprintln!("note: {text}");
    let mut notes = NOTES.lock().expect("notes");
    if !notes.contains(&text) {
        notes.push(text);
    }
}

/// The table's rows in the order first measured: a figure, its unit, then per column its
/// values over the rounds.
struct Table {
    columns: Vec<String>,
    rows: Vec<(String, &'static str, Vec<Vec<f64>>)>,
}

impl Table {
    fn new(columns: Vec<String>) -> Table {
        Table {
            columns,
            rows: vec![],
        }
    }

    fn add(&mut self, column: usize, figures: Vec<Figure>) {
        for Figure { name, unit, value } in figures {
            let width = self.columns.len();
            let row = match self.rows.iter().position(|r| r.0 == name) {
                Some(i) => i,
                None => {
                    self.rows.push((name, unit, vec![vec![]; width]));
                    self.rows.len() - 1
                }
            };
            self.rows[row].2[column].push(value);
        }
    }
}

/// Our supervisord against Python supervisord 4.3 and the peers installed here.
#[derive(clap::Parser)]
struct Options {
    /// Interleaved rounds per scenario; the tables show medians.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Smaller workloads, for checking that the benchmark itself works.
    #[arg(long)]
    quick: bool,
    /// Only the scenarios whose name contains TEXT (for profiling).
    #[arg(long, value_name = "TEXT")]
    only: Option<String>,
    /// Skip Python and the peers (the README's tables always run all).
    #[arg(long = "ours")]
    ours_only: bool,
}

impl Options {
    fn scale(&self) -> Scale {
        if self.quick {
            Scale::Quick
        } else {
            Scale::Full
        }
    }

    fn selected(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|o| name.contains(o.as_str()))
    }
}

fn main() {
    let options = <Options as clap::Parser>::parse();
    let repeats = options.repeats;
    let kinds: &[Kind] = if options.ours_only {
        &[Kind::Ours]
    } else {
        &[Kind::Ours, Kind::Python]
    };
    let mut python = Table::new(vec!["Python 4.3".into(), "ours".into()]);
    for scenario in scenarios::ALL.iter().filter(|s| options.selected(s.name)) {
        for round in 0..repeats {
            for &kind in kinds {
                eprintln!(
                    "{} round {} of {repeats}: {}",
                    scenario.name,
                    round + 1,
                    kind.label()
                );
                let column = if kind == Kind::Python { 0 } else { 1 };
                python.add(column, (scenario.run)(kind, options.scale()));
            }
        }
    }
    let mut peer_list = peers::all();
    if options.ours_only {
        peer_list.truncate(1);
    }
    for peer in &peer_list {
        if let Some(why) = peer.missing() {
            note(format!("{} skipped: {why}", peer.name()));
        }
    }
    let mut peer_table = Table::new(peer_list.iter().map(|p| p.name().to_string()).collect());
    for scenario in peers::SCENARIOS.iter().filter(|s| options.selected(s.name)) {
        for round in 0..repeats {
            for (column, peer) in peer_list.iter().enumerate() {
                if peer.missing().is_none() {
                    eprintln!(
                        "{} round {} of {repeats}: {}",
                        scenario.name,
                        round + 1,
                        peer.name()
                    );
                    peer_table.add(column, (scenario.run)(peer.as_ref(), options.scale()));
                }
            }
        }
    }
    print_with_ratio(&python);
    if !peer_table.rows.is_empty() {
        println!();
        print_plain(&peer_table);
    }
    println!("\nMedians over {repeats} interleaved rounds.");
    for text in NOTES.lock().expect("notes").iter() {
        println!("\nNote: {text}");
    }
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

/// A cell: the median with its unit, or "-" where nothing was measured.
fn cell(values: &[f64], unit: &str) -> String {
    let v = median(values);
    if v.is_nan() {
        "-".to_string()
    } else {
        format!("{} {unit}", fmt(v)).trim_end().to_string()
    }
}

/// Python, ours, and ours/Python.
fn print_with_ratio(table: &Table) {
    println!("| figure | Python 4.3 | ours | ours / Python |");
    println!("|---|---|---|---|");
    for (name, unit, columns) in &table.rows {
        let (p, o) = (median(&columns[0]), median(&columns[1]));
        let ratio = if p != 0.0 && !p.is_nan() && !o.is_nan() {
            format!("{:.3}x", o / p)
        } else {
            "-".into()
        };
        println!(
            "| {name} | {} | {} | {ratio} |",
            cell(&columns[0], unit),
            cell(&columns[1], unit)
        );
    }
}

/// One column per peer, "-" where a peer cannot express a figure.
fn print_plain(table: &Table) {
    println!("| figure | {} |", table.columns.join(" | "));
    println!("|---|{}", "---|".repeat(table.columns.len()));
    for (name, unit, columns) in &table.rows {
        let cells: Vec<String> = columns.iter().map(|c| cell(c, unit)).collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
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
