//! ListenerPool: one per `[eventlistener:x]`. It keeps the pool's FIFO of events (at most
//! `buffer_size`, the oldest discarded on overflow), tracks each listener process's protocol
//! state, and writes the next event to a READY listener's stdin the moment one is both queued
//! and wanted: there is no dispatch loop (Supervisor's EventListenerPool, process.py).
//!
//! A listener is still a Process actor (spawn, restart, logs); the Process tells its pool when
//! it spawned (with a dup of the child's stdin) and every state change, and its stdout
//! LogWriter copies each chunk here, where [`protocol::Protocol`] parses it. All three are
//! [`ListenerNote`]s. The Process sends its own notes in order; output comes from the log
//! thread but is only read after the spawn note was sent, so a note never overtakes the spawn
//! it belongs to. Output of an older child is told apart by its pid.

pub mod protocol;

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::sync::Arc;

use actix::prelude::*;
use tokio::net::unix::pipe;

use self::protocol::{ListenerState, Protocol, Step};
use super::events::{envelope, Event};
use super::mainlog;

use crate::config::GroupConfig;
use crate::model::{ProcessState, StateChanged};

/// What a listener process tells its pool.
#[derive(Message)]
#[rtype(result = "()")]
pub enum ListenerNote {
    /// A new child runs; `stdin` is a duplicate of the write end of its stdin pipe.
    Spawned {
        name: String,
        pid: i32,
        stdin: OwnedFd,
    },
    /// The process changed state (the same notification the Registry gets).
    State(StateChanged),
    /// The child `pid` wrote this on stdout.
    Output {
        name: String,
        pid: i32,
        data: Vec<u8>,
    },
}

/// An event accepted into this pool, numbered by the Registry (`serial`) and by the pool.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Accept {
    pub event: Arc<Event>,
    pub serial: u64,
}

/// The pool's group is removed: stop.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Dissolve;

#[derive(Clone)]
struct Queued {
    event: Arc<Event>,
    serial: u64,
    pool_serial: u64,
}

/// One listener process of the pool.
struct Listener {
    name: String,
    state: ProcessState,
    /// The current child, 0 when there is none.
    pid: i32,
    stdin: Option<Rc<pipe::Sender>>,
    /// Envelope bytes the pipe did not take yet (a full pipe); flushed when writable.
    unwritten: Vec<u8>,
    protocol: Protocol,
    /// The event it is BUSY with.
    event: Option<Queued>,
}

/// The pool actor. See the module doc.
pub struct ListenerPool {
    name: String,
    identifier: String,
    buffer_size: usize,
    /// The last pool serial handed out; the first event gets 0 (events.py new_serial).
    serial: Option<u64>,
    queue: VecDeque<Queued>,
    /// In the group's start order, which is the order Supervisor offers events in.
    listeners: Vec<Listener>,
}

impl ListenerPool {
    pub fn new(config: &GroupConfig, buffer_size: usize, identifier: &str) -> Self {
        ListenerPool {
            name: config.name.clone(),
            identifier: identifier.to_string(),
            buffer_size,
            serial: None,
            queue: VecDeque::new(),
            listeners: config
                .processes
                .iter()
                .map(|p| Listener {
                    name: p.name.clone(),
                    state: ProcessState::Stopped,
                    pid: 0,
                    stdin: None,
                    unwritten: Vec::new(),
                    protocol: Protocol::new(&p.name),
                    event: None,
                })
                .collect(),
        }
    }

    fn listener(&mut self, name: &str) -> Option<usize> {
        self.listeners.iter().position(|l| l.name == name)
    }

    /// `_acceptEvent`: new events go to the tail, rejected ones back to the head; either way a
    /// full buffer loses its oldest event first.
    fn enqueue(&mut self, item: Queued, head: bool) {
        if head {
            mainlog::rebuffering_event(item.serial, &self.name, self.queue.len(), self.buffer_size);
        }
        if self.queue.len() >= self.buffer_size {
            if let Some(discarded) = self.queue.pop_front() {
                mainlog::event_buffer_overflowed(&self.name, discarded.serial);
            }
        }
        if head {
            self.queue.push_front(item);
        } else {
            self.queue.push_back(item);
        }
    }

    /// The event listener `i` was busy with goes back to the head of the queue.
    fn requeue_from(&mut self, i: usize) {
        if let Some(item) = self.listeners[i].event.take() {
            self.enqueue(item, true);
        }
    }

    /// Sends queued events, oldest first, while some RUNNING listener is READY.
    fn dispatch(&mut self, ctx: &mut Context<Self>) {
        while let Some(item) = self.queue.pop_front() {
            if !self.send_to_ready(&item, ctx) {
                self.queue.push_front(item);
                break;
            }
        }
    }

