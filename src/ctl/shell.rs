//! The interactive shell (`supervisorctl` with no action, or `-i`): the stock client's
//! `cmd.Cmd` loop. It runs `status` first, then reads lines at `PROMPT> ` until EOF, `quit`
//! or `exit`; Ctrl-C at the prompt leaves too, after a newline.
//!
//! On a terminal, lines are edited with rustyline: history (kept in `history_file` as plain
//! lines, the format GNU readline writes, so the Python client and ours can share one file)
//! and Tab completion of actions, process names and group names, with the stock
//! completer's rules. Without a terminal the prompt is still printed and lines are read
//! plainly, as Python's `input()` does.

use std::path::Path;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::history::MemHistory;
use rustyline::{Config, Context, Editor, Helper, Highlighter, Hinter, Validator};

use super::controller::{namespec, text, Controller, Next};
use super::help::ACTIONS;
use super::term;
use crate::rpc::xmlrpc::Value;

/// Runs the shell; the process then exits 0 whatever happened (as the stock client does).
pub fn run(c: &mut Controller) {
    if c.onecmd("status") == Next::Quit {
        return;
    }
    let prompt = format!("{}> ", c.options.prompt);
    if !term::stdin_is_tty() {
        while let Some(line) = term::ask(&prompt) {
            if c.onecmd(&line) == Next::Quit {
                return;
            }
        }
        c.onecmd("EOF");
        return;
    }
    let history_file = c.options.history_file.clone();
    let config = Config::builder().auto_add_history(true).build();
    let Ok(mut editor) = Editor::<ShellHelper, MemHistory>::with_history(config, MemHistory::new())
    else {
        return;
    };
    editor.set_helper(Some(ShellHelper::default()));
    if let Some(path) = &history_file {
        load_history(&mut editor, path);
    }
    loop {
        // The completer asks the server for names once per line (Python caches the same
        // way), through a client of its own.
        if let Some(helper) = editor.helper_mut() {
            helper.reset(c);
        }
        let line = editor.readline(&prompt);
        let next = match line {
            Ok(line) => c.onecmd(&line),
            Err(ReadlineError::Eof) => c.onecmd("EOF"),
            Err(ReadlineError::Interrupted) => {
                // KeyboardInterrupt out of cmdloop: a newline, then the shell ends.
                c.output("");
                Next::Quit
            }
            Err(_) => Next::Quit,
        };
        if let Some(path) = &history_file {
            save_history(editor.history(), path);
        }
        if next == Next::Quit {
            return;
        }
    }
}

fn load_history(editor: &mut Editor<ShellHelper, MemHistory>, path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    for line in text.lines() {
        let _ = editor.add_history_entry(line);
    }
}

/// Writes the history as GNU readline's `write_history` does: one entry per line.
fn save_history(history: &MemHistory, path: &Path) {
    let mut text = String::new();
    for entry in history {
        text.push_str(entry);
        text.push('\n');
    }
    let _ = std::fs::write(path, text);
}

/// Completion state: where to ask for names, and the names once asked.
#[derive(Helper, Highlighter, Hinter, Validator, Default)]
struct ShellHelper {
    client: Option<std::cell::RefCell<super::transport::Client>>,
    infos: std::cell::RefCell<Option<Vec<Value>>>,
}

impl ShellHelper {
    fn reset(&mut self, c: &Controller) {
        self.client = Some(std::cell::RefCell::new(c.new_client()));
        self.infos = std::cell::RefCell::new(None);
    }

    fn infos(&self) -> Vec<Value> {
        if let Some(infos) = self.infos.borrow().as_ref() {
            return infos.clone();
        }
        let fetched = self
            .client
            .as_ref()
            .and_then(|c| {
                c.borrow_mut()
                    .call("supervisor.getAllProcessInfo", &[])
                    .ok()
            })
            .and_then(|v| v.as_array().map(<[Value]>::to_vec))
            .unwrap_or_default();
        *self.infos.borrow_mut() = Some(fetched.clone());
        fetched
    }
}

/// Readline's word delimiters minus `:`, `*` and `-`, which the stock client removes so
/// that `group:*` and names with dashes complete as one word.
fn is_delimiter(c: char) -> bool {
    " \t\n\"\\'`@$><=;|&{(".contains(c)
}

/// The stock client's `complete`: candidates for the word `text` in `line`.
pub fn candidates(line: &str, word: &str, infos: &mut dyn FnMut() -> Vec<Value>) -> Vec<String> {
    let actions = || -> Vec<String> {
        ACTIONS
            .iter()
            .filter(|a| a.starts_with(word))
            .map(|a| format!("{a} "))
            .collect()
    };
    if line.trim().is_empty() {
        return actions();
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() == 1 && !line.ends_with(' ') {
        return actions();
    }
    match words[0] {
        "help" => actions(),
        "add" | "remove" | "update" => {
            let mut groups: Vec<String> = Vec::new();
            for info in infos() {
                let g = text(&info, "group");
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            groups
                .into_iter()
                .filter(|g| g.starts_with(word))
                .map(|g| format!("{g} "))
                .collect()
        }
        "clear" | "fg" | "pid" | "restart" | "signal" | "start" | "status" | "stop" | "tail" => {
            let mut names: Vec<String> = Vec::new();
            for info in infos() {
                let (group, name) = (text(&info, "group"), text(&info, "name"));
                if word.contains(':') || name != group {
                    names.push(format!("{group}:{name}"));
                    let all = format!("{group}:*");
                    if !names.contains(&all) {
                        names.push(all);
                    }
                } else {
                    names.push(namespec(&group, &name));
                }
            }
            names
                .into_iter()
                .filter(|n| n.starts_with(word))
                .map(|n| format!("{n} "))
                .collect()
        }
        _ => Vec::new(),
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .char_indices()
            .rev()
            .find(|&(_, c)| is_delimiter(c))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &line[start..pos];
        let found = candidates(line, word, &mut || self.infos());
        let pairs = found
            .into_iter()
            .map(|c| Pair {
                display: c.trim_end().to_string(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str) -> Value {
        Value::from_pairs([
            ("group", Value::String(group.into())),
            ("name", Value::String(name.into())),
        ])
    }

    #[test]
    fn completes_like_the_stock_client() {
        let mut infos = || vec![info("cat", "cat"), info("grp", "a"), info("grp", "b")];
        assert_eq!(candidates("", "", &mut infos).len(), ACTIONS.len());
        assert_eq!(
            candidates("sta", "sta", &mut infos),
            vec!["start ", "status "]
        );
        assert_eq!(
            candidates("start ", "", &mut infos),
            vec!["cat ", "grp:a ", "grp:* ", "grp:b "]
        );
        assert_eq!(
            candidates("stop g", "g", &mut infos),
            vec!["grp:a ", "grp:* ", "grp:b "]
        );
        assert_eq!(candidates("update ", "", &mut infos), vec!["cat ", "grp "]);
        assert_eq!(candidates("help ta", "ta", &mut infos), vec!["tail "]);
    }
}
