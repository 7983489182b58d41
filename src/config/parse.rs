//! The INI reader: Python's `configparser.RawConfigParser` as Supervisor configures it
//! (`UnhosedConfigParser`: `inline_comment_prefixes=(';', '#')`, `strict=False`), rule for
//! rule, because a config that Python reads one way must not mean something else here.
//!
//! What that means, in short: `;` and `#` start a comment at the start of a line (after
//! optional whitespace) or inline when preceded by whitespace; a line indented deeper than its
//! option's line continues that value (blank lines inside are kept, trailing ones dropped);
//! `=` or `:` splits, whichever comes first; option names are lower-cased, section names
//! not; a repeated section or option merges (the last value wins, the first position stays);
//! `[DEFAULT]` options are inherited by every section; quotes, backslashes and `%` are kept
//! verbatim (expansion is expand.rs's job). Tested differentially against Python in
//! `tests/config_differential.rs`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::py;

/// One `[section]`: options in first-seen order, and the file that first defined it
/// (Supervisor's `section_to_file`, used for `%(here)s` and error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub file: PathBuf,
    pub options: Vec<(String, String)>,
}

impl Section {
    /// The value of `option` in this section alone (no `[DEFAULT]` fallback).
    pub fn get(&self, option: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == option)
            .map(|(_, v)| v.as_str())
    }
}

/// Everything read so far, from one or more files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    /// `[DEFAULT]`: inherited by every section.
    pub defaults: Vec<(String, String)>,
    /// Sections in first-seen order.
    pub sections: Vec<Section>,
    /// Position of each section in `sections`: configs with a thousand programs look
    /// sections up tens of thousands of times.
    index: std::collections::HashMap<String, usize>,
    /// Every option asked of each section, once [`Ini::record_reads`] is on: what
    /// `check-config --strict` compares with what the file sets. Off for the daemon.
    reads: Option<RefCell<OptionsRead>>,
}

/// Section name -> the option names the loader asked it for.
pub type OptionsRead = BTreeMap<String, BTreeSet<String>>;

/// Which option lines are currently going to (`cursect` in configparser).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Defaults,
    Section(usize),
}

/// The option whose value is still being read: continuation and blank lines extend it.
struct OpenValue {
    target: Target,
    name: String,
    lines: Vec<String>,
}

impl Ini {
    /// Parses one file's text into this `Ini`, as `RawConfigParser.read_string(text, source)`.
    /// `source` is the name errors show; `file` is recorded on sections first seen here.
    /// Lines must already be split on `\n` only (see [`universal_newlines`] for files).
    pub fn read_str(&mut self, text: &str, source: &str, file: &Path) -> Result<(), String> {
        let mut reader = Reader {
            ini: self,
            file,
            target: None,
            open: None,
            indent_level: 0,
            bad_lines: Vec::new(),
        };
        for (index, line) in text.split_inclusive('\n').enumerate() {
            reader.line(index + 1, line, source)?;
        }
        reader.close_value();
        if reader.bad_lines.is_empty() {
            return Ok(());
        }
        let mut message = format!("Source contains parsing errors: {}", py::repr(source));
        for (lineno, line) in &reader.bad_lines {
            message.push_str(&format!("\n\t[line {lineno:2}]: {}", py::repr(line)));
        }
        Err(message)
    }

