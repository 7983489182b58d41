//! One program section into its processes: Supervisor's `processes_from_section`. Options
//! shared by all processes are read first; then, per process number, the expansions grow
//! (`process_num`, `numprocs`, the program's `environment=` as `ENV_*`) and the per-process
//! options (`environment`, `directory`, logs, `command`, `process_name`) are read with them.
//! Every default comes from the option table (`program_options.rs`).

use super::environment_file::environment_files;
use super::expand::expand;
use super::load::{clamp_u32, clamp_u64, host_node_name};
use super::log_rotation::rotate_by;
use super::programs::{name_after_colon, priority_value, Context};
use super::section::{value_problem, Problem, SectionReader};
use super::types::{
    auto_restart, backoff, boolean, byte_size, dict_of_key_value_pairs, integer, list_of_exitcodes,
    list_of_strings, log_prefix, logfile_name, name_to_uid, octal_type, process_or_group_name,
    signal_number,
};
use super::{ConfigError, ConfigNote, LogStreamConfig, LogTarget, ProcessConfig};

/// The most processes one section may ask for: Linux's PID_MAX_LIMIT, so no system could run
/// more. Python has no bound and spends its memory building them; we would abort trying to
/// reserve room for them.
const MAX_NUMPROCS: i64 = 1 << 22;

/// The options every process of one program section shares, read before its processes.
struct Shared {
    priority: i32,
    autostart: bool,
    autorestart: super::AutoRestart,
    startsecs: u64,
    startretries: Option<u32>,
    backoff: super::Backoff,
    maxbackoff: Option<u64>,
    restartpause: u64,
    essential: bool,
    ready_notify: bool,
    healthcheck: Option<super::HealthCheck>,
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
    rlimits: Vec<super::Rlimit>,
    process_name: String,
    depends_on: Vec<String>,
}

/// Supervisor's `processes_from_section`: one ProcessConfig per process number. Every error
/// is wrapped with this section and its file.
pub(super) fn processes_from_section(
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
    let shared = shared_options(&s, cx.essential).map_err(|p| s.error(p))?;
    // Sized exactly: a first push would reserve room for four, and these are kept all run.
    let mut processes = Vec::with_capacity(usize::try_from(shared.numprocs).unwrap_or(0));
    let first = i64::from(shared.numprocs_start);
    for process_num in first..first + shared.numprocs.max(0) {
        let process =
            one_process(cx, &mut s, &shared, &program_name, process_num).map_err(|p| s.error(p))?;
        processes.push(process);
    }
    Ok(processes)
}

/// `essential`: the default of a program's `essential` (`[supervisord] essential`).
fn shared_options(s: &SectionReader, essential: bool) -> Result<Shared, Problem> {
    let priority = s.option("priority", priority_value)?;
    let autostart = s.option("autostart", boolean)?;
    let autorestart = s.option("autorestart", auto_restart)?;
    let startsecs = clamp_u64(s.option("startsecs", integer)?);
    // Any negative count retries forever (Python Supervisor goes FATAL at once there).
    let startretries = u32::try_from(s.option("startretries", integer)?.min(u32::MAX.into())).ok();
    let backoff = s.option("backoff", backoff)?;
    let maxbackoff = s.option_if_set("maxbackoff", integer)?.map(clamp_u64);
    let restartpause = clamp_u64(s.option("restartpause", integer)?);
    let essential = s.option_if_set("essential", boolean)?.unwrap_or(essential);
    let ready_notify = super::health::ready_notify(s)?;
    let healthcheck = super::health::health_check(s)?;
    let stopsignal = s.option("stopsignal", signal_number)?;
    let stopwaitsecs = clamp_u64(s.option("stopwaitsecs", integer)?);
    let stopasgroup = s.option("stopasgroup", boolean)?;
    let killasgroup = s.option("killasgroup", boolean)?;
    let exitcodes = s.option("exitcodes", list_of_exitcodes)?;
    let redirect_stderr = s.option("redirect_stderr", boolean)?;
    let numprocs = s.option("numprocs", integer)?;
    if numprocs > MAX_NUMPROCS {
        return Err(value_problem(
            "numprocs",
            format!("{numprocs} is above upper bound ({MAX_NUMPROCS})"),
        ));
    }
    let numprocs_start = s.option("numprocs_start", integer)?;
    let numprocs_start = u32::try_from(numprocs_start).map_err(|_| {
        value_problem(
            "numprocs_start",
            format!("{numprocs_start} is below lower bound (0)"),
        )
    })?;
    let environment = s.raw_option("environment").unwrap_or("").to_string();
    let stdout_capture_maxbytes = s.option("stdout_capture_maxbytes", byte_size)?;
    let stdout_events_enabled = s.option("stdout_events_enabled", boolean)?;
    let stderr_capture_maxbytes = s.option("stderr_capture_maxbytes", byte_size)?;
    let stderr_events_enabled = s.option("stderr_events_enabled", boolean)?;
    let serverurl = s.option("serverurl", |url| {
        let auto = url.is_empty() || super::py::strip(url).eq_ignore_ascii_case("auto");
        Ok((!auto).then(|| url.to_string()))
    })?;
    let user = s.option_text("user")?;
    let uid = match &user {
        Some(user) => Some(name_to_uid(user).map_err(|m| value_problem("user", m))?),
        None => None,
    };
    let umask = s.option_if_set("umask", octal_type)?;
    let rlimits = super::rlimits::rlimits(s)?;
    let raw_name = s.raw_option("process_name").unwrap_or_default();
    let process_name =
        process_or_group_name(raw_name).map_err(|m| value_problem("process_name", m))?;
    if numprocs > 1 && !process_name.contains("%(process_num)") {
        return Err(Problem::Plain(
            "%(process_num) must be present within process_name when numprocs > 1".into(),
        ));
    }
    // An event listener's start is its pool's business: it has no dependencies.
    let depends_on = if s.name.starts_with("eventlistener:") {
        Vec::new()
    } else {
        s.option_if_set("depends_on", |text| Ok(list_of_strings(text)))?
            .unwrap_or_default()
            .into_iter()
            .filter(|entry| !entry.is_empty())
            .collect()
    };
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
        backoff,
        maxbackoff,
        restartpause,
        essential,
        ready_notify,
        healthcheck,
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
        rlimits,
        process_name,
        depends_on,
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
    let directory = s.option_text("directory")?.map(Into::into);
    let environment_files = s
        .option_if_set("environment_file", environment_files)?
        .unwrap_or_default();
    // An event listener's stdout is its protocol channel: no prefix is read for it.
    let listener = s.name.starts_with("eventlistener:");
    let stdout = log_stream(
        cx,
        s,
        &STDOUT,
        shared.stdout_capture_maxbytes,
        shared.stdout_events_enabled,
        !listener,
    )?;
    let mut stderr = log_stream(
        cx,
        s,
        &STDERR,
        shared.stderr_capture_maxbytes,
        shared.stderr_events_enabled,
        true,
    )?;
    if shared.redirect_stderr {
        if !matches!(stderr.logfile, LogTarget::Auto | LogTarget::None) {
            cx.notes.push(ConfigNote::RedirectStderrLogfileIgnored {
                section: s.name.to_string(),
            });
        }
        // A redirected stderr never gets a log file of its own.
        stderr.logfile = LogTarget::None;
    }
    let Some(command) = s.option_text("command")? else {
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
        backoff: shared.backoff,
        maxbackoff: shared.maxbackoff,
        restartpause: shared.restartpause,
        essential: shared.essential,
        ready_notify: shared.ready_notify,
        healthcheck: shared.healthcheck.clone().map(Box::new),
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
        environment_files,
        rlimits: shared.rlimits.clone(),
        directory,
        umask: shared.umask,
        serverurl: shared.serverurl.clone(),
        depends_on: shared.depends_on.clone(),
        process_num: process_num as u32,
    })
}

