//! Starting one child, the way Supervisor's `Subprocess.spawn` does it: the command is split
//! like Python's `shlex.split`, found on PATH, checked before the child exists, and run in its
//! own process group with three fresh pipes, the configured umask, directory, user and
//! environment.
//!
//! Everything the child needs (argv, env, ids, the supplementary group list) is computed here in
//! the parent: between clone and exec only async-signal-safe calls are allowed (signal-safety(7)),
//! and NSS lookups are not among them.
//!
//! The child is started with `clone(CLONE_VM)`, as posix_spawn starts one: it borrows our
//! memory until its `execve` instead of getting a copy of it. A fork would copy the page
//! tables and write-protect every page, and the supervision thread would then take a page
//! fault on each page it writes next (measured: about 150 per start, most of the time from
//! startProcess to the RUNNING event). Nor does this thread wait for the exec, as
//! posix_spawn's `CLONE_VFORK` would: child.rs says why and what that asks of the child. A
//! failed exec is reported as Supervisor's child reports it: a line on stderr and exit
//! status 127. The pid is never waited on here: the reaper owns `waitpid(-1)`.
//!
//! That clone path makes raw system calls (raw.rs) written for Linux on x86_64 and aarch64.
//! Elsewhere, or built with `--cfg supervisord_portable_spawn` (scripts/test.sh runs the
//! child-side tests so too), children start through `std::process::Command` (portable.rs).

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(supervisord_portable_spawn)
))]
#[path = "clone_path/mod.rs"]
mod start_path;
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(supervisord_portable_spawn)
)))]
#[path = "portable.rs"]
mod start_path;

pub mod env_file;
mod errno_names;
mod spawner;

use std::ffi::{OsStr, OsString};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::py::repr as py_repr;
use crate::config::Rlimit;

/// Why a child could not be started. The text is Supervisor's `spawnerr`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    /// `can't find command 'foo'` (Fault NO_FILE).
    #[error("can't find command {}", py_repr(.0))]
    NotFound(String),
    /// `command at '/x' is not executable`, `... is a directory`, an unparsable command
    /// (Fault NOT_EXECUTABLE).
    #[error("{0}")]
    NotExecutable(String),
    /// Anything that went wrong at fork/exec time: pipes, chdir, setuid, exec.
    #[error("{0}")]
    Failed(String),
}

/// The numeric identity a child runs as, resolved in the parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserIds {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups: the user's primary group first, then every group listing them.
    pub groups: Vec<u32>,
}

impl UserIds {
    /// Looks `uid` up in the user database and collects its groups, as Supervisor's
    /// `drop_privileges` does.
    pub fn lookup(uid: u32) -> Result<UserIds, String> {
        let user = crate::users::user_by_uid(uid).ok_or_else(|| format!("Can't find uid {uid}"))?;
        let groups = crate::users::groups_of(&user)
            .map_err(|e| format!("Can't list groups of {}: {e}", user.name))?;
        let mut ids = vec![user.gid];
        ids.extend(groups.into_iter().filter(|g| *g != user.gid));
        Ok(UserIds {
            uid,
            gid: user.gid,
            groups: ids,
        })
    }

