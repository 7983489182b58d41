//! The Notifier: tells systemd (`Type=notify`) how the daemon is doing, over the socket it
//! passed in NOTIFY_SOCKET. READY=1 when the run is up (or its autostart programs have
//! settled), STATUS= with the programs' counts, RELOADING=1 when a restart begins (SIGHUP,
//! supervisor.restart()), STOPPING=1 at shutdown, and WATCHDOG=1 at half of WATCHDOG_USEC.
//!
//! It follows the published mood and process table (registry/), so the Registry does not
//! know it exists; and it runs on the supervision thread, so a wedged daemon stops feeding
//! the watchdog and systemd restarts it. One Notifier per run: the next run says READY=1.

mod socket;
mod status;

use std::time::{Duration, Instant};

use actix::prelude::*;
use futures_util::stream::{self, Stream};
use tokio::sync::watch;

pub use socket::MAIN_PROCESS_ONLY;

use super::registry::{Mood, ProcessTable};
use crate::config::{Config, SdNotify, SdNotifyReady};
use socket::{Asked, NotifySocket};
use status::Autostart;

/// The shortest time between two STATUS= updates: a flapping program changes state many
/// times a second, and systemd needs only the latest.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// What a Notifier is told before it starts: where to write and when to say READY=1.
pub struct Plan {
    socket: NotifySocket,
    watchdog: Option<Duration>,
    ready: SdNotifyReady,
    autostart: Autostart,
}

impl Plan {
    /// The plan for a run of `config`, or `None` when nothing is to be sent: `sd_notify =
    /// off`, no NOTIFY_SOCKET, or one that cannot be used (logged).
    pub fn for_run(config: &Config) -> Option<Plan> {
        if config.supervisord.sd_notify == SdNotify::Off {
            return None;
        }
        let asked = Asked::from_env()?;
        let socket = NotifySocket::open(&asked.socket)
            .inspect_err(|e| {
                tracing::warn!(
                    "cannot notify systemd at NOTIFY_SOCKET={:?}: {e}",
                    asked.socket
                )
            })
            .ok()?;
        Some(Plan {
            socket,
            watchdog: asked.watchdog,
            ready: config.supervisord.sd_notify_ready,
            autostart: Autostart::of(&config.groups),
        })
    }

    /// Starts the Notifier on the current (supervision) thread, following the run's `mood`
    /// and `processes`.
    pub fn start(
        self,
        mood: watch::Receiver<Mood>,
        processes: watch::Receiver<ProcessTable>,
    ) -> Addr<Notifier> {
        Notifier {
            plan: self,
            mood,
            processes,
            ready_sent: false,
            status_sent: None,
            status_due: None,
        }
        .start()
    }
}

pub struct Notifier {
    plan: Plan,
    mood: watch::Receiver<Mood>,
    processes: watch::Receiver<ProcessTable>,
    ready_sent: bool,
    /// The last STATUS= text and when it went.
    status_sent: Option<(String, Instant)>,
    /// A STATUS= update waiting for [`STATUS_EVERY`] to pass.
    status_due: Option<SpawnHandle>,
}

/// The published mood changed.
struct MoodChanged(Mood);

impl Message for MoodChanged {
    type Result = ();
}

/// A process changed state.
struct TableChanged;

impl Message for TableChanged {
    type Result = ();
}

impl Actor for Notifier {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some(timeout) = self.plan.watchdog {
            ctx.run_interval(timeout / 2, |act, _| act.send("WATCHDOG=1"));
        }
        ctx.add_stream(changes(self.mood.clone(), |mood| MoodChanged(*mood)));
        ctx.add_stream(changes(self.processes.clone(), |_| TableChanged));
        self.table_changed(ctx);
    }
}

impl StreamHandler<MoodChanged> for Notifier {
    fn handle(&mut self, MoodChanged(mood): MoodChanged, _: &mut Context<Self>) {
        match mood {
            Mood::Restarting => self.send(&format!("RELOADING=1\nMONOTONIC_USEC={}", now_usec())),
            Mood::Shutdown => self.send("STOPPING=1"),
            Mood::Running | Mood::Fatal => {}
        }
    }

    // The stream ends with the run's Registry; the watchdog goes on until the run does.
    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl StreamHandler<TableChanged> for Notifier {
    fn handle(&mut self, _: TableChanged, ctx: &mut Context<Self>) {
        self.table_changed(ctx);
    }

    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Notifier {
    fn table_changed(&mut self, ctx: &mut Context<Self>) {
        if !self.ready_sent && self.ready_now() {
            self.ready_sent = true;
            let status = self.status_line();
            self.send(&format!("READY=1\nSTATUS={status}"));
            self.status_sent = Some((status, Instant::now()));
            return;
        }
        self.update_status(ctx);
    }

    fn ready_now(&self) -> bool {
        match self.plan.ready {
            SdNotifyReady::Started => true,
            SdNotifyReady::Settled => self.plan.autostart.settled(self.processes.borrow().iter()),
        }
    }

    /// Sends the current STATUS= if it changed, at most once per [`STATUS_EVERY`]: a change
    /// within that time is sent when it is over, with whatever the table says then.
    fn update_status(&mut self, ctx: &mut Context<Self>) {
        if self.status_due.is_some() {
            return;
        }
        let since = self.status_sent.as_ref().map(|(_, at)| at.elapsed());
        match since {
            Some(since) if since < STATUS_EVERY => {
                let due = ctx.run_later(STATUS_EVERY - since, |act, ctx| {
                    act.status_due = None;
                    act.update_status(ctx);
                });
                self.status_due = Some(due);
            }
            _ => {
                let status = self.status_line();
                if self
                    .status_sent
                    .as_ref()
                    .is_none_or(|(sent, _)| *sent != status)
                {
                    self.send(&format!("STATUS={status}"));
                    self.status_sent = Some((status, Instant::now()));
                }
            }
        }
    }

    fn status_line(&self) -> String {
        status::status_line(self.processes.borrow().iter())
    }

    fn send(&self, message: &str) {
        if let Err(e) = self.plan.socket.send(message) {
            tracing::debug!("could not notify systemd ({message:?}): {e}");
        }
    }
}

/// Each change of `rx` from now on, as `message(new value)`. Changes that come faster than
/// the Notifier reads them are one change (a watch channel keeps only the latest).
fn changes<T, M>(rx: watch::Receiver<T>, message: fn(&T) -> M) -> impl Stream<Item = M>
where
    T: 'static,
    M: 'static,
{
    stream::unfold(rx, move |mut rx| async move {
        rx.changed().await.ok()?;
        let message = message(&rx.borrow_and_update());
        Some((message, rx))
    })
}

/// CLOCK_MONOTONIC in microseconds, which RELOADING=1 carries (sd_notify(3)).
fn now_usec() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .map(|now| now.tv_sec() as u64 * 1_000_000 + now.tv_nsec() as u64 / 1_000)
        .unwrap_or(0)
}
