//! The benchmark itself (`bench/`, run by scripts/bench.sh) at its quick scale, on its log
//! scenarios (the whole run takes minutes): both daemons run them and every row comes out
//! measured. Times are not checked (they belong to the benchmark), but what the benchmark
//! demands of correctness is: no log byte lost, no line damaged.

use std::path::PathBuf;
use std::process::Command;

/// The example binary next to the daemon (scripts/test.sh builds it first), which finds the
/// daemon beside it.
fn bench_binary() -> PathBuf {
    let daemon = PathBuf::from(env!("CARGO_BIN_EXE_supervisord"));
    let bench = daemon.parent().expect("target dir").join("examples/bench");
    assert!(
        bench.exists(),
        "{} is missing: build it with `cargo build --examples` (scripts/test.sh does)",
        bench.display()
    );
    bench
}

/// A table row's two measured cells (Python, ours).
fn cells<'a>(table: &'a str, figure: &str) -> (&'a str, &'a str) {
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("| {figure} |")))
        .unwrap_or_else(|| panic!("no row {figure:?} in:\n{table}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    (cells[2], cells[3])
}

#[test]
fn quick_log_benchmark_runs_both_daemons_and_loses_no_log_byte() {
    let out = Command::new(bench_binary())
        .args(["--quick", "--repeats", "1", "--only", "child log"])
        .output()
        .expect("run the benchmark");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| figure"))
        .collect();
    assert_eq!(rows.len(), 8, "{table}");
    for row in &rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        for cell in &cells[2..4] {
            let number = cell.split_whitespace().next().unwrap_or("");
            assert!(number.parse::<f64>().is_ok(), "not measured: {row}");
        }
    }
    assert_eq!(
        cells(&table, "child log: bytes lost"),
        ("0.000 B", "0.000 B")
    );
    assert_eq!(
        cells(&table, "child log: lines split or merged"),
        ("0.000", "0.000")
    );
    assert_eq!(
        cells(&table, "10 children's logs at once: bytes lost"),
        ("0.000 B", "0.000 B")
    );
    assert_eq!(
        cells(&table, "10 children's logs at once: lines damaged"),
        ("0.000", "0.000")
    );
    let (python_lines, our_lines) = cells(&table, "child log: whole lines");
    assert_eq!(python_lines, our_lines, "{table}");
}
