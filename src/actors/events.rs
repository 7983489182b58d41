//! Event types and their payloads: the text event listeners parse (Supervisor's events.py).
//! Pure: no actors here except the [`Publish`] message that carries an [`Event`] to the
//! Registry, which is the event bus.
//!
//! A payload is rendered when the event happens (as Supervisor renders process-state payloads
//! eagerly), so a pid or a state that changes later never leaks into an earlier event. The
//! envelope's `len:` counts characters, not bytes: Supervisor measures the Python `str`, and
//! `childutils` reads the payload from a text-mode stdin with `read(len)`, so a byte count
//! would make it over-read on non-ASCII output and hang.

use crate::model::{Channel, Health, ProcessInfo, ProcessState};
use actix::Message;

/// A concrete event type (the abstract parents exist only as subscription names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    ProcessState(ProcessState),
    ProcessLog(Channel),
    ProcessCommunication(Channel),
    RemoteCommunication,
    SupervisorRunning,
    SupervisorStopping,
    /// `TICK_5`, `TICK_60`, `TICK_3600`, by period in seconds.
    Tick(u64),
    ProcessGroupAdded,
    ProcessGroupRemoved,
    /// An extension: a health check's verdict changed (true: healthy).
    ProcessHealth(bool),
}

/// The periods of Supervisor's TICK events, in seconds.
pub const TICK_PERIODS: [u64; 3] = [5, 60, 3600];

impl EventKind {
    /// The `eventname:` of the envelope.
    pub fn name(self) -> &'static str {
        use ProcessState as S;
        match self {
            EventKind::ProcessState(s) => match s {
                S::Stopped => "PROCESS_STATE_STOPPED",
                S::Starting => "PROCESS_STATE_STARTING",
                S::Running => "PROCESS_STATE_RUNNING",
                S::Backoff => "PROCESS_STATE_BACKOFF",
                S::Stopping => "PROCESS_STATE_STOPPING",
                S::Exited => "PROCESS_STATE_EXITED",
                S::Fatal => "PROCESS_STATE_FATAL",
                S::Unknown => "PROCESS_STATE_UNKNOWN",
            },
            EventKind::ProcessLog(Channel::Stdout) => "PROCESS_LOG_STDOUT",
            EventKind::ProcessLog(Channel::Stderr) => "PROCESS_LOG_STDERR",
            EventKind::ProcessCommunication(Channel::Stdout) => "PROCESS_COMMUNICATION_STDOUT",
            EventKind::ProcessCommunication(Channel::Stderr) => "PROCESS_COMMUNICATION_STDERR",
            EventKind::RemoteCommunication => "REMOTE_COMMUNICATION",
            EventKind::SupervisorRunning => "SUPERVISOR_STATE_CHANGE_RUNNING",
            EventKind::SupervisorStopping => "SUPERVISOR_STATE_CHANGE_STOPPING",
            EventKind::Tick(5) => "TICK_5",
            EventKind::Tick(60) => "TICK_60",
            EventKind::Tick(_) => "TICK_3600",
            EventKind::ProcessGroupAdded => "PROCESS_GROUP_ADDED",
            EventKind::ProcessGroupRemoved => "PROCESS_GROUP_REMOVED",
            EventKind::ProcessHealth(true) => "PROCESS_HEALTH_HEALTHY",
            EventKind::ProcessHealth(false) => "PROCESS_HEALTH_UNHEALTHY",
        }
    }

    /// The abstract type this one derives from (besides `EVENT`, the root of all).
    fn parent(self) -> Option<&'static str> {
        match self {
            EventKind::ProcessState(_) => Some("PROCESS_STATE"),
            EventKind::ProcessLog(_) => Some("PROCESS_LOG"),
            EventKind::ProcessCommunication(_) => Some("PROCESS_COMMUNICATION"),
            EventKind::RemoteCommunication => None,
            EventKind::SupervisorRunning | EventKind::SupervisorStopping => {
                Some("SUPERVISOR_STATE_CHANGE")
            }
            EventKind::Tick(_) => Some("TICK"),
            EventKind::ProcessGroupAdded | EventKind::ProcessGroupRemoved => Some("PROCESS_GROUP"),
            EventKind::ProcessHealth(_) => Some("PROCESS_HEALTH"),
        }
    }

    /// Whether a pool subscribed to `subscribed` receives this type: its own name, its abstract
    /// parent, or `EVENT` (Supervisor's `isinstance` test in events.notify).
    pub fn is_a(self, subscribed: &str) -> bool {
        subscribed == "EVENT" || subscribed == self.name() || self.parent() == Some(subscribed)
    }
}

/// One event, its payload already rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub payload: String,
}

