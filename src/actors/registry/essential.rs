//! `essential=true`: when such a program ends for good, the daemon stops the rest in
//! priority order, as at a shutdown, and exits with the program's status.

use actix::prelude::*;

use super::{Mood, Outcome, Registry, Stop};
use crate::actors::mainlog;
use crate::model::EssentialEnded;

impl Handler<EssentialEnded> for Registry {
    type Result = ();

    fn handle(&mut self, ended: EssentialEnded, ctx: &mut Context<Self>) {
        // The first end wins; one during a shutdown or restart changes nothing.
        if self.mood != Mood::Running {
            return;
        }
        mainlog::essential_ended(&ended.name, ended.state, ended.status);
        // A status outside 0..=255 cannot be an exit status: it reads as a failure.
        self.exit_status = u8::try_from(ended.status).unwrap_or(1);
        let _ = Handler::<Stop>::handle(self, Stop(Outcome::Shutdown), ctx);
    }
}
