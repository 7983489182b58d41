//! `check-config --strict`: what a file sets that nothing reads. Supervisor, like the daemon,
//! ignores an option it does not know (`stopwaitsec=` for `stopwaitsecs=`), so a typo
//! silently keeps the default. The known options are not listed here: they are the ones the
//! loader asked each section for while loading it (see `Ini::record_reads`), so this can
//! never disagree with the loader.

use std::fmt;
use std::path::PathBuf;

use super::parse::Ini;
use super::py;

/// Section kinds Supervisor reads, for the sections the daemon never looked at:
/// `[ctlplugin:x]` is supervisorctl's; anything else unread is likely a misspelt header.
const SECTION_KINDS: &[&str] = &[
    "supervisord",
    "unix_http_server",
    "inet_http_server",
    "supervisorctl",
    "include",
    "program",
    "group",
    "eventlistener",
    "fcgi-program",
    "rpcinterface",
    "ctlplugin",
];

/// An option (or, with `option: None`, a whole section) that nothing reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOption {
    pub file: PathBuf,
    pub section: String,
    pub option: Option<String>,
    /// The closest known name, when one is close enough to be the intended one.
    pub suggestion: Option<String>,
}

impl fmt::Display for UnknownOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let section = py::repr(&self.section);
        let file = py::repr(&self.file.to_string_lossy());
        match &self.option {
            Some(option) => write!(
                f,
                "unknown option {} in section {section} (file: {file})",
                py::repr(option)
            )?,
            None => write!(f, "unknown section {section} (file: {file})")?,
        }
        if let Some(suggestion) = &self.suggestion {
            write!(f, "; did you mean {}?", py::repr(suggestion))?;
        }
        Ok(())
    }
}

/// Every option set in a section that the loader did not ask for, and every section it did
/// not look at, in file order. `ini` must have recorded its reads through a whole load.
pub(crate) fn unknown_options(ini: &Ini) -> Vec<UnknownOption> {
    let read = ini.options_read();
    let mut unknown = Vec::new();
    for section in &ini.sections {
        let found = |option: Option<&str>, suggestion| UnknownOption {
            file: section.file.clone(),
            section: section.name.clone(),
            option: option.map(str::to_string),
            suggestion,
        };
        let Some(asked) = read.get(&section.name) else {
            let kind = section.name.split(':').next().unwrap_or_default();
            if !SECTION_KINDS.contains(&kind) {
                unknown.push(found(None, closest(kind, SECTION_KINDS.iter().copied())));
            }
            continue;
        };
        for (option, _) in &section.options {
            if !asked.contains(option) {
                let suggestion = closest(option, asked.iter().map(String::as_str));
                unknown.push(found(Some(option), suggestion));
            }
        }
    }
    unknown
}

/// The candidate nearest to `name` by edit distance, if within a typo's reach.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let reach = (name.chars().count() / 3).max(1);
    candidates
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= reach)
        .min()
        .map(|(_, candidate)| candidate.to_string())
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn ini_with_reads(text: &str, reads: &[(&str, &str)]) -> Ini {
        let mut ini = Ini::default();
        ini.read_str(text, "t.conf", Path::new("t.conf")).unwrap();
        ini.record_reads();
        for (section, option) in reads {
            ini.get(section, option);
        }
        ini
    }

    #[test]
    fn a_typo_is_flagged_with_the_closest_known_option() {
        let ini = ini_with_reads(
            "[program:x]\ncommand=ls\nstopwaitsec=5\n",
            &[("program:x", "command"), ("program:x", "stopwaitsecs")],
        );
        let unknown = unknown_options(&ini);
        assert_eq!(unknown.len(), 1);
        assert_eq!(
            unknown[0].to_string(),
            "unknown option 'stopwaitsec' in section 'program:x' (file: 't.conf'); \
             did you mean 'stopwaitsecs'?"
        );
    }

    #[test]
    fn nothing_close_means_no_suggestion() {
        let ini = ini_with_reads("[supervisord]\nzzzzzzzz=1\n", &[("supervisord", "logfile")]);
        assert_eq!(unknown_options(&ini)[0].suggestion, None);
    }

    #[test]
    fn an_unread_section_of_an_unknown_kind_is_flagged() {
        let ini = ini_with_reads("[progam:x]\ncommand=ls\n[ctlplugin:y]\na=1\n", &[]);
        let unknown = unknown_options(&ini);
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        assert_eq!(unknown[0].suggestion.as_deref(), Some("program"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("stopwaitsec", "stopwaitsecs"), 1);
        assert_eq!(edit_distance("autostrat", "autostart"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