    /// Takes on this identity: the supplementary groups, then the group, then the user (after
    /// setuid the others would be refused). Async-signal-safe.
    ///
    /// # Safety
    /// Only in a forked child, between fork and exec: glibc's wrappers change the ids of
    /// every thread of the caller's process, which in the daemon would be the daemon's.
    pub(crate) unsafe fn assume(&self) -> std::io::Result<()> {
        let groups: &[libc::gid_t] = &self.groups;
        if libc::setgroups(groups.len() as _, groups.as_ptr()) < 0
            || libc::setgid(self.gid) < 0
            || libc::setuid(self.uid) < 0
        {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Everything needed to start one child.
#[derive(Debug, Clone)]
pub struct ChildSpec {
    /// The file to exec (found on PATH).
    pub filename: PathBuf,
    /// argv as split from the command; argv[0] as written.
    pub argv: Vec<String>,
    /// The complete environment of the child.
    pub env: Vec<(OsString, OsString)>,
    pub directory: Option<PathBuf>,
    pub umask: Option<u32>,
    /// Set before the child drops privileges (`rlimit_*`, ours).
    pub rlimits: Vec<Rlimit>,
    /// Switch to this identity before exec (only when it differs from ours).
    pub user: Option<UserIds>,
    /// Send stderr down the stdout pipe.
    pub redirect_stderr: bool,
    pub stdin: StdinSource,
    pub stdout: Output,
    /// Ignored with redirect_stderr.
    pub stderr: Output,
}

/// What a child gets as its fd 0.
#[derive(Debug, Clone)]
pub enum StdinSource {
    /// A pipe the daemon writes (sendProcessStdin, an event listener's protocol).
    Pipe,
    /// A listening socket shared by a `[fcgi-program:x]` group: the child accepts on it.
    Socket(Arc<OwnedFd>),
}

/// What happens to a child's stdout or stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A pipe the daemon reads (logs, events, capture).
    Pipe,
    /// Nobody would look at it: /dev/null, with no pipe to drain.
    Discard,
}

/// A started child: its pid and the parent's ends of its pipes.
#[derive(Debug)]
pub struct Spawned {
    pub pid: i32,
    /// `None` when its stdin is a socket.
    pub stdin: Option<OwnedFd>,
    /// `None` when discarded.
    pub stdout: Option<OwnedFd>,
    /// `None` with redirect_stderr, or when discarded.
    pub stderr: Option<OwnedFd>,
}

/// Splits `command` and finds the program, as Supervisor's `get_execv_args` does: a name with a
/// `/` is taken as is, otherwise each PATH directory is tried; the file must exist, not be a
/// directory, have an execute bit and be executable by us.
pub fn resolve_command(
    command: &str,
    path_var: Option<&OsStr>,
) -> Result<(PathBuf, Vec<String>), SpawnError> {
    let argv = shlex_split(command).map_err(|e| {
        SpawnError::NotExecutable(format!("can't parse command {}: {e}", py_repr(command)))
    })?;
    let program = argv
        .first()
        .ok_or_else(|| SpawnError::NotExecutable("command is empty".into()))?;
    let filename = if program.contains('/') {
        PathBuf::from(program)
    } else {
        search_path(program, path_var).unwrap_or_else(|| PathBuf::from(program))
    };
    check_executable(&filename)?;
    Ok((filename, argv))
}

fn search_path(program: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    let default = OsString::from("/bin:/usr/bin:/usr/local/bin");
    let path = match path_var {
        Some(p) if !p.is_empty() => p.to_owned(),
        _ => default,
    };
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| std::fs::metadata(candidate).is_ok())
}

fn check_executable(filename: &Path) -> Result<(), SpawnError> {
    let shown = filename.to_string_lossy().into_owned();
    let meta = std::fs::metadata(filename).map_err(|_| SpawnError::NotFound(shown.clone()))?;
    if meta.is_dir() {
        return Err(SpawnError::NotExecutable(format!(
            "command at {} is a directory",
            py_repr(&shown)
        )));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(SpawnError::NotExecutable(format!(
            "command at {} is not executable",
            py_repr(&shown)
        )));
    }
    if nix::unistd::access(filename, nix::unistd::AccessFlags::X_OK).is_err() {
        return Err(SpawnError::NotExecutable(format!(
            "no permission to run command {}",
            py_repr(&shown)
        )));
    }
    Ok(())
}

/// Forks and execs the child, without waiting for the exec: like Supervisor, a child that
/// cannot exec reports it on its stderr and exits 127. On error nothing is left running and
/// no fd leaks. The child starts from the spawner thread (spawner.rs says why).
pub fn spawn(spec: &ChildSpec) -> Result<Spawned, SpawnError> {
    spawner::spawn(spec)
}

/// [`spawn`], from the calling thread's fd table.
fn spawn_here(spec: &ChildSpec) -> Result<Spawned, SpawnError> {
    if let Some(dir) = &spec.directory {
        // Checked here rather than only in the child so the error is a clear spawnerr at once,
        // worded as Supervisor's child writes it.
        if let Err(e) = std::fs::read_dir(dir) {
            return Err(SpawnError::Failed(format!(
                "couldn't chdir to {}: {}",
                dir.display(),
                errno_name(&e)
            )));
        }
    }
    let stdin_pipe = match &spec.stdin {
        StdinSource::Pipe => Some(stdin_pipe()?),
        StdinSource::Socket(_) => None,
    };
    let stdin_fd = match &spec.stdin {
        StdinSource::Socket(socket) => socket.as_raw_fd(),
        StdinSource::Pipe => stdin_pipe
            .as_ref()
            .map_or(-1, |(_, child)| child.as_raw_fd()),
    };
    let (stdout_parent, stdout_child) = output(spec.stdout)?;
    let (stderr_parent, stderr_child) = if spec.redirect_stderr {
        (None, None)
    } else {
        output(spec.stderr)?
    };
    let null = if stdout_child.is_none() || (stderr_child.is_none() && !spec.redirect_stderr) {
        Some(
            // For writing: the child writes to it as it would to the pipe.
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/null")
                .map_err(|e| SpawnError::Failed(format!("cannot open /dev/null: {e}")))?,
        )
    } else {
        None
    };
    let null_fd = null.as_ref().map(|f| f.as_raw_fd()).unwrap_or(-1);
    let stdout_fd = raw(&stdout_child).unwrap_or(null_fd);
    let stderr_fd = if spec.redirect_stderr {
        stdout_fd
    } else {
        raw(&stderr_child).unwrap_or(null_fd)
    };
    let pid = start_path::start(spec, [stdin_fd, stdout_fd, stderr_fd])?;
    Ok(Spawned {
        pid,
        stdin: stdin_pipe.map(|(ours, _)| ours),
        stdout: stdout_parent,
        stderr: stderr_parent,
    })
    // The child's ends (of stdin_pipe, stdout_child, stderr_child, null) close here in the
    // parent; a socket stays with its group.
}

fn raw(fd: &Option<OwnedFd>) -> Option<std::os::fd::RawFd> {
    fd.as_ref().map(|f| f.as_raw_fd())
}

/// The stdin pipe as (our end, the child's end). Our end never blocks: sendProcessStdin to
/// a child that does not read must not stall us.
fn stdin_pipe() -> Result<(OwnedFd, OwnedFd), SpawnError> {
    let (child, ours) = pipe()?;
    nix::fcntl::fcntl(
        ours.as_raw_fd(),
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .map_err(|e| SpawnError::Failed(format!("unknown error making pipes: {e}")))?;
    Ok((ours, child))
}

/// Starts the thread children are started from (see spawner.rs), once the daemon has
/// daemonized; the first spawn starts it otherwise.
pub fn start_spawner() {
    spawner::start();
}

/// Frees what started children no longer use (each start also does this): the last few
/// starts' stacks and argument copies are otherwise kept until the next start.
pub fn reclaim_launches() {
    start_path::reclaim();
    spawner::reclaim();
}

/// A fork that failed, worded as Supervisor words it.
fn fork_error(spec: &ChildSpec, errno: nix::errno::Errno) -> SpawnError {
    if errno == nix::errno::Errno::EAGAIN {
        SpawnError::Failed(format!(
            "Too many processes in process table to spawn '{}'",
            spec.argv[0]
        ))
    } else {
        SpawnError::Failed(format!(
            "unknown error during fork for '{}': {errno:?}",
            spec.argv[0]
        ))
    }
}

/// A pipe for an output that is read, as (our end, the child's end); nothing for one that is
/// discarded, which the child then writes to /dev/null.
fn output(target: Output) -> Result<(Option<OwnedFd>, Option<OwnedFd>), SpawnError> {
    match target {
        Output::Pipe => pipe().map(|(read, write)| (Some(read), Some(write))),
        Output::Discard => Ok((None, None)),
    }
}

/// A close-on-exec pipe: (read end, write end).
fn pipe() -> Result<(OwnedFd, OwnedFd), SpawnError> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| {
        if e == nix::errno::Errno::EMFILE || e == nix::errno::Errno::ENFILE {
            SpawnError::Failed("too many open files".into())
        } else {
            SpawnError::Failed(format!("unknown error making dispatchers: {}", e.desc()))
        }
    })
}

