//! The daemon's own signals, turned into Registry messages: TERM/INT/QUIT shut down, HUP
//! restarts with the re-read config, USR2 reopens every log, USR1 is logged and otherwise
//! ignored (its default would kill the daemon and leave its children unsupervised, as it
//! does to Python's). Each is handled as it arrives, not once per loop pass. (SIGCHLD belongs
//! to the reaper.)

use actix::prelude::*;
use tokio::signal::unix::{signal, Signal, SignalKind};

use super::mainlog::{self, MainLogHandle, SignalMeaning};
use super::registry::{Outcome, Registry, ReopenLogs, Stop};

/// What the daemon does with each signal it listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Exit,
    Restart,
    ReopenLogs,
    Nothing,
}

/// The daemon's signals, caught from the moment [`listen`] returns: one that arrives before
/// they are forwarded waits in its stream instead of killing the daemon by its default action.
pub struct Listening(Vec<(i32, Request, Signal)>);

/// Catches the daemon's signals on the current (System) thread. Call it before the daemon
/// says it started, as Supervisor sets its handlers before it writes its pidfile: a service
/// manager may send SIGTERM as soon as it sees either.
pub fn listen() -> std::io::Result<Listening> {
    let table = [
        (libc::SIGTERM, Request::Exit),
        (libc::SIGINT, Request::Exit),
        (libc::SIGQUIT, Request::Exit),
        (libc::SIGHUP, Request::Restart),
        (libc::SIGUSR2, Request::ReopenLogs),
        (libc::SIGUSR1, Request::Nothing),
    ];
    table
        .into_iter()
        .map(|(sig, request)| Ok((sig, request, signal(SignalKind::from_raw(sig))?)))
        .collect::<std::io::Result<_>>()
        .map(Listening)
}

/// Forwards each caught signal to `registry`, which refuses a restart whose config does not
/// load, so a bad edit followed by SIGHUP never leaves the daemon without its programs.
pub fn forward(listening: Listening, registry: Addr<Registry>, main_log: MainLogHandle) {
    for (sig, request, mut stream) in listening.0 {
        let registry = registry.clone();
        let main_log = main_log.clone();
        actix::spawn(async move {
            while stream.recv().await.is_some() {
                match request {
                    Request::Exit => {
                        mainlog::received_signal(sig, SignalMeaning::Exit);
                        registry.do_send(Stop(Outcome::Shutdown));
                    }
                    Request::Restart => {
                        mainlog::received_signal(sig, SignalMeaning::Restart);
                        registry.do_send(Stop(Outcome::Restart));
                    }
                    Request::ReopenLogs => {
                        mainlog::received_signal(sig, SignalMeaning::LogReopen);
                        mainlog::logreopen();
                        if let Err(e) = main_log.reopen() {
                            eprintln!("supervisord: cannot reopen main log: {e}");
                        }
                        registry.do_send(ReopenLogs);
                    }
                    Request::Nothing => mainlog::received_signal(sig, SignalMeaning::Nothing),
                }
            }
        });
    }
}