/// A process-state transition, as its event payload needs it.
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    pub name: &'a str,
    pub group: &'a str,
    pub from: ProcessState,
    pub to: ProcessState,
    /// Consecutive failed starts (STARTING, BACKOFF).
    pub tries: u32,
    /// For EXITED: whether the exit code was expected.
    pub expected: bool,
    /// The child the transition concerns (the one just reaped for EXITED and STOPPED).
    pub pid: i32,
}

impl Event {
    /// `PROCESS_STATE_*`: `processname:x groupname:g from_state:S` plus `tries:N` (STARTING,
    /// BACKOFF), `expected:0|1 pid:N` (EXITED) or `pid:N` (RUNNING, STOPPING, STOPPED).
    pub fn process_state(t: Transition<'_>) -> Event {
        use ProcessState as S;
        let mut payload = format!(
            "processname:{} groupname:{} from_state:{}",
            t.name,
            t.group,
            t.from.name()
        );
        match t.to {
            S::Starting | S::Backoff => payload += &format!(" tries:{}", t.tries),
            S::Exited => payload += &format!(" expected:{} pid:{}", t.expected as u8, t.pid),
            S::Running | S::Stopping | S::Stopped => payload += &format!(" pid:{}", t.pid),
            S::Fatal | S::Unknown => {}
        }
        Event {
            kind: EventKind::ProcessState(t.to),
            payload,
        }
    }

    /// `PROCESS_HEALTH_HEALTHY` / `_UNHEALTHY`: `processname:x groupname:g pid:N`, when a
    /// process's health becomes one of them.
    pub fn process_health(info: &ProcessInfo) -> Option<Event> {
        let healthy = match info.health {
            Health::Healthy => true,
            Health::Unhealthy => false,
            Health::Unchecked | Health::Starting => return None,
        };
        Some(Event {
            kind: EventKind::ProcessHealth(healthy),
            payload: format!(
                "processname:{} groupname:{} pid:{}",
                info.name, info.group, info.pid
            ),
        })
    }

    /// `PROCESS_LOG_*`: `processname:x groupname:g pid:N channel:stdout\n<data>`.
    pub fn process_log(name: &str, group: &str, pid: i32, channel: Channel, data: &[u8]) -> Event {
        Event {
            kind: EventKind::ProcessLog(channel),
            payload: format!(
                "processname:{name} groupname:{group} pid:{pid} channel:{}\n{}",
                channel.as_str(),
                decode(data)
            ),
        }
    }

    /// `PROCESS_COMMUNICATION_*`: `processname:x groupname:g pid:N\n<data>`.
    pub fn process_communication(
        name: &str,
        group: &str,
        pid: i32,
        channel: Channel,
        data: &[u8],
    ) -> Event {
        Event {
            kind: EventKind::ProcessCommunication(channel),
            payload: format!(
                "processname:{name} groupname:{group} pid:{pid}\n{}",
                decode(data)
            ),
        }
    }

    /// `REMOTE_COMMUNICATION` (sendRemoteCommEvent): `type:T\n<data>`.
    pub fn remote_communication(typ: &str, data: &str) -> Event {
        Event {
            kind: EventKind::RemoteCommunication,
            payload: format!("type:{typ}\n{data}"),
        }
    }

    /// `SUPERVISOR_STATE_CHANGE_RUNNING` / `_STOPPING`: empty payload.
    pub fn supervisor_state(running: bool) -> Event {
        Event {
            kind: if running {
                EventKind::SupervisorRunning
            } else {
                EventKind::SupervisorStopping
            },
            payload: String::new(),
        }
    }

    /// `PROCESS_GROUP_ADDED` / `_REMOVED`: `groupname:g\n`.
    pub fn process_group(group: &str, added: bool) -> Event {
        Event {
            kind: if added {
                EventKind::ProcessGroupAdded
            } else {
                EventKind::ProcessGroupRemoved
            },
            payload: format!("groupname:{group}\n"),
        }
    }

    /// `TICK_<period>`: `when:<epoch seconds floored to the period>`.
    pub fn tick(period: u64, when: u64) -> Event {
        Event {
            kind: EventKind::Tick(period),
            payload: format!("when:{when}"),
        }
    }
}

/// Child output as Supervisor puts it into a payload: the text, or `Undecodable: b'...'`.
fn decode(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => s.into(),
        Err(_) => format!("Undecodable: {}", super::mainlog::py_bytes_repr(data)).into(),
    }
}

/// The header line and payload a listener reads (process.py `_eventEnvelope`).
pub fn envelope(server: &str, serial: u64, pool: &str, pool_serial: u64, event: &Event) -> String {
    format!(
        "ver:3.0 server:{server} serial:{serial} pool:{pool} poolserial:{pool_serial} \
         eventname:{} len:{}\n{}",
        event.kind.name(),
        event.payload.chars().count(),
        event.payload
    )
}

/// The start of the `period`-second slice containing `now` (supervisord.py `timeslice`).
pub fn timeslice(period: u64, now: u64) -> u64 {
    now - now % period
}

