//! The Process's side of readiness: READY=1 from its notify socket, and health probes run
//! without blocking the actor, their verdicts fed back to the machine.

use actix::prelude::*;

use super::health::{self, CommandEnv};
use super::machine::Input;
use super::notify::{says_ready, Datagram};
use super::Process;
use crate::actors::mainlog;

impl StreamHandler<Datagram> for Process {
    fn handle(&mut self, Datagram(message): Datagram, ctx: &mut Context<Self>) {
        if says_ready(&message) {
            self.feed(Input::Ready, ctx);
        }
    }

    /// The socket lives as long as the Process: its end is not the actor's.
    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Process {
    /// Runs one health probe; its verdict is fed back as [`Input::Probed`] with `epoch`.
    pub(super) fn probe(&mut self, epoch: u64, ctx: &mut Context<Self>) {
        let Some(check) = self.config.healthcheck.clone() else {
            return;
        };
        let (daemon, config, group) = (&self.daemon, &self.config, &self.group);
        let (running, verdict) = health::start(
            &check,
            CommandEnv {
                // A probe command runs as the child does: its environment (environment_file
                // read anew), its user and umask.
                setup: Box::new(|| {
                    Ok(health::CommandSetup {
                        env: daemon.child_env(config, group).map_err(|e| e.to_string())?,
                        user: daemon.child_user(config).map_err(|e| e.to_string())?,
                        umask: config.umask,
                    })
                }),
                directory: config.directory.as_deref(),
            },
        );
        if let Some(running) = running {
            // On this thread, before any exit can be reaped (see exits.rs).
            super::exits::watch(running.pid, ctx.address());
            self.probe = Some(running);
        }
        ctx.spawn(verdict.into_actor(self).map(move |verdict, act, ctx| {
            mainlog::probed(&act.name, &verdict);
            act.feed(
                Input::Probed {
                    epoch,
                    healthy: verdict.is_ok(),
                },
                ctx,
            );
        }));
    }
}
