//! The floors: the same work with no supervisor in between, measured in both columns alike.
//! Spawning N sleeps from a shell loop (plain, or with output to 2N files), from one process
//! holding 2N pipes that one reader drains, killing and reaping N sleeps, and ping-pongs
//! over unix sockets, on one connection and on 16.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{ms, processes::most_programs_here, Figure, Scale};
use crate::daemons::Kind;
use crate::procfs;

pub fn spawn_floors(_: Kind, scale: Scale) -> Vec<Figure> {
    let n = scale.programs();
    vec![shell_loop(n, false), shell_loop(n, true), piped_spawns(n)]
}

pub fn huge_spawn_floor(_: Kind, scale: Scale) -> Vec<Figure> {
    vec![shell_loop(scale.huge(), false)]
}

pub fn most_spawn_floors(_: Kind, scale: Scale) -> Vec<Figure> {
    let n = most_programs_here(scale);
    vec![shell_loop(n, true), piped_spawns(n)]
}

/// A shell loop forking N sleeps, with stdout and stderr to a file each if `to_files`.
fn shell_loop(n: usize, to_files: bool) -> Figure {
    let dir = tempfile::Builder::new()
        .prefix("svd-bench")
        .tempdir()
        .expect("tempdir");
    let redirect = if to_files {
        format!(" >{0}/out.$i 2>{0}/err.$i", dir.path().display())
    } else {
        String::new()
    };
    let start = Instant::now();
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "i=0; while [ $i -lt {n} ]; do sleep 100000{redirect} & i=$((i+1)); done"
        ))
        .process_group(0)
        .spawn()
        .expect("sh");
    let status = shell.wait().expect("sh");
    let elapsed = start.elapsed();
    assert!(status.success());
    // The sleeps were left in the shell's process group; end them.
    procfs::signal_group(shell.id(), libc::SIGKILL);
    let what = if to_files {
        format!(
            "shell loop spawning {n} sleeps, output to {} files (baseline)",
            2 * n
        )
    } else {
        format!("shell loop spawning {n} sleeps (baseline)")
    };
    Figure::new(what, "ms", ms(elapsed))
}

/// N sleeps spawned with their stdout and stderr on pipes, which one reader thread drains in
/// one epoll loop: what a supervisor logging their output cannot do with less.
fn piped_spawns(n: usize) -> Figure {
    // SAFETY: epoll_create1 takes a flag and returns a new fd or -1.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "epoll_create1");
    let reader = std::thread::spawn(move || drain(epoll, 2 * n, |_, _| {}));
    let start = Instant::now();
    let mut pipes: Vec<OwnedFd> = Vec::with_capacity(2 * n);
    let children: Vec<_> = (0..n)
        .map(|_| {
            let mut child = Command::new("sleep")
                .arg("100000")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn sleep");
            let out = OwnedFd::from(child.stdout.take().expect("stdout"));
            let err = OwnedFd::from(child.stderr.take().expect("stderr"));
            for fd in [out, err] {
                let mut event = libc::epoll_event {
                    events: libc::EPOLLIN as u32,
                    u64: fd.as_raw_fd() as u64,
                };
                // SAFETY: both fds are open; the event is read during the call only.
                let added = unsafe {
                    libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut event)
                };
                assert_eq!(added, 0, "epoll_ctl");
                pipes.push(fd);
            }
            child
        })
        .collect();
    let elapsed = start.elapsed();
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
    reader.join().expect("reader");
    drop(pipes);
    // SAFETY: the epoll fd is ours and no longer used.
    unsafe { libc::close(epoll) };
    Figure::new(
        format!(
            "{n} sleeps spawned with {} pipes, one epoll reader (baseline)",
            2 * n
        ),
        "ms",
        ms(elapsed),
    )
}

/// Reads whatever the pipes in `epoll` carry, handing each chunk to `sink` with its pipe,
/// until `pipes` of them have closed.
pub fn drain(epoll: libc::c_int, pipes: usize, mut sink: impl FnMut(libc::c_int, &[u8])) {
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    // Pipes seen full are grown to 1 MiB and read in 1 MiB chunks, as ours does.
    const DEFAULT_PIPE: isize = 64 * 1024;
    let mut buf = vec![0u8; 1 << 20];
    let mut closed = 0;
    while closed < pipes {
        // SAFETY: the buffer holds events.len() events and outlives the call.
        let ready =
            unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), events.len() as i32, -1) };
        for event in events.iter().take(ready.max(0) as usize) {
            let fd = event.u64 as libc::c_int;
            // SAFETY: reads into our buffer from a pipe the spawning thread keeps open.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n == DEFAULT_PIPE {
                // SAFETY: fcntl on an open pipe; a refusal only leaves it at its size.
                unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, buf.len() as libc::c_int) };
            }
            if n > 0 {
                sink(fd, &buf[..n as usize]);
            } else if n == 0 {
                // SAFETY: as above; a closed pipe leaves the set so it is counted once.
                unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) };
                closed += 1;
            }
        }
    }
}

