//! Helpers shared by the `config_*` integration tests: a temp dir holding config files, and
//! loading one with the library's `load`.

#![allow(dead_code)]

pub mod invalid;

use std::path::{Path, PathBuf};

use supervisord::config::{load, Config, ConfigError, Overrides};

/// A temporary directory of config files, removed on drop.
pub struct ConfDir {
    pub dir: tempfile::TempDir,
}

impl ConfDir {
    pub fn new() -> Self {
        ConfDir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `name` (creating parent dirs) and returns the file's path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        self.write_bytes(name, text.as_bytes())
    }

    /// Like [`Self::write`], for contents that need not be UTF-8.
    pub fn write_bytes(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Writes `supervisord.conf` and loads it.
    pub fn load(&self, text: &str) -> Result<Config, ConfigError> {
        let path = self.write("supervisord.conf", text);
        load(&path, &Overrides::default())
    }

    /// The path of `supervisord.conf` as error messages show it.
    pub fn conf(&self) -> String {
        self.dir
            .path()
            .join("supervisord.conf")
            .display()
            .to_string()
    }
}

/// Loads `text` (with a `[supervisord]` section prepended) and returns the error line.
pub fn error_of(body: &str) -> (String, String) {
    let dir = ConfDir::new();
    let text = format!("[supervisord]\n{body}");
    let message = match dir.load(&text) {
        Ok(_) => panic!("config loaded but should not have:\n{text}"),
        Err(e) => e.message,
    };
    (message, dir.conf())
}
