//! The prefixer on chunk boundaries: wherever reads split the output, each line comes out
//! once, whole, with one prefix, and nothing else changes.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::config::types::log_prefix;

/// 2026-12-01 23:37:58,123 plus `ms` milliseconds.
fn at(ms: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 23, 37, 58).unwrap()
        + chrono::Duration::milliseconds(123 + ms)
}

/// A clock for reads where no line starts.
fn never() -> DateTime<Utc> {
    panic!("no line starts in this read")
}

fn prefixer(fields: &str) -> LinePrefixer {
    let settings = PrefixSettings {
        fields: log_prefix(fields).unwrap(),
        name: "web:web_00".into(),
    };
    LinePrefixer::new(&settings, Channel::Stdout).expect("a prefix")
}

/// Feeds `reads` in turn (all at one time) and returns what was written, ending the stream.
fn through(p: &mut LinePrefixer, reads: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for read in reads {
        p.feed(read, || at(0), &mut out);
    }
    p.end_line(&mut out);
    out
}

#[test]
fn fields_come_in_the_order_written() {
    let cases = [
        ("name,stream", "web:web_00 stdout | a\n"),
        ("time", "2026-12-01 23:37:58,123 | a\n"),
        (
            "time,name,stream",
            "2026-12-01 23:37:58,123 web:web_00 stdout | a\n",
        ),
        (
            "stream,time,name",
            "stdout 2026-12-01 23:37:58,123 web:web_00 | a\n",
        ),
        ("name,time", "web:web_00 2026-12-01 23:37:58,123 | a\n"),
    ];
    for (fields, expected) in cases {
        let out = through(&mut prefixer(fields), &[b"a\n"]);
        assert_eq!(String::from_utf8(out).unwrap(), expected, "{fields}");
    }
}

#[test]
fn no_fields_no_prefixer() {
    let settings = PrefixSettings {
        fields: log_prefix("").unwrap(),
        name: "web".into(),
    };
    assert!(LinePrefixer::new(&settings, Channel::Stderr).is_none());
}

#[test]
fn a_line_split_across_reads_is_written_whole_once_its_newline_comes() {
    let mut p = prefixer("stream");
    let mut out = Vec::new();
    p.feed(b"one\ntw", || at(0), &mut out);
    assert_eq!(out, b"stdout | one\n");
    assert!(p.held_due_in().is_some());
    p.feed(b"o", never, &mut out);
    assert_eq!(out, b"stdout | one\n");
    p.feed(b"\n", never, &mut out);
    assert_eq!(out, b"stdout | one\nstdout | two\n");
    assert!(p.held_due_in().is_none());
}

#[test]
fn the_time_is_when_the_first_byte_of_the_line_was_read() {
    let mut p = prefixer("time");
    let mut out = Vec::new();
    p.feed(b"ab", || at(0), &mut out);
    p.feed(b"c\nd\n", || at(5), &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "2026-12-01 23:37:58,123 | abc\n2026-12-01 23:37:58,128 | d\n"
    );
}

#[test]
fn every_split_of_the_output_gives_the_same_lines() {
    let text: &[u8] = b"first\n\nthird line\nx\nlast, unended";
    let expected = through(&mut prefixer("name"), &[text]);
    assert_eq!(
        String::from_utf8(expected.clone()).unwrap(),
        "web:web_00 | first\nweb:web_00 | \nweb:web_00 | third line\nweb:web_00 | x\n\
         web:web_00 | last, unended\n"
    );
    for i in 0..=text.len() {
        for j in i..=text.len() {
            let reads = [&text[..i], &text[i..j], &text[j..]];
            let out = through(&mut prefixer("name"), &reads);
            assert_eq!(out, expected, "split at {i} and {j}");
        }
    }
}

#[test]
fn a_flood_in_uneven_reads_keeps_every_line() {
    let lines = 20_000;
    let text: Vec<u8> = (0..lines)
        .flat_map(|n| format!("{n}\n").into_bytes())
        .collect();
    let mut p = prefixer("stream");
    let mut out = Vec::new();
    let mut rest = &text[..];
    // Read sizes that land on every kind of boundary, and one read far bigger than a line.
    for size in [1, 2, 3, 7, 64, 1000, 65_536].iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (read, tail) = rest.split_at((*size).min(rest.len()));
        p.feed(read, || at(0), &mut out);
        rest = tail;
    }
    let expected: Vec<u8> = (0..lines)
        .flat_map(|n| format!("stdout | {n}\n").into_bytes())
        .collect();
    assert_eq!(out, expected);
}

#[test]
fn a_line_over_the_hold_limit_is_written_as_pieces_each_prefixed() {
    let mut p = prefixer("stream");
    let mut out = Vec::new();
    let long = vec![b'x'; HOLD_MAX + 1];
    p.feed(&long, || at(0), &mut out);
    let mut expected = b"stdout | ".to_vec();
    expected.extend_from_slice(&long);
    expected.push(b'\n');
    assert_eq!(out, expected, "written at once, ended");
    assert!(p.held_due_in().is_none());
    p.feed(b"rest\n", || at(0), &mut out);
    expected.extend_from_slice(b"stdout | rest\n");
    assert_eq!(out, expected);
}

#[test]
fn ending_the_stream_ends_the_held_line_once() {
    let mut p = prefixer("stream");
    let mut out = Vec::new();
    p.feed(b"prompt: ", || at(0), &mut out);
    assert!(out.is_empty());
    p.end_line(&mut out);
    p.end_line(&mut out);
    assert_eq!(out, b"stdout | prompt: \n");
    p.feed(b"answer\n", || at(0), &mut out);
    assert_eq!(out, b"stdout | prompt: \nstdout | answer\n");
}
