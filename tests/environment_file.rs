//! `environment_file=` (ours, systemd's EnvironmentFile) seen from inside the child: the
//! format's quotes, comments and continuations, an optional missing file, later files over
//! earlier ones, `environment=` over them all, the file read afresh at each spawn, and a
//! missing required file as a spawn error in getProcessInfo and the main log.

mod common;

use common::py::{ctl, rpc_script, CTL_SECTIONS};
use common::{spawned_pids, wait_for, Daemon, DEADLINE};

const APP_ENV: &str = "# a comment\n; another one\n\nPLAIN=1\n  SPACED = two words  \n\
    SINGLE='a \"b\" $c'\nDOUBLE=\"x \\\"y\\\" \\$z\"\nMULTI='line one\nline two'\n\
    JOINED=first\\\nsecond\nOVERRIDE=from the file\nSHARED=app\nnot an assignment\n";

/// The environment of `pid` once it runs `program` (before its exec it is still ours).
fn environ_of(pid: i32, program: &str) -> Vec<(String, String)> {
    let exe = format!("{program}\0");
    wait_for(
        &format!("pid {pid} to exec {program}"),
        DEADLINE,
        || {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            cmdline.starts_with(exe.as_bytes()).then_some(())
        },
        String::new,
    );
    let raw = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    raw.split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let text = String::from_utf8_lossy(entry);
            let (k, v) = text.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn value<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn the_child_sees_the_files_then_environment_and_a_restart_rereads_them() {
    let d = Daemon::prepare(&format!(
        "{CTL_SECTIONS}[program:envy]\ncommand=sleep 600\nstartsecs=0\n\
         environment_file=%(here)s/app.env, -%(here)s/missing.env, -%(here)s/local.env\n\
         environment=OVERRIDE=\"from environment\"\n"
    ));
    std::fs::write(d.path("app.env"), APP_ENV).unwrap();
    std::fs::write(d.path("local.env"), "SHARED=local\n").unwrap();
    let d = d.launch(&[]);
    let log = d.wait_log("success: envy entered RUNNING state");
    let env = environ_of(spawned_pids(&log, "envy")[0], "sleep");
    let expected = [
        ("PLAIN", "1"),
        ("SPACED", "two words"),
        ("SINGLE", "a \"b\" $c"),
        ("DOUBLE", "x \"y\" $z"),
        ("MULTI", "line one\nline two"),
        ("JOINED", "firstsecond"),
        ("OVERRIDE", "from environment"),
        ("SHARED", "local"),
        ("SUPERVISOR_PROCESS_NAME", "envy"),
    ];
    for (key, want) in expected {
        assert_eq!(value(&env, key), Some(want), "{key} in {env:?}");
    }
    assert_eq!(
        env.iter().filter(|(k, _)| k == "SHARED").count(),
        1,
        "{env:?}"
    );

    // Edited, then the program restarted: the new child sees the new file.
    std::fs::write(d.path("app.env"), APP_ENV.replace("PLAIN=1", "PLAIN=2")).unwrap();
    let restart = ctl(&d, &["restart", "envy"]);
    assert!(restart.stdout.contains("envy: started"), "{restart:?}");
    let log = d.wait_log_count("success: envy entered RUNNING state", 2);
    let env = environ_of(spawned_pids(&log, "envy")[1], "sleep");
    assert_eq!(value(&env, "PLAIN"), Some("2"), "{env:?}");
}

#[test]
fn a_missing_required_file_is_a_spawn_error_naming_it() {
    let d = Daemon::prepare(&format!(
        "{CTL_SECTIONS}[program:lost]\ncommand=sleep 600\nstartsecs=0\nstartretries=0\n\
         environment_file=-%(here)s/optional.env, %(here)s/required.env\n"
    ));
    let d = d.launch(&[]);
    let message = format!(
        "couldn't read environment_file {}: ENOENT",
        d.path("required.env").display()
    );
    let log = d.wait_log("gave up: lost entered FATAL state");
    assert!(log.contains(&format!("spawnerr: {message}")), "{log}");
    let info = rpc_script(&d, "done(s.supervisor.getProcessInfo('lost'))");
    assert_eq!(info["spawnerr"], message.as_str(), "{info}");
    assert_eq!(info["statename"], "FATAL", "{info}");
}
