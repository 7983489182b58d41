//! The option table against the loader and the sample: the loader reads every option where
//! it applies and none that the table lacks, and an option left out means the value that
//! the table and the sample give.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::config::expand::Expansions;
use crate::config::parse::Ini;
use crate::config::{programs, sample, GroupConfig};

const SECTIONS: [(SectionKind, &str); 3] = [
    (Program, "program:p"),
    (EventListener, "eventlistener:p"),
    (FcgiProgram, "fcgi-program:p"),
];

/// Loads `[section]` with `lines` as the only section of a file: its groups, and every
/// option the loader asked that section for.
fn load(section: &str, lines: &[String]) -> (Vec<Arc<GroupConfig>>, BTreeSet<String>) {
    let text = format!("[{section}]\n{}\n", lines.join("\n"));
    let mut ini = Ini::default();
    ini.read_str(&text, "test.conf", Path::new("test.conf"))
        .unwrap();
    ini.record_reads();
    let groups = programs::groups(&ini, "/tmp", &Expansions::new(), false, &mut Vec::new())
        .unwrap_or_else(|e| panic!("{text}\n{e}"));
    let read = ini.options_read().remove(section).unwrap_or_default();
    (groups, read)
}

fn setting(option: &ProgramOption, value: &str) -> String {
    format!("{}={value}", option.name)
}

/// The options a `kind` section cannot do without, at their examples.
fn required(kind: SectionKind) -> Vec<String> {
    OPTIONS
        .iter()
        .filter(|o| o.applies_to(kind) && matches!(o.default, Required { .. }))
        .map(|o| setting(o, o.sample_value(kind)))
        .collect()
}

/// The `name=value` lines of the sample's commented `kind` section.
fn sample_settings(kind_section: &str) -> Vec<(String, String)> {
    let prefix = kind_section.split(':').next().unwrap();
    let header = format!(";[{prefix}:");
    let mut lines = sample::sample_config()
        .lines()
        .skip_while(|line| !line.starts_with(&header));
    assert!(lines.next().is_some(), "the sample has no {header}");
    lines
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let (setting, _comment) = line.split_once(" ;").unwrap_or((line, ""));
            let (name, value) = setting.trim_start_matches(';').split_once('=').unwrap();
            (name.to_string(), value.trim_end().to_string())
        })
        .collect()
}

#[test]
fn every_option_is_in_the_table_once() {
    let mut names = BTreeSet::new();
    for option in OPTIONS {
        assert!(names.insert(option.name), "{} twice", option.name);
        assert!(!option.sections.is_empty(), "{} in no section", option.name);
    }
}

#[test]
fn the_loader_reads_every_option_where_it_applies_and_none_the_table_lacks() {
    let known: BTreeSet<String> = OPTIONS.iter().map(|o| o.name.to_string()).collect();
    for (kind, section) in SECTIONS {
        let (_, read) = load(section, &required(kind));
        let unread: Vec<&str> = OPTIONS
            .iter()
            .filter(|o| o.applies_to(kind) && !read.contains(o.name))
            .map(|o| o.name)
            .collect();
        assert!(unread.is_empty(), "[{section}] never reads {unread:?}");
        let unknown: Vec<&String> = read.difference(&known).collect();
        assert!(
            unknown.is_empty(),
            "[{section}] reads {unknown:?}, which the option table lacks"
        );
    }
}

#[test]
fn options_left_out_take_their_defaults_from_the_table() {
    for (kind, section) in SECTIONS {
        let (left_out, _) = load(section, &required(kind));
        // An event listener's `priority` defaults differently for the pool and for each
        // process, so one value written out can only match the pool's: checked alone.
        let two_defaults =
            |o: &ProgramOption| kind == EventListener && matches!(o.default, ListenerPool { .. });
        let mut written = required(kind);
        for option in OPTIONS
            .iter()
            .filter(|o| o.applies_to(kind) && !two_defaults(o))
        {
            if let Some(default) = option.default_in(kind) {
                written.push(setting(option, default));
            }
        }
        let (written_out, _) = load(section, &written);
        assert_eq!(left_out, written_out, "[{section}] with {written:#?}");
        for option in OPTIONS
            .iter()
            .filter(|o| o.applies_to(kind) && two_defaults(o))
        {
            let mut lines = required(kind);
            lines.push(setting(option, option.default_in(kind).unwrap()));
            let (pool, _) = load(section, &lines);
            assert_eq!(
                left_out[0].priority, pool[0].priority,
                "[{section}] {lines:?}"
            );
        }
    }
}

#[test]
fn the_sample_shows_every_option_with_its_default() {
    let mut shown = BTreeSet::new();
    for (kind, section) in SECTIONS {
        for (name, value) in sample_settings(section) {
            let option = lookup(&name);
            assert!(
                option.applies_to(kind),
                "the sample's [{section}] shows {name}"
            );
            if let Some(default) = option.default_in(kind) {
                assert_eq!(value, default, "the sample's [{section}] {name}");
            }
            shown.insert(option.name);
        }
    }
    let missing: Vec<&str> = OPTIONS
        .iter()
        .map(|o| o.name)
        .filter(|name| !shown.contains(name))
        .collect();
    assert!(missing.is_empty(), "the sample lacks {missing:?}");
}
