//! Reading one section's options the way Supervisor's `saneget` does (value, else default,
//! then `%(name)s` expansion), and wrapping every failure once, at the section boundary, into
//! a [`ConfigError`] that names the file, the section and the option.
//!
//! Error shapes, in Supervisor's words where it has them:
//! - a bad value: `not a valid boolean value: 'maybe' (option 'autostart') in section
//!   'program:x' (file: '/etc/s.conf')` (Supervisor's text plus the option, which it omits);
//! - a message that already names the option: `<message> in section 'program:x' (file: ...)`;
//! - a message that already names the section as `[program:x]`: `<message> (file: ...)`.

use std::path::Path;

use super::expand::{expand, Expansions};
use super::parse::Ini;
use super::py;
use super::types::ValueResult;
use super::ConfigError;

/// What went wrong inside a section, before the section and file are attached.
#[derive(Debug)]
pub(crate) enum Problem {
    /// A bad value of this option; the text lacks the option's name.
    Value { option: String, message: String },
    /// The text already says which option (or none applies).
    Plain(String),
    /// The text already names the section in brackets (`[group:x] names unknown ...`).
    NamesSection(String),
}

/// One section being read: its name, its file and the names its values may expand.
pub(crate) struct SectionReader<'a> {
    pub ini: &'a Ini,
    pub name: String,
    pub expansions: Expansions,
}

impl<'a> SectionReader<'a> {
    pub fn new(ini: &'a Ini, name: &str, expansions: Expansions) -> Self {
        SectionReader {
            ini,
            name: name.to_string(),
            expansions,
        }
    }

    /// The option's text as written (after `[DEFAULT]` fallback), unexpanded.
    pub fn raw(&self, option: &str) -> Option<&'a str> {
        self.ini.get(&self.name, option)
    }

    /// `saneget(section, option, None)`: expanded value, or `None` when absent.
    pub fn get(&self, option: &str) -> Result<Option<String>, Problem> {
        self.raw(option)
            .map(|raw| self.expand_as(raw, option))
            .transpose()
    }

    /// `saneget(section, option, default)`: the default is expanded too, as Python does.
    pub fn get_or(&self, option: &str, default: &str) -> Result<String, Problem> {
        let raw = self.raw(option).unwrap_or(default);
        self.expand_as(raw, option)
    }

    /// Reads `option` (or `default`) and converts it; a conversion error names the option.
    pub fn parse<T>(
        &self,
        option: &str,
        default: &str,
        convert: impl Fn(&str) -> ValueResult<T>,
    ) -> Result<T, Problem> {
        let text = self.get_or(option, default)?;
        convert(&text).map_err(|message| value_problem(option, message))
    }

    /// Like [`Self::parse`], `None` when the option is absent.
    pub fn parse_opt<T>(
        &self,
        option: &str,
        convert: impl Fn(&str) -> ValueResult<T>,
    ) -> Result<Option<T>, Problem> {
        match self.get(option)? {
            None => Ok(None),
            Some(text) => convert(&text)
                .map(Some)
                .map_err(|message| value_problem(option, message)),
        }
    }

    fn expand_as(&self, raw: &str, option: &str) -> Result<String, Problem> {
        expand(raw, &self.expansions, &format!("{}.{}", self.name, option)).map_err(Problem::Plain)
    }

    /// The file that defined this section (as given on the command line for the main file).
    pub fn file(&self) -> &'a Path {
        section_file(self.ini, &self.name)
    }

    /// Attaches this section and its file to `problem`.
    pub fn error(&self, problem: Problem) -> ConfigError {
        section_error(problem, &self.name, self.file())
    }
}

pub(crate) fn value_problem(option: &str, message: String) -> Problem {
    Problem::Value {
        option: option.to_string(),
        message,
    }
}

/// The file a section came from; the first file read for a section that does not exist.
pub(crate) fn section_file<'a>(ini: &'a Ini, section: &str) -> &'a Path {
    ini.section(section)
        .or(ini.sections.first())
        .map_or(Path::new(""), |s| s.file.as_path())
}

/// The one place where a section's problem becomes the user's error line.
pub(crate) fn section_error(problem: Problem, section: &str, file: &Path) -> ConfigError {
    let file = py::repr(&file.to_string_lossy());
    let section = py::repr(section);
    ConfigError::new(match problem {
        Problem::Value { option, message } => format!(
            "{message} (option {}) in section {section} (file: {file})",
            py::repr(&option)
        ),
        Problem::Plain(message) => format!("{message} in section {section} (file: {file})"),
        Problem::NamesSection(message) => format!("{message} (file: {file})"),
    })
}