/// `ENOENT`-style name of an io error, as Python's `errno.errorcode` gives it.
fn errno_name(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => format!("{:?}", nix::errno::Errno::from_raw(code)),
        None => e.to_string(),
    }
}

/// Python's `shlex.split(s)` (POSIX mode, no comments): whitespace separates words, single
/// quotes are literal, double quotes honour `\"`, `\\`, `\$` and `` \` ``, and a backslash
/// outside quotes escapes the next character.
pub fn shlex_split(s: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next().ok_or("No escaped character")?);
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next().ok_or("No closing quotation")? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next().ok_or("No closing quotation")? {
                        '"' => break,
                        '\\' => match chars.next().ok_or("No closing quotation")? {
                            c @ ('"' | '\\' | '$' | '`' | '\n') => word.push(c),
                            c => {
                                word.push('\\');
                                word.push(c);
                            }
                        },
                        c => word.push(c),
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_matches_python() {
        assert_eq!(shlex_split("a b  c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            shlex_split(r#"sh -c "echo \"hi\" \$x""#).unwrap(),
            ["sh", "-c", r#"echo "hi" $x"#]
        );
        assert_eq!(
            shlex_split("echo 'a  b' c\\ d").unwrap(),
            ["echo", "a  b", "c d"]
        );
        assert_eq!(shlex_split(r#""a\n""#).unwrap(), ["a\\n"]);
        assert_eq!(shlex_split("''").unwrap(), [""]);
        assert!(shlex_split("'open").is_err());
        assert!(shlex_split("").unwrap().is_empty());
    }

    #[test]
    fn resolve_reports_supervisor_texts() {
        assert_eq!(
            resolve_command("no-such-program-xyz", None)
                .unwrap_err()
                .to_string(),
            "can't find command 'no-such-program-xyz'"
        );
        assert_eq!(
            resolve_command("/tmp", None).unwrap_err().to_string(),
            "command at '/tmp' is a directory"
        );
        assert_eq!(
            resolve_command("   ", None).unwrap_err().to_string(),
            "command is empty"
        );
        let (file, argv) =
            resolve_command("sh -c 'exit 0'", Some(OsStr::new("/usr/bin:/bin"))).unwrap();
        assert!(file.ends_with("sh"));
        assert_eq!(argv, ["sh", "-c", "exit 0"]);
    }
}