    /// The section named exactly `name`.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.section_index(name).map(|i| &self.sections[i])
    }

    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    /// From now on, remember every option asked for (see [`Ini::options_read`]).
    pub fn record_reads(&mut self) {
        self.reads = Some(RefCell::default());
    }

    /// The options asked of each section since [`Ini::record_reads`] (empty when off).
    pub fn options_read(&self) -> OptionsRead {
        self.reads
            .as_ref()
            .map(|reads| reads.borrow().clone())
            .unwrap_or_default()
    }

    fn note_read(&self, section: &str, option: &str) {
        if let Some(reads) = &self.reads {
            let mut reads = reads.borrow_mut();
            reads
                .entry(section.to_string())
                .or_default()
                .insert(option.to_string());
        }
    }

    /// `RawConfigParser.get(section, option)`: the section's value, else `[DEFAULT]`'s.
    pub fn get(&self, section: &str, option: &str) -> Option<&str> {
        self.note_read(section, option);
        self.section(section)
            .and_then(|s| s.get(option))
            .or_else(|| get_option(&self.defaults, option))
    }

    /// `RawConfigParser.options(section)`: the section's names, then `[DEFAULT]`'s.
    pub fn options(&self, section: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .section(section)
            .map(|s| s.options.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        for (k, _) in &self.defaults {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
        // The caller takes every one of them (`[rpcinterface:x]`'s factory arguments).
        for name in &names {
            self.note_read(section, name);
        }
        names
    }

    /// Replaces the literal text `%(here)s` in every value of every section (defaults
    /// included, as `items()` shows them) with `here`: Supervisor's `expand_here`, run after
    /// the main file and after each included file, so each file's sections get its own dir.
    pub fn expand_here(&mut self, here: &str) {
        const HERE: &str = "%(here)s";
        for index in 0..self.sections.len() {
            let inherited: Vec<(String, String)> = self
                .defaults
                .iter()
                .filter(|(k, v)| v.contains(HERE) && self.sections[index].get(k).is_none())
                .cloned()
                .collect();
            let section = &mut self.sections[index];
            for (_, value) in section.options.iter_mut() {
                if value.contains(HERE) {
                    *value = value.replace(HERE, here);
                }
            }
            for (k, v) in inherited {
                section.options.push((k, v.replace(HERE, here)));
            }
        }
    }

    fn section_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    fn options_mut(&mut self, target: Target) -> &mut Vec<(String, String)> {
        match target {
            Target::Defaults => &mut self.defaults,
            Target::Section(i) => &mut self.sections[i].options,
        }
    }
}

fn get_option<'a>(options: &'a [(String, String)], name: &str) -> Option<&'a str> {
    options
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Python's text-mode reading of a file: `\r\n` and a lone `\r` both end a line.
pub fn universal_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The state of one `read_str` call (configparser's `_read` locals).
struct Reader<'a> {
    ini: &'a mut Ini,
    file: &'a Path,
    target: Option<Target>,
    open: Option<OpenValue>,
    indent_level: usize,
    bad_lines: Vec<(usize, String)>,
}

impl Reader<'_> {
    fn line(&mut self, lineno: usize, line: &str, source: &str) -> Result<(), String> {
        let comment_start = comment_start(line);
        let value = py::strip(&line[..comment_start.unwrap_or(line.len())]);
        if value.is_empty() {
            // A blank line belongs to the value being read (dropped at the end if trailing),
            // but a comment-only line does not: configparser checks `comment_start is None`.
            if comment_start.is_none() && self.target.is_some() {
                if let Some(open) = self.open.as_mut().filter(|o| !o.name.is_empty()) {
                    open.lines.push(String::new());
                }
            }
            return Ok(());
        }
        let indent = line.chars().take_while(|&c| py::is_space(c)).count();
        let continues = self.target.is_some()
            && self.open.as_ref().is_some_and(|o| !o.name.is_empty())
            && indent > self.indent_level;
        if continues {
            if let Some(open) = self.open.as_mut() {
                open.lines.push(value.to_string());
            }
            return Ok(());
        }
        self.indent_level = indent;
        if let Some(name) = section_header(value) {
            self.enter_section(name);
        } else if self.target.is_none() {
            return Err(format!(
                "File contains no section headers.\nfile: {}, line: {}\n{}",
                py::repr(source),
                lineno,
                py::repr(line)
            ));
        } else {
            self.option_line(lineno, line, value);
        }
        Ok(())
    }

    fn enter_section(&mut self, name: &str) {
        self.close_value();
        let target = if let Some(index) = self.ini.section_index(name) {
            Target::Section(index)
        } else if name == "DEFAULT" {
            Target::Defaults
        } else {
            let index = self.ini.sections.len();
            self.ini.index.insert(name.to_string(), index);
            self.ini.sections.push(Section {
                name: name.to_string(),
                file: self.file.to_path_buf(),
                options: Vec::new(),
            });
            Target::Section(index)
        };
        self.target = Some(target);
    }

    fn option_line(&mut self, lineno: usize, line: &str, value: &str) {
        let Some(split) = value.find(['=', ':']) else {
            // A line that is neither header nor option: configparser notes it and keeps
            // going, so one error lists every bad line. The open value stays open.
            self.bad_lines.push((lineno, line.to_string()));
            return;
        };
        let name = py::rstrip(&value[..split]).to_lowercase();
        if name.is_empty() {
            self.bad_lines.push((lineno, line.to_string()));
        }
        let first = py::strip(&value[split + 1..]).to_string();
        self.close_value();
        self.open = Some(OpenValue {
            target: self.target.unwrap_or(Target::Defaults),
            name,
            lines: vec![first],
        });
    }

    /// Joins the open value's lines and stores it (configparser's `_join_multiline_values`).
    fn close_value(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let value = py::rstrip(&open.lines.join("\n")).to_string();
        let options = self.ini.options_mut(open.target);
        match options.iter_mut().find(|(k, _)| *k == open.name) {
            Some(slot) => slot.1 = value,
            None => options.push((open.name, value)),
        }
    }
}

