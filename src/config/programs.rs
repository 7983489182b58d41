//! Process groups: `[group:x]`, `[program:x]`, `[eventlistener:x]` and `[fcgi-program:x]`,
//! read in that order (Supervisor's), each program section expanded into its `numprocs`
//! processes. Groups end sorted by (priority, name), processes within a group likewise.
//!
//! The expansion names follow options.py closely, quirks included, because users' configs
//! depend on them: a group's `priority` sees only `here` and `ENV_*`; a program's options
//! also see `program_name`, `group_name` and `host_node_name`; the options read per process
//! (`command`, `directory`, logs, `environment`) also see `process_num`, `numprocs` and the
//! program's own `environment=` as `ENV_*`.

use super::expand::{expand, Expansions};
use super::load::{clamp_u32, clamp_u64, host_node_name};
use super::parse::Ini;
use super::section::{value_problem, Problem, SectionReader};
use super::types::{
    auto_restart, boolean, byte_size, colon_separated_user_group, dict_of_key_value_pairs,
    gid_for_uid, integer, list_of_exitcodes, list_of_strings, logfile_name, name_to_uid,
    octal_type, process_or_group_name, signal_number, ValueResult,
};
use super::{
    ConfigError, EventListenerConfig, FcgiSocketConfig, GroupConfig, GroupKind, LogStreamConfig,
    LogTarget, ProcessConfig,
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
];

const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";

/// Everything group sections share: the parsed files, the `ENV_*` names (with
/// `[supervisord] environment=`), `%(here)s`, and where warnings go.
struct Context<'a> {
    ini: &'a Ini,
    env: &'a Expansions,
    here: &'a str,
    warnings: &'a mut Vec<String>,
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
    warnings: &mut Vec<String>,
) -> Result<Vec<GroupConfig>, ConfigError> {
    let mut cx = Context {
        ini,
        env,
        here,
        warnings,
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
    Ok(groups)
}

/// The name after the colon, validated (`Invalid name: 'a b' because of character: ' '`).
fn name_after_colon(section: &str) -> ValueResult<String> {
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
        processes,
    }
}

