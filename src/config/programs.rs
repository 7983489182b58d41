//! Process groups: `[group:x]`, `[program:x]`, `[eventlistener:x]` and `[fcgi-program:x]`,
//! read in that order (Supervisor's), each program section expanded into its `numprocs`
//! processes. Groups end sorted by (priority, name), processes within a group likewise.
//!
//! The expansion names follow options.py closely, quirks included, because users' configs
//! depend on them: a group's `priority` sees only `here` and `ENV_*`; a program's options
//! also see `program_name`, `group_name` and `host_node_name`; the options read per process
//! (`command`, `directory`, logs, `environment`) also see `process_num`, `numprocs` and the
//! program's own `environment=` as `ENV_*`.

use std::sync::Arc;

use super::depends_on;
use super::expand::Expansions;
use super::parse::Ini;
use super::process_section::processes_from_section;
use super::program_options::{lookup, SectionKind};
use super::section::{value_problem, Problem, SectionReader};
use super::types::{
    boolean, colon_separated_user_group, gid_for_uid, integer, list_of_strings, name_to_uid,
    octal_type, process_or_group_name, ValueResult,
};
use super::{
    ConfigError, ConfigNote, EventListenerConfig, FcgiSocketConfig, GroupConfig, GroupKind,
    ProcessConfig,
};

/// Event type names a listener may subscribe to (Supervisor's `EventTypes`).
pub const EVENT_TYPES: &[&str] = &[
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
    // Ours (health checks); Python Supervisor refuses a listener that names them.
    "PROCESS_HEALTH",
    "PROCESS_HEALTH_HEALTHY",
    "PROCESS_HEALTH_UNHEALTHY",
];

/// Everything group sections share: the parsed files, the `ENV_*` names (with
/// `[supervisord] environment=`), `%(here)s`, and where warnings go.
pub(super) struct Context<'a> {
    pub ini: &'a Ini,
    pub env: &'a Expansions,
    pub here: &'a str,
    /// `[supervisord] essential`: what a program's `essential` left out means.
    pub essential: bool,
    pub notes: &'a mut Vec<ConfigNote>,
}

impl<'a> Context<'a> {
    /// A reader for group-level options: `here` and `ENV_*` only.
    fn group_reader(&self, section: &str) -> SectionReader<'a> {
        let mut expansions = self.env.clone();
        expansions.set_str("here", self.here);
        SectionReader::new(self.ini, section, expansions)
    }

    fn section_names(&self, prefix: &str) -> Vec<String> {
        self.ini
            .sections
            .iter()
            .filter(|s| s.name.starts_with(prefix))
            .map(|s| s.name.clone())
            .collect()
    }
}

/// Every process group, sorted by (priority, name).
pub(crate) fn groups(
    ini: &Ini,
    here: &str,
    env: &Expansions,
    essential: bool,
    notes: &mut Vec<ConfigNote>,
) -> Result<Vec<Arc<GroupConfig>>, ConfigError> {
    let mut cx = Context {
        ini,
        env,
        here,
        essential,
        notes,
    };
    let mut groups = Vec::new();
    let mut in_groups: Vec<String> = Vec::new();
    for section in cx.section_names("group:") {
        groups.push(heterogeneous_group(&mut cx, &section, &mut in_groups)?);
    }
    for section in cx.section_names("program:") {
        if !in_groups.contains(&section) {
            groups.push(program_group(&mut cx, &section)?);
        }
    }
    for section in cx.section_names("eventlistener:") {
        groups.push(listener_pool(&mut cx, &section)?);
    }
    for section in cx.section_names("fcgi-program:") {
        if !in_groups.contains(&section) {
            groups.push(fcgi_group(&mut cx, &section)?);
        }
    }
    groups.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    depends_on::check(&groups, ini)?;
    Ok(shared(groups))
}

/// Configs kept for the whole run, shared with the actors and snapshots that use them. Built
/// with the exact capacity: `collect()` would reuse the source buffer, many times too big.
fn shared<T>(items: Vec<T>) -> Vec<Arc<T>> {
    let mut shared = Vec::with_capacity(items.len());
    shared.extend(items.into_iter().map(Arc::new));
    shared
}

/// The name after the colon, validated (`Invalid name: 'a b' because of character: ' '`).
pub(super) fn name_after_colon(section: &str) -> ValueResult<String> {
    process_or_group_name(section.split_once(':').map_or("", |(_, n)| n))
}

