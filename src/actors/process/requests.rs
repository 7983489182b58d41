//! The requests a Process answers: start, stop, shutdown, signal, stdin, log reopen and
//! clear. Each feeds the machine and turns its outcome into the reply.

use actix::prelude::*;
use tokio::sync::oneshot;

use super::machine::{Input, Refusal};
use super::*;

impl Handler<Autostart> for Process {
    type Result = ();
    fn handle(&mut self, _: Autostart, ctx: &mut Context<Self>) {
        self.feed(Input::Autostart, ctx);
    }
}

impl Handler<Start> for Process {
    type Result = ResponseFuture<Result<(), StartError>>;

    fn handle(&mut self, Start { wait }: Start, ctx: &mut Context<Self>) -> Self::Result {
        let result = self.start(wait, ctx);
        Box::pin(async move {
            match result {
                Ok(None) => Ok(()),
                Ok(Some(rx)) => rx.await.unwrap_or(Err(StartError::AbnormalTermination)),
                Err(e) => Err(e),
            }
        })
    }
}

impl Process {
    /// startProcess: pre-checks as rpcinterface does, spawn, then either an answer now or a
    /// receiver that settle_waiters answers.
    #[allow(clippy::type_complexity)]
    fn start(
        &mut self,
        wait: bool,
        ctx: &mut Context<Self>,
    ) -> Result<Option<oneshot::Receiver<Result<(), StartError>>>, StartError> {
        if self.core.is_retired() {
            return Err(StartError::ShuttingDown);
        }
        if let Err(e) = self.daemon.resolve(&self.config) {
            return Err(match e {
                SpawnError::NotFound(_) => StartError::NoFile(e.to_string()),
                _ => StartError::NotExecutable(e.to_string()),
            });
        }
        match self.feed(Input::Start, ctx).refusal {
            Some(Refusal::AlreadyStarted) => return Err(StartError::AlreadyStarted),
            Some(Refusal::UnknownState) => {
                return Err(StartError::UnknownState(self.config.name.clone()))
            }
            Some(_) => return Err(StartError::ShuttingDown),
            None => {}
        }
        let snapshot = self.core.snapshot();
        if snapshot.spawnerr.is_some() {
            return Err(StartError::SpawnError);
        }
        if !wait || snapshot.state == ProcessState::Running {
            return Ok(None);
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.push(Waiter::Start(tx));
        Ok(Some(rx))
    }
}

impl Handler<Stop> for Process {
    type Result = ResponseFuture<Result<(), StopError>>;

    fn handle(&mut self, Stop { wait }: Stop, ctx: &mut Context<Self>) -> Self::Result {
        if let Err(e) = self.stop_request(Input::Stop, ctx) {
            return Box::pin(async move { Err(e) });
        }
        let rx = wait.then(|| self.wait_stopped(ctx, true));
        Box::pin(async move {
            if let Some(rx) = rx {
                let _ = rx.await;
            }
            Ok(())
        })
    }
}

impl Handler<StopForShutdown> for Process {
    type Result = ResponseFuture<Option<Addr<LogWriter>>>;

    fn handle(&mut self, _: StopForShutdown, ctx: &mut Context<Self>) -> Self::Result {
        let _ = self.stop_request(Input::Shutdown, ctx);
        let stopped = self.wait_stopped(ctx, false);
        let writer = self.writer();
        Box::pin(async move {
            let _ = stopped.await;
            writer
        })
    }
}

impl Process {
    /// Feeds a stop, shutdown or signal request; its answer.
    fn stop_request(&mut self, input: Input, ctx: &mut Context<Self>) -> Result<(), StopError> {
        let outcome = self.feed(input, ctx);
        match (outcome.refusal, outcome.failure) {
            (Some(Refusal::KillNotRunning { sig }), _) => Err(StopError::Failed(
                mainlog::kill_not_running(&self.config.name, sig),
            )),
            (Some(_), _) => Err(StopError::NotRunning),
            (None, Some(failure)) => Err(StopError::Failed(failure)),
            (None, None) => Ok(()),
        }
    }
}

impl Handler<SendSignal> for Process {
    type Result = Result<(), StopError>;

    fn handle(&mut self, SendSignal { sig }: SendSignal, ctx: &mut Context<Self>) -> Self::Result {
        if !self.core.state().is_signallable() {
            return Err(StopError::NotRunning);
        }
        Signal::try_from(sig).map_err(|e| StopError::Failed(e.to_string()))?;
        self.stop_request(Input::Signal(sig), ctx)
    }
}

impl Handler<WriteStdin> for Process {
    type Result = Result<(), StdinError>;

    fn handle(&mut self, WriteStdin { data }: WriteStdin, _: &mut Context<Self>) -> Self::Result {
        match &mut self.stdin {
            Some(stdin) if self.core.takes_stdin() => stdin.write(&data),
            // A running child with no stdin pipe (an fcgi program's fd 0 is its socket):
            // Supervisor's write() raises EPIPE on it, so Fault NO_FILE.
            None if self.core.takes_stdin() => Err(StdinError::Closed),
            _ => Err(StdinError::NotRunning),
        }
    }
}

impl Handler<Block> for Process {
    type Result = ();
    fn handle(&mut self, Block(reason): Block, ctx: &mut Context<Self>) {
        self.feed(Input::Blocked(reason), ctx);
    }
}

impl Handler<ReopenLogs> for Process {
    type Result = ();
    fn handle(&mut self, _: ReopenLogs, _: &mut Context<Self>) {
        if let Some(writer) = self.writer() {
            writer.do_send(log_writer::Reopen);
        }
    }
}

impl Handler<ClearLogs> for Process {
    type Result = ResponseFuture<Result<(), StopError>>;
    fn handle(&mut self, _: ClearLogs, _: &mut Context<Self>) -> Self::Result {
        let writer = self.writer();
        Box::pin(async move {
            let Some(writer) = writer else {
                return Ok(());
            };
            match writer.send(log_writer::Clear).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(StopError::Failed(e.to_string())),
                Err(e) => Err(StopError::Failed(e.to_string())),
            }
        })
    }
}
