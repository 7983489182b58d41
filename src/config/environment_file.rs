//! `environment_file=` (an extension, systemd's EnvironmentFile): which files a program's
//! environment is read from at each spawn. Reading them is the spawner's (spawn/env_file.rs).

use std::path::PathBuf;

use super::types::{expand_user, list_of_strings, ValueResult};

/// One file of `environment_file=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentFile {
    /// Absolute.
    pub path: PathBuf,
    /// Written with a leading `-`: a missing file is skipped rather than a spawn error.
    pub optional: bool,
}

/// `/etc/default/x, -/etc/default/x.local`: absolute paths (`~` expanded), comma separated,
/// read in that order.
pub fn environment_files(s: &str) -> ValueResult<Vec<EnvironmentFile>> {
    list_of_strings(s)
        .into_iter()
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (optional, path) = match item.strip_prefix('-') {
                Some(rest) => (true, rest.trim_start()),
                None => (false, item.as_str()),
            };
            let path = PathBuf::from(expand_user(path));
            if !path.is_absolute() {
                return Err(format!(
                    "{} is not an absolute path",
                    super::py::repr(&path.to_string_lossy())
                ));
            }
            Ok(EnvironmentFile { path, optional })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_and_optional_files_in_order() {
        let files = environment_files("/etc/default/x, -/etc/default/x.local,").unwrap();
        assert_eq!(
            files,
            [
                EnvironmentFile {
                    path: "/etc/default/x".into(),
                    optional: false
                },
                EnvironmentFile {
                    path: "/etc/default/x.local".into(),
                    optional: true
                },
            ]
        );
        assert_eq!(
            environment_files("-relative").unwrap_err(),
            "'relative' is not an absolute path"
        );
        assert!(environment_files("").unwrap().is_empty());
    }
}
