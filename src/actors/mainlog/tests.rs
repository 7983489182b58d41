//! Main-log tests: line format, level filtering, rotation, and every message's exact text.

use std::path::Path;

use super::*;
use crate::actors::rotating::numbered;
use crate::config::{LogLevel, LogTarget};
use crate::model::ExitHow;

fn settings(path: &Path, level: LogLevel, maxbytes: u64, backups: u32) -> MainLogSettings {
    MainLogSettings {
        logfile: LogTarget::Path(path.to_path_buf()),
        rotation: Rotation::by_size(maxbytes, backups),
        level,
        also_stdout: false,
    }
}

/// Run `f` with a main log at `level` installed for this thread; return the lines written, each
/// checked for the timestamp shape and returned without it.
fn capture(level: LogLevel, f: impl FnOnce()) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.log");
    let (layer, _handle) = super::layer(&settings(&path, level, 0, 0)).unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
    let text = std::fs::read_to_string(&path).unwrap();
    // Multi-line messages (child output) continue on lines without a timestamp.
    let mut lines = Vec::new();
    for line in text.split_inclusive('\n') {
        if is_stamped(line) {
            lines.push(line[24..].to_string());
        } else {
            lines.last_mut().expect("continuation first").push_str(line);
        }
    }
    lines
        .into_iter()
        .map(|l| l.strip_suffix('\n').unwrap().to_string())
        .collect()
}

/// `YYYY-MM-DD HH:MM:SS,mmm ` with digits where digits go.
fn is_stamped(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 24
        && b[..24].iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 | 23 => c == b' ',
            13 | 16 => c == b':',
            19 => c == b',',
            _ => c.is_ascii_digit(),
        })
}

fn one(level: LogLevel, f: impl FnOnce()) -> String {
    let lines = capture(level, f);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.into_iter().next().unwrap()
}

#[test]
fn line_format_is_supervisors() {
    let now = chrono::DateTime::parse_from_rfc3339("2025-01-01T12:00:00.1239+00:00").unwrap();
    assert_eq!(
        format_line(now, LogLevel::Info, "supervisord started with pid 42"),
        "2025-01-01 12:00:00,123 INFO supervisord started with pid 42\n"
    );
    let line = capture(LogLevel::Info, || supervisord_started(42));
    assert_eq!(line, ["INFO supervisord started with pid 42"]);
}

#[test]
fn levels_map_and_filter() {
    let all = || {
        tracing::error!(target: CRIT, "c");
        tracing::error!("e");
        tracing::warn!("w");
        tracing::info!("i");
        tracing::debug!("d");
        tracing::trace!("t");
        tracing::trace!(target: BLATHER, "b");
    };
    assert_eq!(
        capture(LogLevel::Blather, all),
        ["CRIT c", "ERRO e", "WARN w", "INFO i", "DEBG d", "TRAC t", "BLAT b"]
    );
    assert_eq!(
        capture(LogLevel::Info, all),
        ["CRIT c", "ERRO e", "WARN w", "INFO i"]
    );
    assert_eq!(capture(LogLevel::Trace, all).len(), 6);
    assert_eq!(capture(LogLevel::Critical, all), ["CRIT c"]);
}

#[test]
fn other_crates_and_fields() {
    let lines = capture(LogLevel::Blather, || {
        tracing::error!(target: "hyper::proto", "not ours");
        tracing::info!(pid = 7, "info keeps its text");
        tracing::debug!(pid = 7, name = "web", "debug shows fields");
    });
    assert_eq!(
        lines,
        [
            "INFO info keeps its text",
            "DEBG debug shows fields pid=7 name=web"
        ]
    );
}