/// The per-process options of one output stream, each name spelled out in full so that a
/// grep finds it.
struct StreamOptions {
    logfile: &'static str,
    logfile_backups: &'static str,
    logfile_maxbytes: &'static str,
    logfile_rotate: &'static str,
    logfile_compress: &'static str,
    syslog: &'static str,
    log_prefix: &'static str,
}

const STDOUT: StreamOptions = StreamOptions {
    logfile: "stdout_logfile",
    logfile_backups: "stdout_logfile_backups",
    logfile_maxbytes: "stdout_logfile_maxbytes",
    logfile_rotate: "stdout_logfile_rotate",
    logfile_compress: "stdout_logfile_compress",
    syslog: "stdout_syslog",
    log_prefix: "stdout_log_prefix",
};

const STDERR: StreamOptions = StreamOptions {
    logfile: "stderr_logfile",
    logfile_backups: "stderr_logfile_backups",
    logfile_maxbytes: "stderr_logfile_maxbytes",
    logfile_rotate: "stderr_logfile_rotate",
    logfile_compress: "stderr_logfile_compress",
    syslog: "stderr_syslog",
    log_prefix: "stderr_log_prefix",
};

/// `stdout_logfile` & co. The logfile is expanded twice, as Supervisor does (once as every
/// option, once more by itself).
fn log_stream(
    cx: &mut Context,
    s: &SectionReader,
    options: &StreamOptions,
    capture_maxbytes: u64,
    events_enabled: bool,
    reads_prefix: bool,
) -> Result<LogStreamConfig, Problem> {
    let key = options.logfile;
    let once = s.option(key, |text| Ok(text.to_string()))?;
    let twice = expand(&once, &s.expansions, key).map_err(Problem::Plain)?;
    let mut logfile = logfile_name(&twice).map_err(|m| value_problem(key, m))?;
    let backups = s.option(options.logfile_backups, integer)?;
    let maxbytes = s.option(options.logfile_maxbytes, byte_size)?;
    let rotate = s.option(options.logfile_rotate, rotate_by)?;
    let compress = s.option(options.logfile_compress, boolean)?;
    let mut syslog = s.option(options.syslog, boolean)?;
    let prefix = if reads_prefix {
        s.option_if_set(options.log_prefix, log_prefix)?
    } else {
        None
    };
    if logfile == LogTarget::Syslog {
        cx.notes.push(ConfigNote::SyslogLogfileDeprecated {
            section: s.name.to_string(),
            logfile_key: key,
            syslog_key: options.syslog,
        });
        logfile = LogTarget::None;
        syslog = true;
    }
    if logfile == LogTarget::Auto && maxbytes == 0 {
        cx.notes.push(ConfigNote::AutoLogWithoutRollover {
            section: s.name.to_string(),
            logfile_key: key,
        });
    }
    Ok(LogStreamConfig {
        logfile,
        logfile_maxbytes: maxbytes,
        logfile_backups: clamp_u32(backups),
        logfile_rotate: rotate,
        logfile_compress: compress,
        capture_maxbytes,
        events_enabled,
        syslog,
        prefix: prefix.unwrap_or_default(),
    })
}
