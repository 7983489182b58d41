//! Turns a config file into a [`Config`]: read the files (main and `[include]`d), then the
//! sections in Supervisor's order (`[supervisord]`, `[rpcinterface:x]`, process groups,
//! servers), so that when a file has several mistakes the one reported is the one Supervisor
//! reports. Finally apply the command line's [`Overrides`].

use std::path::{Component, Path, PathBuf};

use super::decode::decode;
use super::expand::{expand, Expansions};
use super::log_rotation::rotate_by;
use super::parse::{universal_newlines, Ini};
use super::section::{section_error, section_file, Problem, SectionReader};
use super::types::{
    self, boolean, byte_size, dict_of_key_value_pairs, existing_directory, existing_dirpath,
    integer, logging_level, name_to_uid, octal_type,
};
use super::{
    programs, servers, Config, ConfigError, ConfigNote, LogLevel, LogTarget, SupervisordConfig,
};

/// Command-line values that override `[supervisord]` options (supervisord's flags).
/// `None` = not given on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub nodaemon: Option<bool>,
    pub silent: Option<bool>,
    pub user: Option<String>,
    pub umask: Option<u32>,
    pub directory: Option<PathBuf>,
    pub logfile: Option<LogTarget>,
    pub logfile_maxbytes: Option<u64>,
    pub logfile_backups: Option<u32>,
    pub loglevel: Option<LogLevel>,
    pub pidfile: Option<PathBuf>,
    pub identifier: Option<String>,
    pub childlogdir: Option<PathBuf>,
    pub nocleanup: Option<bool>,
    pub minfds: Option<u64>,
    pub minprocs: Option<u64>,
    pub strip_ansi: Option<bool>,
}

/// Reads `path` (and its includes) into a validated [`Config`].
pub fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
    build(&read_files(path, Ini::default())?, path, overrides)
}

/// [`load`], and then every option the files set that the loader never asked for
/// (`supervisord check-config --strict`): typos that Supervisor, like the daemon, ignores.
pub fn load_strict(
    path: &Path,
    overrides: &Overrides,
) -> Result<(Config, Vec<super::strict::UnknownOption>), ConfigError> {
    let mut recording = Ini::default();
    recording.record_reads();
    let files = read_files(path, recording)?;
    let config = build(&files, path, overrides)?;
    Ok((config, super::strict::unknown_options(&files.ini)))
}

fn build(files: &Files, path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
    let ini = &files.ini;
    if !ini.has_section("supervisord") {
        return Err(ConfigError::new(format!(
            ".ini file does not include supervisord section (file: {})",
            super::py::repr(&path.to_string_lossy())
        )));
    }
    let mut env = Expansions::from_process_env();
    let ctl_env = env.clone();
    let mut supervisord = supervisord_section(ini, &files.here, &mut env)?;
    let rpcinterfaces = servers::rpcinterfaces(ini, &env)?;
    let mut notes = files.notes.clone();
    let groups = programs::groups(ini, &files.here, &env, supervisord.essential, &mut notes)?;
    let (unix_http_server, inet_http_servers) = servers::http_servers(ini, &files.here, &env)?;
    let supervisorctl = servers::supervisorctl(ini, &files.here, &ctl_env);
    apply_overrides(&mut supervisord, overrides)?;
    // Last, as in Python, which calls the factories when it opens its servers.
    if unix_http_server.is_some() || !inet_http_servers.is_empty() {
        servers::check_factory_arguments(ini, &rpcinterfaces)?;
    }
    Ok(Config {
        path: normalize_path(&path.to_string_lossy()),
        files_read: files.files_read.clone(),
        notes,
        supervisord,
        unix_http_server,
        inet_http_servers,
        supervisorctl,
        rpcinterfaces,
        groups,
    })
}

/// The client's view of a config file, as supervisorctl's `ClientOptions.read_config` has it:
/// only `[supervisorctl]` matters, `[supervisord]` may be absent, and `[include]` is not
/// followed (the stock client reads the one file). Its errors are the client's usage errors.
pub fn load_client(path: &Path) -> Result<super::SupervisorctlConfig, ConfigError> {
    let ini = read_one(path)?;
    if !ini.has_section("supervisorctl") {
        return Err(ConfigError::new(
            ".ini file does not include supervisorctl section",
        ));
    }
    let env = Expansions::from_process_env();
    Ok(servers::supervisorctl(&ini, &dir_of(path), &env))
}

