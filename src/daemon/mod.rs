//! supervisord's life from the command line to exit: load the config, prepare the process
//! (uid, rlimits, main log, daemonize, pidfile), then run the actor system until a shutdown,
//! re-running it with the re-read config after each restart (SIGHUP), as Supervisor's `main()`
//! loops.

mod os_setup;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use crate::actors::log_writer;
use crate::actors::mainlog::{self, MainLogHandle, MainLogSettings, Rotation};
use crate::actors::process::{self, DaemonContext};
use crate::actors::registry::{ConfigSource, Registry, RunEnd};
use crate::actors::{reaper, sd_notify, signals};
use crate::config::{self, Config, ConfigNote, Overrides};
use crate::rpc::http::{self, Listeners};
use crate::rpc::{resources, Backend};
use os_setup::{DirNote, UidNote};

/// Runs the daemon on `config_path`. Returns the message of a fatal start-up error, which the
/// caller prints as Supervisor prints usage errors.
/// Returns the daemon's exit status: 0, or the status of an essential program that ended.
pub fn run(config_path: &Path, overrides: &Overrides) -> Result<u8, String> {
    reaper::claim_child_signals().map_err(|e| format!("could not block SIGCHLD: {e}"))?;
    let config = config::load(config_path, overrides).map_err(|e| e.to_string())?;
    let uid_note = os_setup::set_uid(config.supervisord.user.as_deref())?;
    let raised_limits =
        os_setup::set_rlimits(config.supervisord.minfds, config.supervisord.minprocs)?;
    let mainlog = mainlog::init(&main_log_settings(&config)).map_err(|e| {
        format!(
            "could not open main log {:?}: {e}",
            config.supervisord.logfile
        )
    })?;
    // Supervisor's order: the critical line, the config's warnings, then its infos.
    if uid_note == UidNote::RunningAsRoot {
        mainlog::running_as_root();
    }
    let (infos, warnings): (Vec<_>, Vec<_>) = config
        .notes
        .iter()
        .partition(|note| matches!(note, ConfigNote::IncludedFile(_)));
    for note in warnings.into_iter().chain(infos) {
        mainlog::config_note(note);
    }
    if let UidNote::SetUid(uid) = uid_note {
        mainlog::set_uid(uid);
    }
    for (resource, limit) in raised_limits {
        mainlog::increased_limit(resource, limit);
    }
    if !config.supervisord.nocleanup {
        let swept = log_writer::clean_auto_logs(
            &config.supervisord.childlogdir,
            &config.supervisord.identifier,
        );
        if swept.is_err() {
            mainlog::could_not_clear_childlog_dir();
        }
    }
    // Supervisor's order: HTTP servers after the main log, before daemonizing.
    let listeners = http::bind(&config)?;
    log_http_servers(&config, &listeners);
    if !config.supervisord.nodaemon {
        let daemonized = os_setup::daemonize(config.supervisord.directory.as_deref());
        match daemonized {
            Ok(Some(DirNote::Set(dir))) => mainlog::set_current_directory(&dir),
            Ok(Some(DirNote::Failed(dir, e))) => mainlog::cant_chdir(&dir, &e),
            Ok(None) => {}
            Err(e) => {
                listeners.close();
                return Err(e);
            }
        }
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(
            config.supervisord.umask,
        ));
    }
    // Before any program has a pipe or a log file: the thread's table is what children copy.
    crate::spawn::start_spawner();
    run_until_shutdown(config, config_path, overrides, &mainlog, listeners)
}

/// Writes the pidfile of a run and says the daemon started, as Supervisor does at the start
/// of every run (a restart included).
fn announce_run(pidfile: &Path) {
    match os_setup::write_pidfile(pidfile) {
        Ok(()) => mainlog::supervisord_started(std::process::id()),
        Err(_) => mainlog::could_not_write_pidfile(pidfile),
    }
}

/// The lines Supervisor's `make_http_servers` logs for each server: its RPC interfaces, and a
/// CRIT when it checks no credentials.
fn log_http_servers(config: &Config, listeners: &Listeners) {
    for (section, authenticated) in listeners.sections() {
        for interface in &config.rpcinterfaces {
            mainlog::rpc_interface_initialized(&interface.name);
        }
        if !authenticated {
            mainlog::server_without_auth(section);
        }
    }
}

fn main_log_settings(config: &Config) -> MainLogSettings {
    let s = &config.supervisord;
    MainLogSettings {
        logfile: s.logfile.clone(),
        rotation: Rotation {
            maxbytes: s.logfile_maxbytes,
            backups: s.logfile_backups,
            by: s.logfile_rotate,
            compress: s.logfile_compress,
        },
        level: s.loglevel,
        also_stdout: s.nodaemon && !s.silent,
    }
}

