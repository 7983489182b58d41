//! Invalid configs: each must fail with Supervisor's error text (where it has one), naming
//! the file, the section and, for a bad value, the option. Python Supervisor 4.3 prints the
//! same text minus what we add: the option (`(option 'x')`) and, where it has none, the
//! section and file.

mod config_util;

use config_util::error_of;
use config_util::invalid::INVALID;

/// Every config of the table (tests/config_util/invalid.rs) fails with its error.
#[test]
fn every_invalid_config_gives_its_error() {
    let mut wrong = Vec::new();
    for case in INVALID {
        let (message, file) = error_of(case.body);
        if !case.error.matches(&message, &file) {
            wrong.push(format!("{}: got {message:?}", case.name));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn default_key_for_stock_rpcinterface() {
    let dir = config_util::ConfDir::new();
    let error = dir
        .load(
            "[DEFAULT]\nstartsecs=0\n[supervisord]\n[inet_http_server]\nport=127.0.0.1:9001\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
        )
        .unwrap_err();
    assert_eq!(
        error.message,
        format!(
            "Could not make supervisor rpc interface: make_main_rpcinterface() got an unexpected keyword argument 'startsecs' in section 'rpcinterface:supervisor' (file: '{}')",
            dir.conf()
        )
    );
}

#[test]
fn missing_supervisord_section() {
    let dir = config_util::ConfDir::new();
    let error = dir.load("[program:x]\ncommand=ls\n").unwrap_err();
    assert_eq!(
        error.message,
        format!(
            ".ini file does not include supervisord section (file: '{}')",
            dir.conf()
        )
    );
}

#[test]
fn no_section_header() {
    let dir = config_util::ConfDir::new();
    let error = dir.load("command=ls\n").unwrap_err();
    assert_eq!(
        error.message,
        format!(
            "File contains no section headers.\nfile: '{}', line: 1\n'command=ls\\n'",
            dir.conf()
        )
    );
}

#[test]
fn error_in_included_file_names_that_file() {
    let dir = config_util::ConfDir::new();
    let included = dir.write(
        "conf.d/x.conf",
        "[program:x]\ncommand=ls\nstartretries=many\n",
    );
    let error = dir
        .load("[supervisord]\n[include]\nfiles=conf.d/*.conf\n")
        .unwrap_err();
    assert_eq!(
        error.message,
        format!(
            "invalid literal for int() with base 10: 'many' (option 'startretries') in section 'program:x' (file: '{}')",
            included.display()
        )
    );
}

#[test]
fn missing_config_file() {
    let error = supervisord::config::load(
        std::path::Path::new("/nonexistent/supervisord.conf"),
        &Default::default(),
    )
    .unwrap_err();
    assert_eq!(
        error.message,
        "could not find config file /nonexistent/supervisord.conf"
    );
}

/// A byte that is not UTF-8 stops the start, as in Python, whose message names neither the
/// file nor the line and counts its position from the start of an 8 KiB chunk.
#[test]
fn invalid_utf8_names_file_byte_offset_and_line() {
    let dir = config_util::ConfDir::new();
    let path = dir.write_bytes(
        "supervisord.conf",
        b"[supervisord]\n;comment\nidentifier=ab\xffcd\n",
    );
    let error = supervisord::config::load(&path, &Default::default()).unwrap_err();
    assert_eq!(
        error.message,
        format!(
            "'utf-8' codec can't decode byte 0xff in position 36: invalid start byte (file: '{}', line 3)",
            dir.conf()
        )
    );
}

#[test]
fn invalid_utf8_in_included_file_names_that_file() {
    let dir = config_util::ConfDir::new();
    let included = dir.write_bytes("conf.d/x.conf", b"[program:x]\ncommand=ls \xe2\x82\n");
    let error = dir
        .load("[supervisord]\n[include]\nfiles=conf.d/*.conf\n")
        .unwrap_err();
    assert_eq!(
        error.message,
        format!(
            "'utf-8' codec can't decode bytes in position 23-24: invalid continuation byte (file: '{}', line 2)",
            included.display()
        )
    );
}