/// Reads one file, with Supervisor's messages for a missing or unreadable one.
fn read_one(path: &Path) -> Result<Ini, ConfigError> {
    read_one_into(path, Ini::default())
}

/// [`read_one`] into `ini` (one that records its reads, for [`load_strict`]).
fn read_one_into(path: &Path, mut ini: Ini) -> Result<Ini, ConfigError> {
    let shown = path.to_string_lossy().into_owned();
    if !path.exists() {
        return Err(ConfigError::new(format!(
            "could not find config file {shown}"
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|_| ConfigError::new(format!("could not read config file {shown}")))?;
    let text = decode(bytes, &shown)?;
    ini.read_str(&universal_newlines(&text), &shown, path)
        .map_err(ConfigError::new)?;
    Ok(ini)
}

/// The result of reading the main file and its includes.
struct Files {
    ini: Ini,
    /// The main file's directory (absolute): `%(here)s` outside included files.
    here: String,
    files_read: Vec<PathBuf>,
    notes: Vec<ConfigNote>,
}

/// Reads the main file, then each file its `[include] files=` globs match (relative to the
/// main file's directory, each glob's matches in sorted order). Supervisor reads includes of
/// the main file only: an `[include]` inside an included file merges but is never followed.
fn read_files(path: &Path, empty: Ini) -> Result<Files, ConfigError> {
    let shown = path.to_string_lossy().into_owned();
    let ini = read_one_into(path, empty)?;
    let here = dir_of(path);
    let mut files = Files {
        ini,
        here: here.clone(),
        files_read: vec![normalize_path(&shown)],
        notes: Vec::new(),
    };
    if files.ini.has_section("include") {
        read_includes(&mut files, &here)?;
    }
    Ok(files)
}

fn read_includes(files: &mut Files, here: &str) -> Result<(), ConfigError> {
    files.ini.expand_here(here);
    let include_error =
        |ini: &Ini, problem| section_error(problem, "include", section_file(ini, "include"));
    let Some(raw) = files.ini.get("include", "files") else {
        let problem =
            Problem::NamesSection(".ini file has [include] section, but no files setting".into());
        return Err(include_error(&files.ini, problem));
    };
    let mut expansions = Expansions::from_process_env();
    expansions.set_str("here", here);
    expansions.set_str("host_node_name", &host_node_name());
    let patterns = expand(raw, &expansions, "include.files")
        .map_err(|m| include_error(&files.ini, Problem::Plain(m)))?;
    for pattern in patterns
        .split(super::py::is_space)
        .filter(|p| !p.is_empty())
    {
        let pattern = Path::new(here).join(pattern).to_string_lossy().into_owned();
        let matches = glob_sorted(&pattern);
        if matches.is_empty() {
            files.notes.push(ConfigNote::NoFileMatches(pattern.clone()));
        }
        for file in matches {
            read_included(files, &file)?;
        }
    }
    Ok(())
}

fn read_included(files: &mut Files, file: &str) -> Result<(), ConfigError> {
    files.notes.push(ConfigNote::IncludedFile(file.to_string()));
    // Like RawConfigParser.read, a file that cannot be opened (a directory, say) is skipped;
    // one that does not decode is an error, as it is for the main file.
    let Ok(bytes) = std::fs::read(file) else {
        return Ok(());
    };
    let text = decode(bytes, file)?;
    files
        .ini
        .read_str(&universal_newlines(&text), file, Path::new(file))
        .map_err(ConfigError::new)?;
    files.files_read.push(PathBuf::from(file));
    files.ini.expand_here(&dir_of(Path::new(file)));
    Ok(())
}

/// Python's `glob.glob`, sorted: `*` does not match a leading dot.
fn glob_sorted(pattern: &str) -> Vec<String> {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let Ok(paths) = glob::glob_with(pattern, options) else {
        return Vec::new();
    };
    let mut found: Vec<String> = paths
        .filter_map(Result::ok)
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

/// `[supervisord]`, option by option in Supervisor's order. Adds the section's
/// `environment=` to `env` as `ENV_X` names, as Supervisor does for every later section.
fn supervisord_section(
    ini: &Ini,
    here: &str,
    env: &mut Expansions,
) -> Result<SupervisordConfig, ConfigError> {
    let mut expansions = env.clone();
    expansions.set_str("here", here);
    let s = SectionReader::new(ini, "supervisord", expansions);
    let read = || -> Result<SupervisordConfig, Problem> {
        let minfds = s.parse("minfds", "1024", integer)?;
        let minprocs = s.parse("minprocs", "200", integer)?;
        let directory = s.parse_opt("directory", existing_directory)?;
        let user = s.get("user")?;
        if let Some(user) = &user {
            name_to_uid(user).map_err(|m| super::section::value_problem("user", m))?;
        }
        let umask = s.parse("umask", "022", octal_type)?;
        let logfile = s.parse("logfile", "supervisord.log", existing_dirpath)?;
        let logfile_maxbytes = s.parse("logfile_maxbytes", "50MB", byte_size)?;
        let logfile_backups = s.parse("logfile_backups", "10", integer)?;
        let logfile_rotate = s.parse("logfile_rotate", "size", rotate_by)?;
        let logfile_compress = s.parse("logfile_compress", "false", boolean)?;
        let loglevel = s.parse("loglevel", "info", logging_level)?;
        let pidfile = s.parse("pidfile", "supervisord.pid", existing_dirpath)?;
        let identifier = s.get_or("identifier", "supervisor")?;
        let nodaemon = s.parse("nodaemon", "false", boolean)?;
        let silent = s.parse("silent", "false", boolean)?;
        let tempdir = std::env::temp_dir().to_string_lossy().into_owned();
        let childlogdir = s.parse("childlogdir", &tempdir, existing_directory)?;
        let nocleanup = s.parse("nocleanup", "false", boolean)?;
        let strip_ansi = s.parse("strip_ansi", "false", boolean)?;
        let essential = s.parse("essential", "false", boolean)?;
        let environment = supervisord_environment(&s, here)?;
        let sd_notify = s.parse("sd_notify", "auto", types::sd_notify)?;
        let sd_notify_ready = s.parse("sd_notify_ready", "started", types::sd_notify_ready)?;
        let metrics_process_group = s.parse("metrics_process_group", "false", boolean)?;
        let metrics_sample_interval = s.parse("metrics_sample_interval", "5", integer)?;
        if metrics_sample_interval < 1 {
            return Err(super::section::value_problem(
                "metrics_sample_interval",
                format!("must be at least 1 second, not {metrics_sample_interval}"),
            ));
        }
        Ok(SupervisordConfig {
            logfile: main_logfile(&logfile.to_string_lossy()),
            logfile_maxbytes,
            logfile_backups: clamp_u32(logfile_backups),
            logfile_rotate,
            logfile_compress,
            loglevel,
            pidfile: normalize_path(&pidfile.to_string_lossy()),
            umask,
            nodaemon,
            silent,
            minfds: clamp_u64(minfds),
            minprocs: clamp_u64(minprocs),
            nocleanup,
            childlogdir,
            user,
            directory,
            strip_ansi,
            essential,
            environment,
            identifier,
            sd_notify,
            sd_notify_ready,
            metrics_process_group,
            metrics_sample_interval: clamp_u64(metrics_sample_interval),
        })
    };
    let config = read().map_err(|p| s.error(p))?;
    for (key, value) in &config.environment {
        env.set_env(key, value);
    }
    Ok(config)
}

/// `environment=` of `[supervisord]`. Supervisor expands it twice: once as every option
/// (here and ENV_), then again with host_node_name too, so `%%` must survive both.
fn supervisord_environment(
    s: &SectionReader,
    here: &str,
) -> Result<Vec<(String, String)>, Problem> {
    let once = s.get_or("environment", "")?;
    let mut expansions = s.expansions.clone();
    expansions.set_str("here", here);
    expansions.set_str("host_node_name", &host_node_name());
    let twice = expand(&once, &expansions, "environment").map_err(Problem::Plain)?;
    dict_of_key_value_pairs(&twice).map_err(|m| super::section::value_problem("environment", m))
}

/// The main log: `syslog` (exactly, as Supervisor checks it) goes to syslog; `NONE`/`OFF`
/// mean no file (Supervisor would create a file named `NONE`); anything else is a path made
/// absolute against the current directory.
fn main_logfile(value: &str) -> LogTarget {
    if value == "syslog" {
        LogTarget::Syslog
    } else if value.eq_ignore_ascii_case("none") || value.eq_ignore_ascii_case("off") {
        LogTarget::None
    } else {
        LogTarget::Path(normalize_path(value))
    }
}

fn apply_overrides(s: &mut SupervisordConfig, o: &Overrides) -> Result<(), ConfigError> {
    if let Some(user) = &o.user {
        name_to_uid(user).map_err(ConfigError::new)?;
        s.user = Some(user.clone());
    }
    let absolute = |p: &Path| normalize_path(&p.to_string_lossy());
    set(&mut s.nodaemon, o.nodaemon);
    set(&mut s.silent, o.silent);
    set(&mut s.umask, o.umask);
    set(&mut s.directory, o.directory.clone().map(Some));
    set(
        &mut s.logfile,
        o.logfile.clone().map(|target| match target {
            LogTarget::Path(p) => main_logfile(&p.to_string_lossy()),
            other => other,
        }),
    );
    set(&mut s.logfile_maxbytes, o.logfile_maxbytes);
    set(&mut s.logfile_backups, o.logfile_backups);
    set(&mut s.loglevel, o.loglevel);
    set(&mut s.pidfile, o.pidfile.as_deref().map(absolute));
    set(&mut s.identifier, o.identifier.clone());
    set(&mut s.childlogdir, o.childlogdir.clone());
    set(&mut s.nocleanup, o.nocleanup);
    set(&mut s.minfds, o.minfds);
    set(&mut s.minprocs, o.minprocs);
    set(&mut s.strip_ansi, o.strip_ansi);
    Ok(())
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// Negative counts behave in Supervisor exactly as 0 does (`startsecs=-1` is "at once"), so
/// they are read as 0 rather than refused.
pub(crate) fn clamp_u64(n: i64) -> u64 {
    n.max(0) as u64
}

pub(crate) fn clamp_u32(n: i64) -> u32 {
    n.clamp(0, u32::MAX as i64) as u32
}

/// `platform.node()`: `%(host_node_name)s`.
pub(crate) fn host_node_name() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Python's `os.path.abspath(os.path.dirname(path))`.
fn dir_of(path: &Path) -> String {
    let parent = path.parent().unwrap_or(Path::new(""));
    normalize_path(&parent.to_string_lossy())
        .to_string_lossy()
        .into_owned()
}

/// Supervisor's `normalize_path`: `~` expanded, made absolute against the current
/// directory, `.` and `..` resolved lexically (no symlinks followed).
pub(crate) fn normalize_path(value: &str) -> PathBuf {
    let expanded = super::types::expand_user(value);
    let path = Path::new(&expanded);
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::from("/");
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Where Supervisor looks when `-c` is absent, in order: `../etc/supervisord.conf` and
/// `../supervisord.conf` relative to the executable's directory, then
/// `$CWD/supervisord.conf`, `$CWD/etc/supervisord.conf`, `/etc/supervisord.conf`,
/// `/etc/supervisor/supervisord.conf`. For the "No config file found at default paths
/// (...)" message.
pub fn config_search_paths(exe_dir: &Path, cwd: &Path) -> Vec<PathBuf> {
    let prefix = exe_dir.parent().unwrap_or(exe_dir);
    vec![
        prefix.join("etc").join("supervisord.conf"),
        prefix.join("supervisord.conf"),
        cwd.join("supervisord.conf"),
        cwd.join("etc").join("supervisord.conf"),
        PathBuf::from("/etc/supervisord.conf"),
        PathBuf::from("/etc/supervisor/supervisord.conf"),
    ]
}

/// The first existing file of [`config_search_paths`].
pub fn find_config_file(exe_dir: &Path, cwd: &Path) -> Option<PathBuf> {
    config_search_paths(exe_dir, cwd)
        .into_iter()
        .find(|p| p.exists())
}
