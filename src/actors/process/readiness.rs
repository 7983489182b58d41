//! The Process's side of readiness: READY=1 from its notify socket, and health probes run
//! without blocking the actor, their verdicts fed back to the machine.

use actix::prelude::*;
use futures_util::FutureExt;

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
        let (running, verdict) = match self.daemon.child_env(&self.config, &self.group) {
            Ok(env) => health::start(
                &check,
                CommandEnv {
                    env: &env,
                    directory: self.config.directory.as_deref(),
                },
            ),
            // The probe's command would get the child's environment, which is unreadable now.
            Err(e) => (
                None,
                futures_util::future::ready(Err(e.to_string())).boxed(),
            ),
        };
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
