//! The interactive shell of our supervisorctl (issue #7), driven through a pseudo-terminal
//! as a person would: the prompt, Tab completion of actions and process names, history kept
//! in `history_file`, and Ctrl-C ending a `tail -f` back at the prompt. Every wait has a
//! deadline; nothing sleeps a fixed time.

mod common;

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use common::{wait_for, Daemon, DEADLINE};

/// Our supervisorctl on the slave side of a pty; we hold the master.
struct Shell {
    master: std::fs::File,
    child: Child,
    seen: String,
}

impl Shell {
    fn start(conf: &std::path::Path) -> Shell {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let slave: OwnedFd = pty.slave;
        let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup slave"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_supervisorctl"));
        cmd.arg("-c")
            .arg(conf)
            .env("TERM", "xterm")
            .stdin(stdio(&slave))
            .stdout(stdio(&slave))
            .stderr(stdio(&slave));
        // SAFETY: setsid and ioctl are async-signal-safe; they make the pty the child's
        // controlling terminal, so ^C typed on it becomes a SIGINT for the child.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                nix::unistd::setsid().map_err(std::io::Error::from)?;
                if libc::ioctl(0, libc::TIOCSCTTY as _, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn supervisorctl");
        drop(slave);
        let master = std::fs::File::from(pty.master);
        // Non-blocking reads, so a wait can give up at its deadline.
        let fd = master.as_raw_fd();
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Shell {
            master,
            child,
            seen: String::new(),
        }
    }

    fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("write pty");
    }

    /// Reads until `needle` appears after what was consumed; consumes through it.
    fn expect(&mut self, needle: &str) -> String {
        let end = Instant::now() + DEADLINE;
        let mut buf = [0u8; 4096];
        loop {
            if let Some(i) = self.seen.find(needle) {
                let upto = self.seen[..i + needle.len()].to_string();
                self.seen.drain(..i + needle.len());
                return upto;
            }
            match self.master.read(&mut buf) {
                Ok(n) if n > 0 => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                _ => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
            assert!(
                Instant::now() < end,
                "timed out waiting for {needle:?} on the pty; got {:?}",
                self.seen
            );
        }
    }

    fn wait_exit(&mut self) -> i32 {
        let child = &mut self.child;
        wait_for(
            "supervisorctl to exit",
            DEADLINE,
            || child.try_wait().expect("try_wait"),
            String::new,
        )
        .code()
        .unwrap_or(-1)
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn daemon() -> Daemon {
    let d = Daemon::start(
        "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n[supervisorctl]\n\
         serverurl=unix://%(here)s/supervisor.sock\nprompt=svtest\n\
         history_file=%(here)s/history\n\n\
         [program:talker]\ncommand=sh -c 'echo talking; exec sleep 1000'\nstartsecs=0\n\n\
         [program:quiet]\ncommand=sleep 1000\nautostart=false\n",
    );
    d.wait_log("success: talker entered RUNNING state");
    d
}

#[test]
fn prompt_completion_and_history() {
    let d = daemon();
    let mut sh = Shell::start(&d.conf);
    // The shell shows `status` first, then the configured prompt.
    let first = sh.expect("svtest> ");
    assert!(first.contains("talker"), "{first:?}");
    // An action completes: `vers<Tab>` becomes `version `.
    sh.send("vers\t\r");
    sh.expect("4.3.0");
    sh.expect("svtest> ");
    // A process name completes after a process action.
    sh.send("status tal\t\r");
    sh.expect("talker ");
    sh.expect("RUNNING");
    sh.expect("svtest> ");
    // `help <action>`.
    sh.send("help version\r");
    sh.expect("Show the version of the remote supervisord process");
    sh.expect("svtest> ");
    sh.send("quit\r");
    assert_eq!(sh.wait_exit(), 0);
    let history = std::fs::read_to_string(d.path("history")).expect("history file");
    assert_eq!(history, "version \nstatus talker \nhelp version\nquit\n");

    // A second shell reads that history: Up recalls the last line.
    let mut sh = Shell::start(&d.conf);
    sh.expect("svtest> ");
    sh.send("\x1b[A\x1b[A\x1b[A\r");
    sh.expect("status talker");
    sh.expect("RUNNING");
    sh.expect("svtest> ");
    // Ctrl-D leaves with a newline, exit status 0.
    sh.send("\x04");
    assert_eq!(sh.wait_exit(), 0);
}

#[test]
fn ctrl_c_stops_tail_follow_and_returns_to_the_prompt() {
    let d = daemon();
    let mut sh = Shell::start(&d.conf);
    sh.expect("svtest> ");
    sh.send("tail -f talker\r");
    sh.expect("==> Press Ctrl-C to exit <==");
    sh.expect("talking");
    sh.send("\x03");
    sh.expect("svtest> ");
    // The shell still works afterwards.
    sh.send("version\r");
    sh.expect("4.3.0");
    sh.send("exit\r");
    assert_eq!(sh.wait_exit(), 0);
}
