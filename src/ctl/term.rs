//! Terminal and signal plumbing: reading a line from stdin that a Ctrl-C can interrupt,
//! prompts (`y/N?`, `Username:`), password entry without echo, and the SIGINT flag that
//! stops `tail -f` and `fg`.
//!
//! Why a flag and not the default SIGINT: the stock client turns Ctrl-C into Python's
//! KeyboardInterrupt, which `tail -f` catches to print a newline and return (to the prompt,
//! in the shell). Installing the handler without SA_RESTART makes a blocked `read` return
//! EINTR, so the streaming loops notice at once; std's line readers would retry instead,
//! which is why stdin is read here with plain `read(2)`.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// While alive, Ctrl-C sets the flag (and interrupts blocking reads) instead of killing us.
pub struct CatchInterrupt {
    previous: SigAction,
}

impl CatchInterrupt {
    pub fn new() -> CatchInterrupt {
        INTERRUPTED.store(false, Ordering::SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(on_sigint),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let previous = unsafe { sigaction(Signal::SIGINT, &action) }.expect("sigaction SIGINT");
        CatchInterrupt { previous }
    }

    pub fn interrupted(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }
}

impl Default for CatchInterrupt {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for CatchInterrupt {
    fn drop(&mut self) {
        // SAFETY: restores the disposition that was in place before `new`.
        let _ = unsafe { sigaction(Signal::SIGINT, &self.previous) };
    }
}

/// Whether a Ctrl-C arrived since the last [`CatchInterrupt::new`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Reads one line from stdin without its newline. `None` at end of input or when a
/// Ctrl-C (caught by a [`CatchInterrupt`]) interrupts the read.
pub fn read_line() -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match nix::unistd::read(0, &mut byte) {
            Ok(0) => {
                return (!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned())
            }
            Ok(_) if byte[0] == b'\n' => return Some(String::from_utf8_lossy(&line).into_owned()),
            Ok(_) => line.push(byte[0]),
            Err(nix::errno::Errno::EINTR) if interrupted() => return None,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}

/// Python's `raw_input(prompt)`: the prompt on stdout, then a line; `None` at EOF.
pub fn ask(prompt: &str) -> Option<String> {
    let mut out = io::stdout().lock();
    let _ = out.write_all(prompt.as_bytes());
    let _ = out.flush();
    drop(out);
    read_line()
}

/// `getpass`: the prompt, then a line read with echo off when stdin is a terminal.
pub fn getpass(prompt: &str) -> Option<String> {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    let stdin = io::stdin();
    let saved = tcgetattr(&stdin).ok();
    if let Some(saved) = &saved {
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        let _ = tcsetattr(&stdin, SetArg::TCSAFLUSH, &quiet);
    }
    let line = ask(prompt);
    if let Some(saved) = &saved {
        let _ = tcsetattr(&stdin, SetArg::TCSAFLUSH, saved);
        // The newline the user typed was not echoed.
        println!();
    }
    line
}

/// Whether stdin is a terminal (the shell then edits lines with rustyline).
pub fn stdin_is_tty() -> bool {
    nix::unistd::isatty(0).unwrap_or(false)
}
