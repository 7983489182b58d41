//! `supervisord check-config [--strict]`: the loader's verdict from the command line. Every
//! invalid config of tests/config_util/invalid.rs gives its error and status 2; a valid one
//! `OK` and 0; `--strict` names a typo, its section and file, and the option meant.

mod config_util;

use std::process::{Command, Output};

use config_util::invalid::INVALID;
use config_util::ConfDir;

fn check_config(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_supervisord"))
        .args(args)
        .output()
        .expect("run supervisord check-config")
}

/// The error on stderr (it may span lines), less the `Error: ` before it and the
/// `For help` line after it that the daemon's start-up errors have too.
fn error_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error = stderr.split("\nFor help, use ").next().unwrap_or_default();
    error.strip_prefix("Error: ").unwrap_or(error).to_string()
}

#[test]
fn every_invalid_config_gives_its_error_and_status_2() {
    let mut wrong = Vec::new();
    for case in INVALID {
        let dir = ConfDir::new();
        let conf = dir.write("supervisord.conf", &format!("[supervisord]\n{}", case.body));
        let output = check_config(&["check-config", "-c", conf.to_str().unwrap()]);
        let message = error_line(&output);
        if output.status.code() != Some(2) || !case.error.matches(&message, &dir.conf()) {
            wrong.push(format!("{}: {:?} {message:?}", case.name, output.status));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_valid_config_is_ok_with_status_0_strict_or_not() {
    let dir = ConfDir::new();
    let conf = dir.write(
        "supervisord.conf",
        "[supervisord]\nlogfile=/dev/null\n[unix_http_server]\nfile=/tmp/x.sock\n\
         [rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
         [supervisorctl]\nserverurl=unix:///tmp/x.sock\n[include]\nfiles=conf.d/*.conf\n",
    );
    dir.write(
        "conf.d/x.conf",
        "[program:x]\ncommand=sleep 1\nstopwaitsecs=5\n[group:g]\nprograms=x\n",
    );
    let conf = conf.to_str().unwrap();
    for args in [
        &["check-config", "-c", conf][..],
        &["-c", conf, "check-config", "--strict"],
    ] {
        let output = check_config(args);
        assert_eq!(output.status.code(), Some(0), "{args:?} {output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "OK\n");
    }
}

#[test]
fn strict_names_a_typo_and_suggests_the_option_meant() {
    let dir = ConfDir::new();
    let conf = dir.write(
        "supervisord.conf",
        "[supervisord]\n[include]\nfiles=conf.d/*.conf\n",
    );
    let included = dir.write("conf.d/x.conf", "[program:x]\ncommand=ls\nstopwaitsec=5\n");
    let conf = conf.to_str().unwrap();
    let lenient = check_config(&["check-config", "-c", conf]);
    assert_eq!(lenient.status.code(), Some(0), "{lenient:?}");

    let strict = check_config(&["check-config", "--strict", "-c", conf]);
    assert_eq!(strict.status.code(), Some(2), "{strict:?}");
    assert_eq!(
        String::from_utf8_lossy(&strict.stderr),
        format!(
            "warning: unknown option 'stopwaitsec' in section 'program:x' (file: '{}'); \
             did you mean 'stopwaitsecs'?\n",
            included.display()
        )
    );
    assert!(strict.stdout.is_empty(), "{strict:?}");
}