/// `[group:x] programs=a,b`: the named program (or fcgi-program) sections become this
/// group's processes instead of groups of their own.
fn heterogeneous_group(
    cx: &mut Context,
    section: &str,
    in_groups: &mut Vec<String>,
) -> Result<GroupConfig, ConfigError> {
    let s = cx.group_reader(section);
    let (name, programs, priority) = (|| -> Result<_, Problem> {
        let name = name_after_colon(section).map_err(Problem::Plain)?;
        let programs = list_of_strings(&s.get("programs")?.unwrap_or_default());
        let priority = s.parse("priority", "999", priority_value)?;
        Ok((name, programs, priority))
    })()
    .map_err(|p| s.error(p))?;
    let mut processes = Vec::new();
    for program in programs {
        // Supervisor names the last program section here instead of the group (its loop
        // reuses the variable); naming the group is what the user needs.
        let member = member_section(cx.ini, section, &program).map_err(|p| s.error(p))?;
        in_groups.push(member.clone());
        processes.extend(processes_from_section(cx, &member, &name)?);
    }
    Ok(group(name, priority, GroupKind::Program, processes))
}

fn member_section(ini: &Ini, group: &str, program: &str) -> Result<String, Problem> {
    let plain = format!("program:{program}");
    let fcgi = format!("fcgi-program:{program}");
    match (ini.has_section(&plain), ini.has_section(&fcgi)) {
        (true, true) => Err(Problem::NamesSection(format!(
            "[{group}] name {program} is ambiguous (exists as program and fcgi-program)"
        ))),
        (true, false) => Ok(plain),
        (false, true) => Ok(fcgi),
        (false, false) => Err(Problem::NamesSection(format!(
            "[{group}] names unknown program or fcgi-program {program}"
        ))),
    }
}

fn group(
    name: String,
    priority: i32,
    kind: GroupKind,
    mut processes: Vec<ProcessConfig>,
) -> GroupConfig {
    processes.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    GroupConfig {
        name,
        priority,
        kind,
        processes: shared(processes),
    }
}

/// `[program:x]`: a group named x of its own.
fn program_group(cx: &mut Context, section: &str) -> Result<GroupConfig, ConfigError> {
    let s = cx.group_reader(section);
    let (name, priority) = (|| -> Result<_, Problem> {
        let name = name_after_colon(section).map_err(Problem::Plain)?;
        Ok((name, s.option("priority", priority_value)?))
    })()
    .map_err(|p| s.error(p))?;
    let processes = processes_from_section(cx, section, &name)?;
    Ok(group(name, priority, GroupKind::Program, processes))
}

/// `[eventlistener:x]`: a pool; priority -1 by default so listeners start first and stop last.
fn listener_pool(cx: &mut Context, section: &str) -> Result<GroupConfig, ConfigError> {
    let s = cx.group_reader(section);
    let name = section.split_once(':').map_or("", |(_, n)| n).to_string();
    let (priority, pool) = listener_options(&s).map_err(|p| s.error(p))?;
    if s.raw("stdout_capture_maxbytes").is_some() {
        cx.notes.push(ConfigNote::ListenerCaptureIgnored {
            section: section.to_string(),
        });
    }
    let processes = processes_from_section(cx, section, &name)?;
    Ok(group(
        name,
        priority,
        GroupKind::EventListener(Box::new(pool)),
        processes,
    ))
}

fn listener_options(s: &SectionReader) -> Result<(i32, EventListenerConfig), Problem> {
    let section = &s.name;
    let priority = s.pool_option("priority", priority_value)?;
    let buffer_size = s.option("buffer_size", integer)?;
    if buffer_size < 1 {
        return Err(Problem::NamesSection(format!(
            "[{section}] section sets invalid buffer_size ({buffer_size})"
        )));
    }
    let result_handler = s.option("result_handler", |name| Ok(name.to_string()))?;
    // Supervisor's default handler is the one there is (listener_pool/protocol.rs).
    if lookup("result_handler").default_in(SectionKind::EventListener)
        != Some(result_handler.as_str())
    {
        return Err(Problem::NamesSection(format!(
            "{result_handler} cannot be resolved within [{section}]"
        )));
    }
    let mut events: Vec<String> = Vec::new();
    for event in list_of_strings(&s.option_text("events")?.unwrap_or_default()) {
        let event = event.to_uppercase();
        if !events.contains(&event) {
            events.push(event);
        }
    }
    if events.is_empty() {
        return Err(Problem::NamesSection(format!(
            "[{section}] section requires an \"events\" line"
        )));
    }
    if let Some(unknown) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(Problem::NamesSection(format!(
            "Unknown event type {unknown} in [{section}] events"
        )));
    }
    if s.option("redirect_stderr", boolean)? {
        return Err(Problem::NamesSection(format!(
            "[{section}] section sets redirect_stderr=true but this is not allowed because it \
             will interfere with the eventlistener protocol"
        )));
    }
    let buffer_size = usize::try_from(buffer_size).unwrap_or(usize::MAX);
    Ok((
        priority,
        EventListenerConfig {
            buffer_size,
            events,
            result_handler,
        },
    ))
}

