//! The daemon's own signals, turned into Registry messages: TERM/INT/QUIT shut down, HUP
//! restarts with the re-read config, USR2 reopens every log. Each is handled as it arrives,
//! not once per loop pass. (SIGCHLD belongs to the reaper.)

use actix::prelude::*;
use tokio::signal::unix::{signal, SignalKind};

use super::mainlog;
use super::registry::{Outcome, ReopenLogs, Registry, Stop};

/// What the daemon does with each signal it listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Exit,
    Restart,
    ReopenLogs,
}

/// Listens on the current (System) thread and forwards to `registry`. `on_restart` is asked
/// first whether a restart may go ahead (the new config must load), so a bad edit followed by
/// SIGHUP never leaves the daemon without its programs.
pub fn start(registry: Addr<Registry>, on_restart: impl Fn() -> bool + 'static) -> std::io::Result<()> {
    let table = [
        (SignalKind::terminate(), "SIGTERM", Request::Exit),
        (SignalKind::interrupt(), "SIGINT", Request::Exit),
        (SignalKind::quit(), "SIGQUIT", Request::Exit),
        (SignalKind::hangup(), "SIGHUP", Request::Restart),
        (SignalKind::user_defined2(), "SIGUSR2", Request::ReopenLogs),
    ];
    let on_restart = std::rc::Rc::new(on_restart);
    for (kind, name, request) in table {
        let mut stream = signal(kind)?;
        let registry = registry.clone();
        let on_restart = on_restart.clone();
        actix::spawn(async move {
            while stream.recv().await.is_some() {
                match request {
                    Request::Exit => {
                        mainlog::received_signal(name, "exit request");
                        registry.do_send(Stop(Outcome::Shutdown));
                    }
                    Request::Restart => {
                        mainlog::received_signal(name, "restart request");
                        if on_restart() {
                            registry.do_send(Stop(Outcome::Restart));
                        }
                    }
                    Request::ReopenLogs => {
                        mainlog::received_signal(name, "log reopen request");
                        registry.do_send(ReopenLogs);
                    }
                }
            }
        });
    }
    Ok(())
}