    /// `_dispatchEvent`: offer `item` to each ready listener in order; a broken pipe passes it
    /// to the next. False when no listener took it.
    fn send_to_ready(&mut self, item: &Queued, ctx: &mut Context<Self>) -> bool {
        let text = envelope(
            &self.identifier,
            item.serial,
            &self.name,
            item.pool_serial,
            &item.event,
        );
        for i in 0..self.listeners.len() {
            let l = &mut self.listeners[i];
            if l.state != ProcessState::Running || l.protocol.state() != ListenerState::Ready {
                continue;
            }
            let Some(stdin) = l.stdin.clone() else {
                continue;
            };
            match write_some(&stdin, text.as_bytes()) {
                Ok(n) => {
                    l.unwritten = text.as_bytes()[n..].to_vec();
                    l.protocol.sent();
                    l.event = Some(item.clone());
                    mainlog::event_sent(item.serial, &l.name);
                    if !l.unwritten.is_empty() {
                        let (name, pid) = (l.name.clone(), l.pid);
                        self.flush_when_writable(stdin, name, pid, ctx);
                    }
                    return true;
                }
                Err(e) => {
                    tracing::debug!(listener = %l.name, error = %e, "cannot write event");
                    mainlog::event_epipe(item.serial, &l.name);
                }
            }
        }
        false
    }

    /// Waits until the listener's stdin pipe has room and writes more of its envelope, without
    /// ever blocking this thread on a listener that does not read.
    fn flush_when_writable(
        &mut self,
        stdin: Rc<pipe::Sender>,
        name: String,
        pid: i32,
        ctx: &mut Context<Self>,
    ) {
        let ready = {
            let stdin = stdin.clone();
            async move { stdin.writable().await }
        };
        ctx.spawn(ready.into_actor(self).map(move |res, act, ctx| {
            let Some(i) = act.listener(&name) else { return };
            let l = &mut act.listeners[i];
            if l.pid != pid || l.unwritten.is_empty() {
                return;
            }
            let written = res.and_then(|()| write_some(&stdin, &l.unwritten));
            match written {
                Ok(n) => {
                    l.unwritten.drain(..n);
                    if !l.unwritten.is_empty() {
                        act.flush_when_writable(stdin, name, pid, ctx);
                    }
                }
                Err(e) => {
                    // The listener is going away; its death requeues the event.
                    tracing::debug!(listener = %name, error = %e, "cannot write event");
                    l.unwritten.clear();
                }
            }
        }));
    }

    fn handle_output(&mut self, i: usize, data: &[u8], ctx: &mut Context<Self>) {
        for step in self.listeners[i].protocol.feed(data) {
            match step {
                Step::Ready => {}
                Step::Processed => self.listeners[i].event = None,
                Step::Rejected => self.requeue_from(i),
            }
        }
        // A READY listener wants the next event; a rejected event may suit another one.
        self.dispatch(ctx);
    }
}

/// Writes what the non-blocking pipe takes now: `Ok(0)` when it is full.
fn write_some(stdin: &pipe::Sender, data: &[u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < data.len() {
        match stdin.try_write(&data[done..]) {
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if done > 0 => {
                tracing::debug!(error = %e, "listener stdin failed mid-event");
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

impl Actor for ListenerPool {
    type Context = Context<Self>;
}

impl Handler<Accept> for ListenerPool {
    type Result = ();
    fn handle(&mut self, Accept { event, serial }: Accept, ctx: &mut Context<Self>) {
        let pool_serial = self.serial.map_or(0, |s| s.wrapping_add(1));
        self.serial = Some(pool_serial);
        self.enqueue(
            Queued {
                event,
                serial,
                pool_serial,
            },
            false,
        );
        self.dispatch(ctx);
    }
}

impl Handler<ListenerNote> for ListenerPool {
    type Result = ();
    fn handle(&mut self, note: ListenerNote, ctx: &mut Context<Self>) {
        match note {
            ListenerNote::Spawned { name, pid, stdin } => {
                let Some(i) = self.listener(&name) else {
                    return;
                };
                // A respawn implies the old child is gone: what it held is sent again.
                self.requeue_from(i);
                let l = &mut self.listeners[i];
                l.pid = pid;
                l.unwritten.clear();
                l.protocol = Protocol::new(&name);
                l.stdin = match pipe::Sender::from_owned_fd(stdin) {
                    Ok(tx) => Some(Rc::new(tx)),
                    Err(e) => {
                        tracing::warn!("cannot write to the stdin of listener {name}: {e}");
                        None
                    }
                };
            }
            ListenerNote::State(changed) => {
                let Some(i) = self.listener(&changed.info.name) else {
                    return;
                };
                self.listeners[i].state = changed.info.state;
                if changed.info.pid == 0 {
                    // The child was reaped (finish()): an event it held was not processed.
                    self.requeue_from(i);
                    let l = &mut self.listeners[i];
                    l.pid = 0;
                    l.stdin = None;
                    l.unwritten.clear();
                }
                self.dispatch(ctx);
            }
            ListenerNote::Output { name, pid, data } => {
                let Some(i) = self.listener(&name) else {
                    return;
                };
                if self.listeners[i].pid == pid && pid != 0 {
                    self.handle_output(i, &data, ctx);
                }
            }
        }
    }
}

impl Handler<Dissolve> for ListenerPool {
    type Result = ();
    fn handle(&mut self, _: Dissolve, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// How many events wait in the pool's queue (the metrics' queue length).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct QueueLength;

impl Handler<QueueLength> for ListenerPool {
    type Result = usize;
    fn handle(&mut self, _: QueueLength, _: &mut Context<Self>) -> usize {
        self.queue.len()
    }
}
