//! Fuzz target for the config reader: arbitrary bytes as a supervisord.conf, read three ways.
//! Nothing may panic, and:
//! - bytes that are not UTF-8 are refused by `load` with the decoder's message;
//! - the INI reader's heap stays linear in the input;
//! - every value, `%`-escaped, expands back to itself, and no expansion outgrows the cap;
//! - `load` of the whole file stays within a budget set by the input, the processes the
//!   file asks for and the expansion cap.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

// The reader is included by path rather than through the `supervisord` crate so that the
// fuzz build instruments nix, glob and thiserror, not actix.
#[path = "../../src/config/mod.rs"]
#[allow(dead_code, unused_imports)]
mod config;

mod heap;

use config::expand::{expand, Expansions, MAX_EXPANSION};
use config::parse::{universal_newlines, Ini};
use config::types::list_of_strings;
use config::{load, py, Overrides};

/// More processes than this and the input is not loaded: what `load` builds grows with the
/// processes configured (a million is a valid config), and the point here is the reader.
const MAX_PROCESSES: u64 = 64;

fuzz_target!(|data: &[u8]| {
    let path = conf_path();
    std::fs::write(path, data).expect("write the config under test");
    let Ok(text) = std::str::from_utf8(data) else {
        let error = load(path, &Overrides::default()).expect_err("loaded a file that is not UTF-8");
        assert!(
            error.message.starts_with("'utf-8' codec can't decode"),
            "{}",
            error.message
        );
        return;
    };

    let (parsed, used) = heap::peak_during(|| {
        let mut ini = Ini::default();
        ini.read_str(&universal_newlines(text), "/f.conf", Path::new("/f.conf"))
            .map(|()| ini)
    });
    // Linear, with room for the smallest section: a 4-byte `[a]` line costs a Section, its
    // index entry and a copy of the file's path.
    assert!(
        used <= 128 * data.len() + 8192,
        "parsing {} bytes peaked at {used} heap bytes",
        data.len()
    );
    let Ok(ini) = parsed else { return };
    check_expansions(&ini);

    // `[include]` would read whatever the globs match, /dev/zero included.
    if ini.has_section("include") {
        return;
    }
    let Some(processes) = processes_asked(&ini).filter(|&n| n <= MAX_PROCESSES) else {
        return;
    };
    let (_, used) = heap::peak_during(|| load(path, &Overrides::default()));
    let budget = load_budget(data.len(), processes);
    assert!(
        used <= budget,
        "loading {} bytes ({processes} processes) peaked at {used} heap bytes, over {budget}",
        data.len()
    );
});

/// The heap `load` may take: the input's own copies (files, sections, messages), plus for
/// each process (and for the sections and the environment) its dozen values, none of which
/// can be longer than the input or the expansion cap.
fn load_budget(len: usize, processes: u64) -> usize {
    let per_value = len + MAX_EXPANSION;
    32 * len + (processes as usize + 4) * 16 * per_value
}

/// Expands every value with names of both kinds (text and numbers).
fn check_expansions(ini: &Ini) {
    let mut names = Expansions::new();
    names.set_str("here", "/etc/supervisor");
    names.set_str("program_name", "web");
    names.set_int("process_num", 7);
    names.set_int("numprocs", 12);
    let values = ini
        .defaults
        .iter()
        .chain(ini.sections.iter().flat_map(|s| &s.options));
    for (_, value) in values {
        if let Ok(expanded) = expand(value, &names, "fuzz") {
            assert!(
                expanded.len() <= value.len().max(MAX_EXPANSION),
                "{value:?}"
            );
        }
        assert_eq!(
            expand(&value.replace('%', "%%"), &names, "fuzz").as_ref(),
            Ok(value),
            "an escaped value must expand to itself"
        );
    }
}

/// How many processes `ini` asks for at most, or `None` when that depends on an expansion:
/// each program-like section's `numprocs`, once for its own group and once more for each
/// `[group:x]` that lists it (each listing builds its processes again).
fn processes_asked(ini: &Ini) -> Option<u64> {
    let mut listed: Vec<String> = Vec::new();
    for group in ini.sections.iter().filter(|s| s.name.starts_with("group:")) {
        let programs = ini.get(&group.name, "programs").unwrap_or("");
        if programs.contains('%') {
            return None;
        }
        listed.extend(list_of_strings(programs));
    }
    let mut total: u64 = 0;
    for section in &ini.sections {
        let Some((kind, name)) = section.name.split_once(':') else {
            continue;
        };
        if !matches!(kind, "program" | "eventlistener" | "fcgi-program") {
            continue;
        }
        let numprocs = match ini.get(&section.name, "numprocs") {
            None => 1,
            Some(n) if n.contains('%') => return None,
            // Not a number: `load` stops at it.
            Some(n) => py::int(n).map_or(0, |n| n.max(0) as u64),
        };
        let listings = listed.iter().filter(|l| *l == name).count() as u64;
        total = total.checked_add(numprocs.checked_mul(1 + listings)?)?;
    }
    Some(total)
}

/// The file each input is written to, in a directory of this run's own, and a fixed
/// environment (`%(ENV_X)s` names), so a crash replays the same anywhere.
fn conf_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        for (key, _) in std::env::vars_os() {
            std::env::remove_var(key);
        }
        std::env::set_var("HOME", "/root");
        std::env::set_var("PATH", "/usr/bin:/bin");
        let dir = std::env::temp_dir().join(format!("load_config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz directory");
        dir.join("supervisord.conf")
    })
}