/// `[program:x]`: a group named x of its own.
fn program_group(cx: &mut Context, section: &str) -> Result<GroupConfig, ConfigError> {
    let s = cx.group_reader(section);
    let (name, priority) = (|| -> Result<_, Problem> {
        let name = name_after_colon(section).map_err(Problem::Plain)?;
        Ok((name, s.parse("priority", "999", priority_value)?))
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
        cx.warnings.push(format!(
            "For [{section}], stdout_capture_maxbytes is ignored: an event listener's stdout \
             carries the listener protocol"
        ));
    }
    let processes = processes_from_section(cx, section, &name)?;
    Ok(group(
        name,
        priority,
        GroupKind::EventListener(pool),
        processes,
    ))
}

fn listener_options(s: &SectionReader) -> Result<(i32, EventListenerConfig), Problem> {
    let section = &s.name;
    let priority = s.parse("priority", "-1", priority_value)?;
    let buffer_size = s.parse("buffer_size", "10", integer)?;
    if buffer_size < 1 {
        return Err(Problem::NamesSection(format!(
            "[{section}] section sets invalid buffer_size ({buffer_size})"
        )));
    }
    let result_handler = s.get_or("result_handler", DEFAULT_RESULT_HANDLER)?;
    if result_handler != DEFAULT_RESULT_HANDLER {
        return Err(Problem::NamesSection(format!(
            "{result_handler} cannot be resolved within [{section}]"
        )));
    }
    let mut events: Vec<String> = Vec::new();
    for event in list_of_strings(&s.get_or("events", "")?) {
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
    if s.parse("redirect_stderr", "false", boolean)? {
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
        let priority = s.parse("priority", "999", priority_value)?;
        Ok((name.clone(), priority, fcgi_socket(&s, &name)?))
    })()
    .map_err(|p| s.error(p))?;
    let processes = processes_from_section(cx, section, &name)?;
    Ok(group(name, priority, GroupKind::FastCgi(socket), processes))
}

fn fcgi_socket(s: &SectionReader, program_name: &str) -> Result<FcgiSocketConfig, Problem> {
    let section = &s.name;
    let proc_uid = s.parse_opt("user", name_to_uid)?;
    let backlog = match s.get("socket_backlog")? {
        None => None,
        Some(text) => {
            let n = integer(&text).map_err(|m| value_problem("socket_backlog", m))?;
            if !(1..=65535).contains(&n) {
                return Err(Problem::Plain(format!("Invalid socket_backlog value {n}")));
            }
            Some(n as u32)
        }
    };
    let owner = match s.get("socket_owner")? {
        None => None,
        Some(text) => Some(
            colon_separated_user_group(&text)
                .map_err(|_| Problem::Plain(format!("Invalid socket_owner value {text}")))?,
        ),
    };
    let mode = match s.get("socket_mode")? {
        None => None,
        Some(text) => Some(
            octal_type(&text)
                .map_err(|_| Problem::Plain(format!("Invalid socket_mode value {text}")))?,
        ),
    };
    let mut with_name = SectionReader::new(s.ini, section, s.expansions.clone());
    with_name.expansions.set_str("program_name", program_name);
    let socket = with_name.get("socket")?.unwrap_or_default();
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

fn priority_value(s: &str) -> ValueResult<i32> {
    let n = integer(s)?;
    i32::try_from(n).map_err(|_| format!("{n} is out of range for a priority"))
}

/// The options every process of one program section shares, read before its processes.
struct Shared {
    priority: i32,
    autostart: bool,
    autorestart: super::AutoRestart,
    startsecs: u64,
    startretries: u32,
    stopsignal: i32,
    stopwaitsecs: u64,
    stopasgroup: bool,
    killasgroup: bool,
    exitcodes: Vec<i32>,
    redirect_stderr: bool,
    numprocs: i64,
    numprocs_start: u32,
    environment: String,
    stdout_capture_maxbytes: u64,
    stdout_events_enabled: bool,
    stderr_capture_maxbytes: u64,
    stderr_events_enabled: bool,
    serverurl: Option<String>,
    user: Option<String>,
    uid: Option<u32>,
    umask: Option<u32>,
    process_name: String,
}

/// Supervisor's `processes_from_section`: one ProcessConfig per process number. Every error
/// is wrapped with this section and its file.
fn processes_from_section(
    cx: &mut Context,
    section: &str,
    group_name: &str,
) -> Result<Vec<ProcessConfig>, ConfigError> {
    let mut expansions = cx.env.clone();
    expansions.set_str("here", cx.here);
    let s = SectionReader::new(cx.ini, section, expansions);
    read_processes(cx, s, group_name)
}

fn read_processes(
    cx: &mut Context,
    mut s: SectionReader,
    group_name: &str,
) -> Result<Vec<ProcessConfig>, ConfigError> {
    let program_name = name_after_colon(&s.name).map_err(|m| s.error(Problem::Plain(m)))?;
    s.expansions.set_str("program_name", &program_name);
    s.expansions.set_str("host_node_name", &host_node_name());
    s.expansions.set_str("group_name", group_name);
    let shared = shared_options(&s).map_err(|p| s.error(p))?;
    let mut processes = Vec::new();
    let first = i64::from(shared.numprocs_start);
    for process_num in first..first + shared.numprocs.max(0) {
        let process =
            one_process(cx, &mut s, &shared, &program_name, process_num).map_err(|p| s.error(p))?;
        processes.push(process);
    }
    Ok(processes)
}

fn shared_options(s: &SectionReader) -> Result<Shared, Problem> {
    let priority = s.parse("priority", "999", priority_value)?;
    let autostart = s.parse("autostart", "true", boolean)?;
    let autorestart = s.parse("autorestart", "unexpected", auto_restart)?;
    let startsecs = clamp_u64(s.parse("startsecs", "1", integer)?);
    let startretries = clamp_u32(s.parse("startretries", "3", integer)?);
    let stopsignal = s.parse("stopsignal", "TERM", signal_number)?;
    let stopwaitsecs = clamp_u64(s.parse("stopwaitsecs", "10", integer)?);
    let stopasgroup = s.parse("stopasgroup", "false", boolean)?;
    let killasgroup = s.parse(
        "killasgroup",
        if stopasgroup { "true" } else { "false" },
        boolean,
    )?;
    let exitcodes = s.parse("exitcodes", "0", list_of_exitcodes)?;
    let redirect_stderr = s.parse("redirect_stderr", "false", boolean)?;
    let numprocs = s.parse("numprocs", "1", integer)?;
    let numprocs_start = s.parse("numprocs_start", "0", integer)?;
    let numprocs_start = u32::try_from(numprocs_start).map_err(|_| {
        value_problem(
            "numprocs_start",
            format!("{numprocs_start} is below lower bound (0)"),
        )
    })?;
    let environment = s.raw("environment").unwrap_or("").to_string();
    let stdout_capture_maxbytes = s.parse("stdout_capture_maxbytes", "0", byte_size)?;
    let stdout_events_enabled = s.parse("stdout_events_enabled", "false", boolean)?;
    let stderr_capture_maxbytes = s.parse("stderr_capture_maxbytes", "0", byte_size)?;
    let stderr_events_enabled = s.parse("stderr_events_enabled", "false", boolean)?;
    let serverurl = s
        .get("serverurl")?
        .filter(|u| !u.is_empty() && !super::py::strip(u).eq_ignore_ascii_case("auto"));
    let user = s.get("user")?;
    let uid = match &user {
        Some(user) => Some(name_to_uid(user).map_err(|m| value_problem("user", m))?),
        None => None,
    };
    let umask = s.parse_opt("umask", octal_type)?;
    let raw_name = s.raw("process_name").unwrap_or("%(program_name)s");
    let process_name =
        process_or_group_name(raw_name).map_err(|m| value_problem("process_name", m))?;
    if numprocs > 1 && !process_name.contains("%(process_num)") {
        return Err(Problem::Plain(
            "%(process_num) must be present within process_name when numprocs > 1".into(),
        ));
    }
    if stopasgroup && !killasgroup {
        return Err(Problem::Plain(
            "Cannot set stopasgroup=true and killasgroup=false".into(),
        ));
    }
    Ok(Shared {
        priority,
        autostart,
        autorestart,
        startsecs,
        startretries,
        stopsignal,
        stopwaitsecs,
        stopasgroup,
        killasgroup,
        exitcodes,
        redirect_stderr,
        numprocs,
        numprocs_start,
        environment,
        stdout_capture_maxbytes,
        stdout_events_enabled,
        stderr_capture_maxbytes,
        stderr_events_enabled,
        serverurl,
        user,
        uid,
        umask,
        process_name,
    })
}

/// One process of a program section. The section's expansions grow as Supervisor's do:
/// `process_num`, `numprocs`, then the program's own `environment=` as `ENV_*`.
fn one_process(
    cx: &mut Context,
    s: &mut SectionReader,
    shared: &Shared,
    program_name: &str,
    process_num: i64,
) -> Result<ProcessConfig, Problem> {
    s.expansions.set_int("process_num", process_num);
    s.expansions.set_int("numprocs", shared.numprocs);
    s.expansions.extend(cx.env);
    let environment = expand(&shared.environment, &s.expansions, "environment")
        .map_err(Problem::Plain)
        .and_then(|e| dict_of_key_value_pairs(&e).map_err(|m| value_problem("environment", m)))?;
    for (key, value) in &environment {
        s.expansions.set_env(key, value);
    }
    let directory = s.get("directory")?.map(Into::into);
    let stdout = log_stream(
        cx,
        s,
        "stdout",
        shared.stdout_capture_maxbytes,
        shared.stdout_events_enabled,
    )?;
    let mut stderr = log_stream(
        cx,
        s,
        "stderr",
        shared.stderr_capture_maxbytes,
        shared.stderr_events_enabled,
    )?;
    if shared.redirect_stderr {
        if !matches!(stderr.logfile, LogTarget::Auto | LogTarget::None) {
            cx.warnings.push(format!(
                "For [{}], redirect_stderr=true but stderr_logfile has also been set to a \
                 filename, the filename has been ignored",
                s.name
            ));
        }
        // A redirected stderr never gets a log file of its own.
        stderr.logfile = LogTarget::None;
    }
    let Some(command) = s.get("command")? else {
        return Err(Problem::Plain(format!(
            "program section {} does not specify a command",
            s.name
        )));
    };
    let name =
        expand(&shared.process_name, &s.expansions, "process_name").map_err(Problem::Plain)?;
    Ok(ProcessConfig {
        name,
        program_name: program_name.to_string(),
        command,
        priority: shared.priority,
        autostart: shared.autostart,
        startsecs: shared.startsecs,
        startretries: shared.startretries,
        autorestart: shared.autorestart,
        exitcodes: shared.exitcodes.clone(),
        stopsignal: shared.stopsignal,
        stopwaitsecs: shared.stopwaitsecs,
        stopasgroup: shared.stopasgroup,
        killasgroup: shared.killasgroup,
        user: shared.user.clone(),
        uid: shared.uid,
        redirect_stderr: shared.redirect_stderr,
        stdout,
        stderr,
        environment,
        directory,
        umask: shared.umask,
        serverurl: shared.serverurl.clone(),
        process_num: process_num as u32,
    })
}

/// `stdout_logfile` & co. The logfile is expanded twice, as Supervisor does (once as every
/// option, once more by itself).
fn log_stream(
    cx: &mut Context,
    s: &SectionReader,
    channel: &str,
    capture_maxbytes: u64,
    events_enabled: bool,
) -> Result<LogStreamConfig, Problem> {
    let key = format!("{channel}_logfile");
    let logfile = match s.get(&key)? {
        None => LogTarget::Auto,
        Some(once) => {
            let twice = expand(&once, &s.expansions, &key).map_err(Problem::Plain)?;
            logfile_name(&twice).map_err(|m| value_problem(&key, m))?
        }
    };
    let backups = s.parse(&format!("{channel}_logfile_backups"), "10", integer)?;
    let maxbytes = s.parse(&format!("{channel}_logfile_maxbytes"), "50MB", byte_size)?;
    let mut syslog = s.parse(&format!("{channel}_syslog"), "false", boolean)?;
    let mut logfile = logfile;
    if logfile == LogTarget::Syslog {
        cx.warnings.push(format!(
            "For [{}], {key}=syslog but this is deprecated and will be removed.  Use \
             {channel}_syslog=true to enable syslog instead.",
            s.name
        ));
        logfile = LogTarget::None;
        syslog = true;
    }
    if logfile == LogTarget::Auto && maxbytes == 0 {
        cx.warnings.push(format!(
            "For [{}], AUTO logging used for {key} without rollover, set maxbytes > 0 to avoid \
             filling up filesystem unintentionally",
            s.name
        ));
    }
    Ok(LogStreamConfig {
        logfile,
        logfile_maxbytes: maxbytes,
        logfile_backups: clamp_u32(backups),
        capture_maxbytes,
        events_enabled,
        syslog,
    })
}
