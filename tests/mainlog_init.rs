//! `mainlog::init` installs the process-wide subscriber, so it gets a test binary of its own: the
//! daemon's real setup, with a LogWriter copying child output to the main log at debug level.

use std::io::Write;
use std::time::{Duration, Instant};

use actix::prelude::*;
use supervisord::actors::log_writer::{Attach, Drained, LogWriter, Rotation, StreamSettings};
use supervisord::actors::mainlog::{self, MainLogSettings};
use supervisord::config::{LogLevel, LogTarget};
use supervisord::model::Channel;

#[actix_rt::test]
async fn init_installs_global_main_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.log");
    let settings = MainLogSettings {
        logfile: LogTarget::Path(path.clone()),
        rotation: Rotation::by_size(50 * 1024 * 1024, 10),
        level: LogLevel::Debug,
        also_stdout: false,
    };
    let handle = mainlog::init(&settings).unwrap();
    assert!(
        mainlog::init(&settings).is_err(),
        "a second global subscriber"
    );
    assert_eq!(handle.path(), Some(path.clone()));

    // A line of the daemon's own (its target is this crate's), as mainlog words them.
    tracing::info!(target: "supervisord::daemon", "supervisord started with pid 42");
    // Another crate's events stay out of the main log.
    tracing::error!(target: "actix_server", "not ours");

    // Child output reaches the main log from the LogWriter's own thread when loglevel=debug.
    let arbiter = Arbiter::new();
    let addr = LogWriter::start_in_arbiter(&arbiter.handle(), |_| {
        let stdout = StreamSettings {
            path: None,
            rotation: Rotation::by_size(0, 0),
            strip_ansi: false,
            syslog: false,
            prefix: None,
            bytes: Default::default(),
            events: None,
        };
        LogWriter::new("web".into(), Some(stdout), None)
    });
    let (r, w) = nix::unistd::pipe().unwrap();
    addr.send(Attach {
        pipe: r,
        channel: Channel::Stdout,
        pid: 0,
    })
    .await
    .unwrap();
    std::fs::File::from(w).write_all(b"hello\n").unwrap();
    addr.send(Drained).await.unwrap();
    arbiter.stop();

    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("hello") || Instant::now() > deadline {
            break text;
        }
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    };
    let lines: Vec<&str> = text.lines().map(|l| l.get(24..).unwrap_or(l)).collect();
    assert_eq!(
        lines,
        [
            "INFO supervisord started with pid 42",
            "DEBG 'web' stdout output:",
            "hello",
            // Supervisor's template adds its newline after the child's own.
            ""
        ]
    );
}