/// Where a comment starts in `line`, if anywhere: configparser's loop, kept literally. Each
/// round looks at the next occurrence of every inline prefix and stops at the first round
/// that finds one at the start of the line or after whitespace, so the winner is the earliest
/// valid position *of that round*, not always of the whole line.
fn comment_start(line: &str) -> Option<usize> {
    if let Some(first) = py::strip(line).chars().next() {
        if first == ';' || first == '#' {
            return Some(0);
        }
    }
    let mut searches: Vec<(char, Option<usize>)> = vec![(';', None), ('#', None)];
    while !searches.is_empty() {
        let mut found: Option<usize> = None;
        let mut next = Vec::new();
        for (prefix, last) in searches {
            let from = last.map_or(0, |i| i + 1);
            let Some(offset) = line[from..].find(prefix) else {
                continue;
            };
            let index = from + offset;
            next.push((prefix, Some(index)));
            let after_space = line[..index].chars().next_back().is_some_and(py::is_space);
            if index == 0 || after_space {
                found = Some(found.map_or(index, |f: usize| f.min(index)));
            }
        }
        if found.is_some() {
            return found;
        }
        searches = next;
    }
    None
}

/// `\[(?P<header>.+)\]` matched at the start: the name runs to the *last* `]`.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    let name = &rest[..end];
    // `.+` does not match a newline; values never hold one here.
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Ini, String> {
        let mut ini = Ini::default();
        ini.read_str(text, "/t.conf", Path::new("/t.conf"))?;
        Ok(ini)
    }

    fn opts(ini: &Ini, section: &str) -> Vec<(String, String)> {
        ini.section(section).unwrap().options.clone()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn comments_inline_only_after_whitespace() {
        let ini = parse("[a]\nx = b ;c\ny = http://h/#frag\nz=q;r # s\n# full\n ; full\n").unwrap();
        assert_eq!(
            opts(&ini, "a"),
            pairs(&[("x", "b"), ("y", "http://h/#frag"), ("z", "q;r")])
        );
    }

    #[test]
    fn continuation_lines_and_blank_lines() {
        let ini = parse("[a]\nx = 1\n  2\n\n  3\n\n\ny=4\n").unwrap();
        assert_eq!(opts(&ini, "a"), pairs(&[("x", "1\n2\n\n3"), ("y", "4")]));
    }

    #[test]
    fn names_lowercased_sections_not_and_first_delimiter_wins() {
        let ini = parse("[Prog:X]\nKey: a=b\nOther = c:d\n").unwrap();
        assert_eq!(
            opts(&ini, "Prog:X"),
            pairs(&[("key", "a=b"), ("other", "c:d")])
        );
    }

    #[test]
    fn duplicates_merge_last_wins() {
        let ini = parse("[a]\nx=1\ny=2\n[b]\n[a]\nx=3\n").unwrap();
        assert_eq!(opts(&ini, "a"), pairs(&[("x", "3"), ("y", "2")]));
        assert_eq!(ini.sections.len(), 2);
    }

    #[test]
    fn defaults_are_inherited() {
        let ini = parse("[DEFAULT]\nd=1\n[a]\nx=2\n").unwrap();
        assert_eq!(ini.get("a", "d"), Some("1"));
        assert!(!ini.has_section("DEFAULT"));
    }

    #[test]
    fn quotes_backslashes_percent_kept() {
        let ini = parse("[a]\nx = \"q\" 'r' \\n %(here)s\n").unwrap();
        assert_eq!(ini.get("a", "x"), Some("\"q\" 'r' \\n %(here)s"));
    }

    #[test]
    fn header_runs_to_last_bracket() {
        let ini = parse("[a]b] trailing\nx=1\n").unwrap();
        assert!(ini.has_section("a]b"));
    }

    #[test]
    fn missing_header_error_is_pythons() {
        assert_eq!(
            parse("x=1\n").unwrap_err(),
            "File contains no section headers.\nfile: '/t.conf', line: 1\n'x=1\\n'"
        );
    }

    #[test]
    fn bad_lines_are_all_listed() {
        assert_eq!(
            parse("[a]\nfoo\n=x\n  bar\n").unwrap_err(),
            "Source contains parsing errors: '/t.conf'\n\t[line  2]: 'foo\\n'\n\t[line  3]: '=x\\n'\n\t[line  4]: '  bar\\n'"
        );
    }

    #[test]
    fn comment_round_quirk() {
        // Round 1 finds ';' at 3 (invalid) and '#' at 9 (valid): 9 wins although the second
        // ';' at 6 is valid and earlier.
        assert_eq!(comment_start("a=b;c ;d #e"), Some(9));
    }

    #[test]
    fn expand_here_replaces_literal_only() {
        let mut ini = parse("[a]\nx=%(here)s/l\ny=%(here)d\n").unwrap();
        ini.expand_here("/dir");
        assert_eq!(ini.get("a", "x"), Some("/dir/l"));
        assert_eq!(ini.get("a", "y"), Some("%(here)d"));
    }
}