/// `[fcgi-program:x]`: a group whose processes share one socket that supervisord opens.
fn fcgi_group(cx: &mut Context, section: &str) -> Result<GroupConfig, ConfigError> {
    let s = cx.group_reader(section);
    let (name, priority, socket) = (|| -> Result<_, Problem> {
        let name = name_after_colon(section).map_err(Problem::Plain)?;
        let priority = s.option("priority", priority_value)?;
        Ok((name.clone(), priority, fcgi_socket(&s, &name)?))
    })()
    .map_err(|p| s.error(p))?;
    let processes = processes_from_section(cx, section, &name)?;
    Ok(group(
        name,
        priority,
        GroupKind::FastCgi(Box::new(socket)),
        processes,
    ))
}

fn fcgi_socket(s: &SectionReader, program_name: &str) -> Result<FcgiSocketConfig, Problem> {
    let section = &s.name;
    let proc_uid = s.option_if_set("user", name_to_uid)?;
    let backlog = match s.option_text("socket_backlog")? {
        None => None,
        Some(text) => {
            let n = integer(&text).map_err(|m| value_problem("socket_backlog", m))?;
            if !(1..=65535).contains(&n) {
                return Err(Problem::Plain(format!("Invalid socket_backlog value {n}")));
            }
            Some(n as u32)
        }
    };
    let owner = match s.option_text("socket_owner")? {
        None => None,
        Some(text) => Some(
            colon_separated_user_group(&text)
                .map_err(|_| Problem::Plain(format!("Invalid socket_owner value {text}")))?,
        ),
    };
    let mode = match s.option_text("socket_mode")? {
        None => None,
        Some(text) => Some(
            octal_type(&text)
                .map_err(|_| Problem::Plain(format!("Invalid socket_mode value {text}")))?,
        ),
    };
    let mut with_name = SectionReader::new(s.ini, section, s.expansions.clone());
    with_name.expansions.set_str("program_name", program_name);
    let socket = with_name.option_text("socket")?.unwrap_or_default();
    if socket.is_empty() {
        return Err(Problem::NamesSection(format!(
            "[{section}] section requires a \"socket\" line"
        )));
    }
    parse_fcgi_socket(&socket, proc_uid, owner, mode, backlog)
        .map_err(|m| Problem::NamesSection(format!("{m} in [{section}] socket")))
}

/// `unix:///abs/path` (owner defaults to the program's user when that is not us) or
/// `tcp://host:port`. The stored form is Supervisor's socket URL (path normalized, host
/// lower-cased), which is also what two configs are compared by.
fn parse_fcgi_socket(
    socket: &str,
    proc_uid: Option<u32>,
    owner: Option<(u32, Option<u32>)>,
    mode: Option<u32>,
    backlog: Option<u32>,
) -> ValueResult<FcgiSocketConfig> {
    if let Some(path) = socket.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(format!("Unix socket path {path} is not an absolute path"));
        }
        let path = super::load::normalize_path(path);
        let me = nix::unistd::getuid().as_raw();
        let owner = owner.or_else(|| {
            proc_uid
                .filter(|&uid| uid != me)
                .map(|uid| (uid, gid_for_uid(uid)))
        });
        return Ok(FcgiSocketConfig {
            socket: format!("unix://{}", path.display()),
            socket_backlog: backlog,
            socket_owner: owner,
            socket_mode: mode.unwrap_or(0o700),
        });
    }
    if owner.is_some() || mode.is_some() {
        return Err(
            "socket_owner and socket_mode params should only be used with a Unix domain socket"
                .to_string(),
        );
    }
    let tcp = socket.strip_prefix("tcp://").and_then(|rest| {
        let (host, port) = rest.rsplit_once(':')?;
        let valid_host =
            !host.is_empty() && !host.contains(|c: char| c == ':' || c.is_whitespace());
        let valid_port = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
        (valid_host && valid_port).then(|| (host.to_lowercase(), port.parse::<u32>().ok()))
    });
    match tcp {
        Some((host, Some(port))) if (1..=65535).contains(&port) => Ok(FcgiSocketConfig {
            socket: format!("tcp://{host}:{port}"),
            socket_backlog: backlog,
            socket_owner: None,
            socket_mode: 0o700,
        }),
        Some((_, port)) => Err(format!(
            "{} is above upper bound (65535)",
            port.map_or("port".to_string(), |p| p.to_string())
        )),
        None => Err(format!("Bad socket format {socket}")),
    }
}

pub(super) fn priority_value(s: &str) -> ValueResult<i32> {
    let n = integer(s)?;
    i32::try_from(n).map_err(|_| format!("{n} is out of range for a priority"))
}