/// The floor for calls per second on one connection: two threads handing a getState-sized
/// message back and forth over a unix socket, with nothing parsed. Each exchange costs two
/// wake-ups across cores, which is most of what one call costs.
pub fn ping_pong_floor(_: Kind, _: Scale) -> Vec<Figure> {
    use std::io::{Read, Write};
    let (client, mut server) = UnixStream::pair().expect("socketpair");
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok(n @ 1..) = server.read(&mut buf) {
            if server.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    let per_sec = exchanges_per_second(vec![client]);
    echo.join().expect("echo thread");
    vec![Figure::new(
        "unix socket ping-pong between two threads (baseline)",
        "/s",
        per_sec,
    )]
}

/// The floor for calls per second over 16 connections: 16 client threads ping-ponging with
/// one epoll thread that echoes, the shape of 16 clients on a one-thread server that does
/// no work. On a small machine the clients' own system calls bound it.
pub fn ping_pong_16_floor(_: Kind, _: Scale) -> Vec<Figure> {
    let (clients, servers): (Vec<_>, Vec<_>) = (0..16)
        .map(|_| UnixStream::pair().expect("socketpair"))
        .unzip();
    let echo = std::thread::spawn(move || echo_all(servers));
    let per_sec = exchanges_per_second(clients);
    echo.join().expect("echo thread");
    vec![Figure::new(
        "unix socket ping-pong, 16 client threads and one epoll thread (baseline)",
        "/s",
        per_sec,
    )]
}

/// Exchanges per second of a getState-sized message over `clients`, one thread each, for a
/// 2 s window; the connections are closed at the end.
fn exchanges_per_second(clients: Vec<UnixStream>) -> f64 {
    use std::io::{Read, Write};
    let window = Duration::from_secs(2);
    let start = Instant::now();
    let exchanges: u64 = std::thread::scope(|scope| {
        let threads: Vec<_> = clients
            .into_iter()
            .map(|mut client| {
                scope.spawn(move || {
                    let message = [b'x'; 200];
                    let mut reply = [0u8; 200];
                    let mut exchanges = 0u64;
                    while start.elapsed() < window {
                        client.write_all(&message).expect("ping");
                        client.read_exact(&mut reply).expect("pong");
                        exchanges += 1;
                    }
                    exchanges
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().expect("client")).sum()
    });
    exchanges as f64 / start.elapsed().as_secs_f64()
}

/// Echoes whatever comes in on `sockets`, from one thread through epoll, until all are closed.
fn echo_all(sockets: Vec<UnixStream>) {
    use std::io::{Read, Write};
    // SAFETY: a plain epoll_create1; the fd is closed below.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "epoll_create1");
    for (i, socket) in sockets.iter().enumerate() {
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: i as u64,
        };
        // SAFETY: registers a socket that `sockets` keeps open until the end.
        let added =
            unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, socket.as_raw_fd(), &mut event) };
        assert_eq!(added, 0, "epoll_ctl");
    }
    let mut sockets: Vec<Option<UnixStream>> = sockets.into_iter().map(Some).collect();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 16];
    let mut buf = [0u8; 512];
    let mut open = sockets.len();
    while open > 0 {
        // SAFETY: the buffer holds events.len() events and outlives the call.
        let ready =
            unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), events.len() as i32, -1) };
        for event in events.iter().take(ready.max(0) as usize) {
            let slot = &mut sockets[event.u64 as usize];
            let Some(socket) = slot else { continue };
            match socket.read(&mut buf) {
                Ok(n @ 1..) if socket.write_all(&buf[..n]).is_ok() => {}
                // Closed (dropping it leaves the epoll set) or broken.
                _ => {
                    *slot = None;
                    open -= 1;
                }
            }
        }
    }
    // SAFETY: the epoll fd is ours and no longer used.
    unsafe { libc::close(epoll) };
}

/// The floor for stopping N programs: a plain loop sending SIGTERM to the same N sleeps
/// (spawned by this process) and reaping each, with no supervisor in between.
pub fn kill_floor(_: Kind, scale: Scale) -> Vec<Figure> {
    let n = scale.programs();
    let mut children: Vec<_> = (0..n)
        .map(|_| {
            Command::new("sleep")
                .arg("100000")
                .spawn()
                .expect("spawn sleep")
        })
        .collect();
    // Measure from the moment every child has become `sleep` (exec done), as the daemons'
    // children have when stopAllProcesses is called.
    let deadline = Instant::now() + Duration::from_secs(60);
    for child in &children {
        while procfs::comm(child.id()) != "sleep" {
            assert!(Instant::now() < deadline, "sleep did not start");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let start = Instant::now();
    for child in &children {
        procfs::signal(child.id(), libc::SIGTERM);
    }
    for child in &mut children {
        child.wait().expect("wait");
    }
    vec![Figure::new(
        format!("plain loop killing and reaping {n} sleeps (baseline)"),
        "ms",
        ms(start.elapsed()),
    )]
}