#[test]
fn rotation_clear_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.log");
    let (layer, handle) = super::layer(&settings(&path, LogLevel::Info, 200, 2)).unwrap();
    assert_eq!(handle.path().as_deref(), Some(path.as_path()));
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        // 56-byte lines: files rotate every 4 lines, so 18 leave 2 in the current file.
        for i in 0..18 {
            spawned("web", i);
        }
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let (p1, p2) = (numbered(&path, 1), numbered(&path, 2));
        assert!(p1.exists() && p2.exists() && !numbered(&path, 3).exists());
        // Each file rotated as soon as it reached maxbytes: at most one line past it.
        for p in [&p1, &p2] {
            assert!((200..260).contains(&size(p)), "{} bytes", size(p));
        }
        let last = std::fs::read_to_string(&path).unwrap();
        assert!(
            last.ends_with("INFO spawned: 'web' with pid 17\n"),
            "{last}"
        );

        handle.clear().unwrap();
        assert_eq!(size(&path), 0);
        assert!(!p1.exists() && !p2.exists());

        // logrotate moves the file away; lines follow it until SIGUSR2 reopens by name.
        let moved = dir.path().join("moved.log");
        std::fs::rename(&path, &moved).unwrap();
        spawned("web", 100);
        handle.reopen().unwrap();
        spawned("web", 101);
        assert!(std::fs::read_to_string(&moved).unwrap().contains("pid 100"));
        let fresh = std::fs::read_to_string(&path).unwrap();
        assert!(fresh.contains("pid 101") && !fresh.contains("pid 100"));

        // Deleted under us: recreated on the next line.
        std::fs::remove_file(&path).unwrap();
        spawned("web", 102);
        assert!(std::fs::read_to_string(&path).unwrap().contains("pid 102"));
    });
}

#[test]
fn exit_descriptions_and_signames() {
    assert_eq!(exit_description(ExitHow::Code(1)), "exit status 1");
    assert_eq!(
        exit_description(ExitHow::Signal {
            sig: 15,
            core: false
        }),
        "terminated by SIGTERM"
    );
    assert_eq!(
        exit_description(ExitHow::Signal {
            sig: 11,
            core: true
        }),
        "terminated by SIGSEGV (core dumped)"
    );
    assert_eq!(signame(6), "SIGABRT");
    assert_eq!(signame(17), "SIGCHLD");
    assert_eq!(signame(29), "SIGPOLL");
    assert_eq!(signame(33), "signal 33");
    assert_eq!(py_repr("web"), "'web'");
    assert_eq!(py_repr("it's"), "\"it's\"");
}

/// A call that writes one main-log line.
type Emit = Box<dyn FnOnce()>;