/// Runs the actor system; after a restart request, runs it again with the config that the
/// request was validated against.
fn run_until_shutdown(
    mut config: Config,
    config_path: &Path,
    overrides: &Overrides,
    mainlog: &MainLogHandle,
    mut listeners: Listeners,
) -> Result<u8, String> {
    let source = ConfigSource {
        path: config_path.to_path_buf(),
        overrides: overrides.clone(),
    };
    loop {
        let pidfile = config.supervisord.pidfile.clone();
        let end = run_once(config, source.clone(), mainlog, &listeners);
        let _ = std::fs::remove_file(&pidfile);
        let end = match end {
            Ok(end) => end,
            Err(e) => {
                listeners.close();
                return Err(e);
            }
        };
        match end {
            RunEnd::Restart(new_config) => {
                if let Err(e) = mainlog.reconfigure(&main_log_settings(&new_config)) {
                    tracing::error!("cannot reopen the main log: {e}");
                }
                // The terminal may be long gone: the main log must say why we stop.
                listeners = listeners.rebind(&new_config).inspect_err(|e| {
                    tracing::error!(target: mainlog::CRIT, "{e}");
                })?;
                log_http_servers(&new_config, &listeners);
                config = *new_config;
            }
            RunEnd::Shutdown(status) => {
                listeners.close();
                return Ok(status);
            }
        }
    }
}

/// One run of the actor system, from starting the groups to the last child stopped.
fn run_once(
    config: Config,
    source: ConfigSource,
    mainlog: &MainLogHandle,
    listeners: &Listeners,
) -> Result<RunEnd, String> {
    let mainlog = mainlog.clone();
    System::new().block_on(async move {
        let log_arbiter = Arbiter::new();
        let daemon = Arc::new(daemon_context(&config, log_arbiter.handle()));
        reaper::start(process::route_exit).map_err(|e| format!("cannot watch SIGCHLD: {e}"))?;
        let signals =
            signals::listen().map_err(|e| format!("cannot install signal handlers: {e}"))?;
        announce_run(&config.supervisord.pidfile);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let identifier = config.supervisord.identifier.clone();
        let resource_settings = resources::Settings {
            whole_group: config.supervisord.metrics_process_group,
            period: Duration::from_secs(config.supervisord.metrics_sample_interval),
        };
        let programs = config.groups.iter().map(|g| g.processes.len()).sum();
        let caps = http::connection_caps(programs, listeners);
        let notify = sd_notify::Plan::for_run(&config);
        let registry = Registry::new(config, source, daemon, done_tx);
        let mood = registry.mood_receiver();
        let processes = registry.process_table();
        let (mood_for_notify, processes_for_notify) = (mood.clone(), processes.clone());
        let registry = registry.start();
        let http = if listeners.is_empty() {
            None
        } else {
            let backend = Backend {
                registry: registry.clone(),
                mainlog: mainlog.clone(),
                identifier,
                mood,
                resources: resources::Resources::new(processes.clone(), resource_settings),
                processes,
            };
            let server = http::serve(listeners, backend, caps)
                .map_err(|e| format!("cannot serve HTTP: {e}"))?;
            let handle = server.handle();
            actix_rt::spawn(server);
            Some(handle)
        };
        // After the servers and the autostart pass: its READY=1 means "serving".
        let _notifier = notify.map(|plan| plan.start(mood_for_notify, processes_for_notify));
        signals::forward(signals, registry, mainlog);
        let end = done_rx.await.unwrap_or(RunEnd::Shutdown(0));
        if let Some(http) = http {
            // Graceful, so that the reply to shutdown()/restart() is written before its
            // connection goes (supervisorctl prints "Shut down" from it); open tail streams
            // are cut after the server's shutdown_timeout. The stop also closes this run's
            // copies of the sockets, so the next run alone accepts.
            let _ = tokio::time::timeout(HTTP_STOP_TIMEOUT, http.stop(true)).await;
        }
        log_arbiter.stop();
        Ok(end)
    })
}

/// How long the end of a run waits for the HTTP server to let go of its sockets.
const HTTP_STOP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn daemon_context(config: &Config, log_arbiter: ArbiterHandle) -> DaemonContext {
    let mut base_env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(key, _)| !sd_notify::MAIN_PROCESS_ONLY.iter().any(|k| key == *k))
        .collect();
    for (k, v) in &config.supervisord.environment {
        base_env.retain(|(key, _)| key != k.as_str());
        base_env.push((k.into(), v.into()));
    }
    DaemonContext {
        base_env,
        server_url: server_url(config),
        identifier: config.supervisord.identifier.clone(),
        childlogdir: config.supervisord.childlogdir.clone(),
        strip_ansi: config.supervisord.strip_ansi,
        log_arbiter,
    }
}

/// SUPERVISOR_SERVER_URL: the unix socket if there is one, else the first inet server.
fn server_url(config: &Config) -> Option<String> {
    if let Some(unix) = &config.unix_http_server {
        return Some(format!("unix://{}", unix.file.display()));
    }
    config.inet_http_servers.first().map(|inet| {
        let host = if inet.host.is_empty() {
            "localhost"
        } else {
            &inet.host
        };
        format!("http://{host}:{}", inet.port)
    })
}

/// The config file to use when `-c` is not given, with Supervisor's search order.
pub fn default_config_path() -> Option<PathBuf> {
    let exe_dir = std::env::current_exe().ok()?.parent()?.to_path_buf();
    let cwd = std::env::current_dir().ok()?;
    config::find_config_file(&exe_dir, &cwd)
}