/// Publish an event: the Registry numbers it and hands it to every pool subscribed to its type.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Publish(pub Event);

#[cfg(test)]
mod tests {
    use super::*;

    fn transition(to: ProcessState, from: ProcessState) -> Transition<'static> {
        Transition {
            name: "cat",
            group: "grp",
            from,
            to,
            tries: 2,
            expected: true,
            pid: 42,
        }
    }

    #[test]
    fn process_state_payloads_match_supervisor() {
        use ProcessState as S;
        let cases = [
            (S::Starting, S::Backoff, "from_state:BACKOFF tries:2"),
            (S::Backoff, S::Starting, "from_state:STARTING tries:2"),
            (S::Running, S::Starting, "from_state:STARTING pid:42"),
            (S::Stopping, S::Running, "from_state:RUNNING pid:42"),
            (S::Stopped, S::Stopping, "from_state:STOPPING pid:42"),
            (
                S::Exited,
                S::Running,
                "from_state:RUNNING expected:1 pid:42",
            ),
            (S::Fatal, S::Backoff, "from_state:BACKOFF"),
            (S::Unknown, S::Running, "from_state:RUNNING"),
        ];
        for (to, from, tail) in cases {
            let e = Event::process_state(transition(to, from));
            assert_eq!(e.payload, format!("processname:cat groupname:grp {tail}"));
            assert_eq!(e.kind.name(), format!("PROCESS_STATE_{}", to.name()));
        }
        let mut t = transition(ProcessState::Exited, ProcessState::Running);
        t.expected = false;
        assert!(Event::process_state(t)
            .payload
            .ends_with("expected:0 pid:42"));
    }

    #[test]
    fn other_payloads_match_supervisor() {
        let e = Event::process_log("web", "g", 7, Channel::Stderr, b"oops\n");
        assert_eq!(
            e.payload,
            "processname:web groupname:g pid:7 channel:stderr\noops\n"
        );
        assert_eq!(e.kind.name(), "PROCESS_LOG_STDERR");
        let e = Event::process_communication("web", "g", 7, Channel::Stdout, b"hi");
        assert_eq!(e.payload, "processname:web groupname:g pid:7\nhi");
        assert_eq!(e.kind.name(), "PROCESS_COMMUNICATION_STDOUT");
        let e = Event::process_log("web", "g", 7, Channel::Stdout, b"\xff'");
        assert_eq!(
            e.payload,
            "processname:web groupname:g pid:7 channel:stdout\nUndecodable: b\"\\xff'\""
        );
        assert_eq!(Event::remote_communication("t", "d").payload, "type:t\nd");
        assert_eq!(Event::process_group("g", true).payload, "groupname:g\n");
        assert_eq!(
            Event::process_group("g", false).kind.name(),
            "PROCESS_GROUP_REMOVED"
        );
        assert_eq!(Event::supervisor_state(false).payload, "");
        assert_eq!(Event::tick(60, 120).payload, "when:120");
        assert_eq!(Event::tick(3600, 0).kind.name(), "TICK_3600");
    }

    #[test]
    fn envelope_counts_characters() {
        let e = Event::remote_communication("x", "é");
        assert_eq!(
            envelope("supervisor", 3, "listener", 1, &e),
            "ver:3.0 server:supervisor serial:3 pool:listener poolserial:1 \
             eventname:REMOTE_COMMUNICATION len:8\ntype:x\né"
        );
    }

    #[test]
    fn subscription_to_a_parent_receives_subtypes() {
        let running = EventKind::ProcessState(ProcessState::Running);
        assert!(running.is_a("EVENT"));
        assert!(running.is_a("PROCESS_STATE"));
        assert!(running.is_a("PROCESS_STATE_RUNNING"));
        assert!(!running.is_a("PROCESS_STATE_EXITED"));
        assert!(!running.is_a("PROCESS_LOG"));
        assert!(EventKind::Tick(5).is_a("TICK"));
        assert!(!EventKind::Tick(5).is_a("TICK_60"));
        assert!(EventKind::SupervisorStopping.is_a("SUPERVISOR_STATE_CHANGE"));
        assert!(EventKind::ProcessGroupAdded.is_a("PROCESS_GROUP"));
        assert!(EventKind::RemoteCommunication.is_a("REMOTE_COMMUNICATION"));
        // Every concrete name is a subscribable config name.
        for kind in [
            running,
            EventKind::ProcessLog(Channel::Stdout),
            EventKind::ProcessCommunication(Channel::Stderr),
            EventKind::Tick(3600),
        ] {
            assert!(crate::config::EVENT_TYPES.contains(&kind.name()));
        }
    }

    #[test]
    fn timeslices_floor_to_the_period() {
        assert_eq!(timeslice(5, 1_700_000_003), 1_700_000_000);
        assert_eq!(timeslice(60, 119), 60);
        assert_eq!(timeslice(3600, 3600), 3600);
    }
}