/// Every message against Supervisor 4.3's text (templates in process.py, supervisord.py,
/// options.py, http.py, xmlrpc.py, rpcinterface.py, dispatchers.py, socket_manager.py).
#[test]
fn every_message_text() {
    let cases: Vec<(Emit, &str)> = vec![
        (Box::new(|| spawnerr("can't find command 'foo'")), "INFO spawnerr: can't find command 'foo'"),
        (Box::new(|| already_running("web")), "WARN process 'web' already running"),
        (Box::new(|| spawned("web", 4711)), "INFO spawned: 'web' with pid 4711"),
        (Box::new(|| entered_running("web", 1)), "INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"),
        (Box::new(|| gave_up("web")), "INFO gave up: web entered FATAL state, too many start retries too quickly"),
        (Box::new(|| exited("web", "exit status 0", true)), "INFO exited: web (exit status 0; expected)"),
        (Box::new(|| exited("web", "terminated by SIGKILL", false)), "WARN exited: web (terminated by SIGKILL; not expected)"),
        (Box::new(|| stopped("web", "terminated by SIGTERM", true)), "INFO stopped: web (terminated by SIGTERM)"),
        (Box::new(|| stopped("web", "exit status 3", false)), "WARN stopped: web (exit status 3)"),
        (Box::new(|| waiting_for_stop("web")), "INFO waiting for web to stop"),
        (Box::new(|| killing("web", 4711, 9)), "WARN killing 'web' (4711) with SIGKILL"),
        (Box::new(|| killing_with("web", 123, false, 15)), "DEBG killing web (pid 123) with signal SIGTERM"),
        (Box::new(|| killing_with("web", 123, true, 9)), "DEBG killing web (pid 123) process group with signal SIGKILL"),
        (Box::new(|| kill_in_backoff("web")), "DEBG Attempted to kill web, which is in BACKOFF state."),
        (Box::new(|| { kill_not_running("web", 15); }), "DEBG attempted to kill web with sig SIGTERM but it wasn't running"),
        (Box::new(|| kill_esrch("web", 5, "[Errno 3] No such process")), "DEBG unable to signal web (pid 5), it probably just exited on its own: [Errno 3] No such process"),
        (Box::new(|| { kill_failed("web", 5, "EPERM"); }), "CRIT unknown problem killing web (5):EPERM"),
        (Box::new(|| sending_signal("web", 5, 1)), "DEBG sending web (pid 5) sig SIGHUP"),
        (Box::new(|| signal_esrch("web", 5, "gone")), "DEBG unable to signal web (pid 5), it probably just now exited on its own: gone"),
        (Box::new(|| { signal_failed("web", 5, "EPERM"); }), "CRIT unknown problem sending sig web (5):EPERM"),
        (Box::new(|| received_signal(15, SignalMeaning::Exit)), "WARN received SIGTERM indicating exit request"),
        (Box::new(|| received_signal(1, SignalMeaning::Restart)), "WARN received SIGHUP indicating restart request"),
        (Box::new(|| received_signal(1, SignalMeaning::RestartIgnored)), "WARN ignored SIGHUP indicating restart request (shutdown in progress)"),
        (Box::new(|| received_signal(17, SignalMeaning::ChildQuit)), "DEBG received SIGCHLD indicating a child quit"),
        (Box::new(|| received_signal(12, SignalMeaning::LogReopen)), "INFO received SIGUSR2 indicating log reopen request"),
        (Box::new(|| received_signal(10, SignalMeaning::Nothing)), "BLAT received SIGUSR1 indicating nothing"),
        (Box::new(|| waiting_for_die(&["web".into(), "api".into()])), "INFO waiting for web, api to die"),
        (Box::new(|| process_state("web", "STOPPING")), "BLAT web state: STOPPING"),
        (Box::new(|| reaped_unknown_pid(99, "exit status 0")), "INFO reaped unknown pid 99 (exit status 0)"),
        (Box::new(|| waitpid_error(22)), "CRIT waitpid error 22; a process may not be cleaned up properly"),
        (Box::new(eintr_during_reap), "BLAT EINTR during reap"),
        (Box::new(|| supervisord_started(42)), "INFO supervisord started with pid 42"),
        (Box::new(|| could_not_write_pidfile(Path::new("/run/s.pid"))), "CRIT could not write pidfile /run/s.pid"),
        (Box::new(forked_parent_exiting), "BLAT supervisord forked; parent exiting"),
        (Box::new(daemonizing), "INFO daemonizing the supervisord process"),
        (Box::new(|| cant_chdir(Path::new("/nope"), "[Errno 2] No such file or directory: '/nope'")), "CRIT can't chdir into '/nope': [Errno 2] No such file or directory: '/nope'"),
        (Box::new(|| set_current_directory(Path::new("/srv"))), "INFO set current directory: '/srv'"),
        (Box::new(running_as_root), "CRIT Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."),
        (Box::new(|| set_uid(1000)), "INFO Set uid to user 1000 succeeded"),
        (Box::new(|| increased_limit("RLIMIT_NOFILE", 1024)), "INFO Increased RLIMIT_NOFILE limit to 1024"),
        (Box::new(|| included_extra_file("/etc/supervisor/conf.d/web.conf")), "INFO Included extra file \"/etc/supervisor/conf.d/web.conf\" during parsing"),
        (Box::new(|| no_file_matches_include("conf.d/*.conf")), "WARN No file matches via include \"conf.d/*.conf\""),
        (Box::new(|| syslog_logfile_deprecated("program:web", "stdout_logfile", "stdout_syslog")), "WARN For [program:web], stdout_logfile=syslog but this is deprecated and will be removed.  Use stdout_syslog=true to enable syslog instead."),
        (Box::new(|| auto_log_without_rollover("program:web", "stdout_logfile")), "WARN For [program:web], AUTO logging used for stdout_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"),
        (Box::new(|| redirect_stderr_logfile_ignored("program:web")), "WARN For [program:web], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"),
        (Box::new(could_not_clear_childlog_dir), "WARN Could not clear childlog dir"),
        (Box::new(|| failed_to_clean_up(Path::new("/tmp/a.log"))), "WARN Failed to clean up '/tmp/a.log'"),
        (Box::new(logreopen), "INFO supervisord logreopen"),
        (Box::new(reopening_log_file), "INFO reopening log file"),
        (Box::new(|| rpc_interface_initialized("supervisor")), "INFO RPC interface 'supervisor' initialized"),
        (Box::new(|| server_without_auth("unix_http_server")), "CRIT Server 'unix_http_server' running without any HTTP authentication checking"),
        (Box::new(|| xmlrpc_unmarshallable(b"<x")), "ERRO XML-RPC request data b'<x' is invalid: unmarshallable"),
        (Box::new(|| xmlrpc_no_method_name(b"<m/>")), "ERRO XML-RPC request data b'<m/>' is invalid: no method name"),
        (Box::new(|| xmlrpc_unexpected_error(b"d", "boom")), "CRIT Handling XML-RPC request with data b'd' raised an unexpected exception: boom"),
        (Box::new(|| creating_socket("unix:///tmp/php.sock")), "INFO Creating socket unix:///tmp/php.sock"),
        (Box::new(|| closing_socket("tcp://127.0.0.1:9000")), "INFO Closing socket tcp://127.0.0.1:9000"),
        (Box::new(|| fcgi_socket_failed("Could not create FastCGI socket tcp://127.0.0.1:9000: [Errno 98] Address already in use")), "ERRO Could not create FastCGI socket tcp://127.0.0.1:9000: [Errno 98] Address already in use"),
        (Box::new(|| child_output("web", "stdout", b"hello\n")), "DEBG 'web' stdout output:\nhello\n"),
        (Box::new(|| child_output("web", "stderr", b"\xff\n")), "DEBG 'web' stderr output:\nUndecodable: b'\\xff\\n'"),
        (Box::new(|| comm_event("web", "stdout")), "DEBG 'web' stdout emitted a comm event"),
        (Box::new(|| bad_result_line("l", "FOO")), "WARN l: bad result line: 'FOO'"),
        (Box::new(|| event_processed("l")), "DEBG l: event was processed"),
        (Box::new(|| event_rejected("l")), "WARN l: event was rejected"),
        (Box::new(|| listener_state_changed("l", "READY", "BUSY")), "DEBG l: READY -> BUSY"),
        (Box::new(|| listener_entered_unknown("l")), "WARN l: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol"),
        (Box::new(|| event_buffer_overflowed("pool", 12)), "ERRO pool pool event buffer overflowed, discarding event 12"),
        (Box::new(|| rebuffering_event(12, "pool", 3, 10)), "DEBG rebuffering event 12 for pool pool (buf size=3, max=10)"),
        (Box::new(|| event_sent(12, "l_00")), "DEBG event 12 sent to listener l_00"),
        (Box::new(|| event_epipe(12, "l_00")), "DEBG epipe occurred while sending event 12 to listener l_00, listener state unchanged"),
        (Box::new(|| child_log_failed("web", "stdout", Path::new("/x.log"), &std::io::Error::from_raw_os_error(28))), "ERRO cannot write stdout log of web to /x.log: No space left on device (os error 28)"),
    ];
    for (f, expected) in cases {
        assert_eq!(one(LogLevel::Blather, f), expected);
    }
}
