//! Health probes (`healthcheck_*`): a command, an HTTP GET or a TCP connect, each run as a
//! future on the supervision thread so that no probe blocks anything else, and each bounded
//! by `healthcheck_timeout`. A probe's verdict is Ok or Err with a short text for the main
//! log (at debug level).

use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::config::{HealthCheck, Probe};
use crate::model::ExitHow;
use crate::spawn::UserIds;

/// A probe's verdict and what it saw.
pub type Verdict = Result<String, String>;

/// How much of a probe command's output the main log shows.
const OUTPUT_SHOWN: usize = 4096;

/// What a command probe runs with, as the program's own child would: its environment, its
/// user (`user=`; none when it is supervisord's) and its umask.
pub struct CommandSetup {
    pub env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    pub user: Option<UserIds>,
    pub umask: Option<u32>,
}

/// What a command probe needs from the Process: its setup, made only when a command runs
/// (an HTTP or TCP probe reads no environment_file and looks no user up), or why it cannot
/// be made; and its directory.
pub struct CommandEnv<'a> {
    pub setup: Box<dyn FnOnce() -> Result<CommandSetup, String> + 'a>,
    pub directory: Option<&'a std::path::Path>,
}

/// A command probe under way: the Process routes the exit of `pid` into `exit`.
pub struct RunningProbe {
    pub pid: i32,
    pub exit: oneshot::Sender<ExitHow>,
}

/// Starts `check`'s probe: the verdict comes out of the future; for a command, the caller
/// must route the child's exit into the returned [`RunningProbe`].
pub fn start(
    check: &HealthCheck,
    env: CommandEnv,
) -> (
    Option<RunningProbe>,
    futures_util::future::BoxFuture<'static, Verdict>,
) {
    let timeout = Duration::from_secs(check.timeout);
    match &check.probe {
        Probe::Tcp { host, port } => {
            let target = (host.clone(), *port);
            (
                None,
                Box::pin(bounded(timeout, async move {
                    TcpStream::connect(target)
                        .await
                        .map(|_| "connected".to_string())
                        .map_err(|e| e.to_string())
                })),
            )
        }
        Probe::Http {
            host,
            port,
            path,
            tls,
        } => {
            let (host, port, path, tls) = (host.clone(), *port, path.clone(), *tls);
            let probe = http_get(host, port, path, tls);
            (None, Box::pin(bounded(timeout, probe)))
        }
        Probe::Command(command) => match (env.setup)() {
            Err(e) => (None, Box::pin(std::future::ready(Err(e)))),
            Ok(setup) => start_command(command, setup, env.directory, timeout),
        },
    }
}

/// A command probe: its child, and its verdict once the child has exited.
fn start_command(
    command: &str,
    setup: CommandSetup,
    directory: Option<&std::path::Path>,
    timeout: Duration,
) -> (
    Option<RunningProbe>,
    futures_util::future::BoxFuture<'static, Verdict>,
) {
    match spawn_command(command, setup, directory) {
        Ok((pid, output)) => {
            let (exit, exited) = oneshot::channel();
            let verdict = command_verdict(pid, output, exited, timeout);
            (Some(RunningProbe { pid, exit }), Box::pin(verdict))
        }
        Err(e) => (
            None,
            Box::pin(std::future::ready(Err(format!("cannot run: {e}")))),
        ),
    }
}

async fn bounded(timeout: Duration, probe: impl std::future::Future<Output = Verdict>) -> Verdict {
    tokio::time::timeout(timeout, probe)
        .await
        .unwrap_or_else(|_| Err(format!("no answer in {} s", timeout.as_secs())))
}

/// `GET path` with HTTP/1.1, over TLS for https; a 2xx or 3xx status line is healthy.
async fn http_get(host: String, port: u16, path: String, tls: bool) -> Verdict {
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| e.to_string())?;
    if !tls {
        return exchange(tcp, &host, port, &path).await;
    }
    let connector = super::probe_tls::connector()?;
    let name = super::probe_tls::server_name(&host)?;
    let stream = connector
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS: {e}"))?;
    exchange(stream, &host, port, &path).await
}

/// Sends the request and reads the status line.
async fn exchange(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    host: &str,
    port: u16,
    path: &str,
) -> Verdict {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: supervisord-healthcheck\r\n\
         Connection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 1024 {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or_default();
    match status_line
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
    {
        Some(code @ 200..=399) => Ok(format!("HTTP {code}")),
        Some(code) => Err(format!("HTTP {code}")),
        None => Err(format!("not an HTTP answer: {status_line:?}")),
    }
}

/// `/bin/sh -c command` in a process group of its own, stdout and stderr into one pipe.
fn spawn_command(
    command: &str,
    CommandSetup { env, user, umask }: CommandSetup,
    directory: Option<&std::path::Path>,
) -> std::io::Result<(i32, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(command)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(write.try_clone()?))
        .stderr(Stdio::from(write))
        .process_group(0);
    if let Some(dir) = directory {
        cmd.current_dir(dir);
    }
    if user.is_some() || umask.is_some() {
        // SAFETY: umask and UserIds::assume are async-signal-safe, on values moved in before
        // the fork; std runs this in the forked child.
        unsafe {
            cmd.pre_exec(move || {
                if let Some(mask) = umask {
                    libc::umask(mask as libc::mode_t);
                }
                match &user {
                    Some(ids) => ids.assume(),
                    None => Ok(()),
                }
            });
        }
    }
    let child = cmd.spawn()?;
    Ok((child.id() as i32, read))
}

/// Reads the probe's output and waits for its exit, within `timeout`; past it the probe's
/// process group is killed.
async fn command_verdict(
    pid: i32,
    output: OwnedFd,
    exited: oneshot::Receiver<ExitHow>,
    timeout: Duration,
) -> Verdict {
    let reader = read_output(output);
    let run = async {
        let (text, how) = futures_util::future::join(reader, exited).await;
        (text, how.ok())
    };
    let (text, how) = match tokio::time::timeout(timeout, run).await {
        Ok(done) => done,
        Err(_) => {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            return Err(format!("no exit in {} s, killed", timeout.as_secs()));
        }
    };
    let how = match how {
        Some(ExitHow::Code(0)) => return Ok(format!("exit status 0{text}")),
        Some(how) => crate::actors::mainlog::exit_description(how),
        None => "not reaped".into(),
    };
    Err(format!("{how}{text}"))
}

/// The first [`OUTPUT_SHOWN`] bytes of the probe's output, as `: text`, or "".
async fn read_output(fd: OwnedFd) -> String {
    let Ok(mut pipe) = tokio::net::unix::pipe::Receiver::from_owned_fd(fd) else {
        return String::new();
    };
    let mut kept = Vec::new();
    let mut chunk = [0u8; 1024];
    // Read to EOF (a chatty probe must not block on a full pipe), keeping the start.
    while let Ok(n) = pipe.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        let room = OUTPUT_SHOWN.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..n.min(room)]);
    }
    let text = String::from_utf8_lossy(&kept);
    let text = text.trim_end();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}
