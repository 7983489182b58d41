//! Invalid configs: each must fail with Supervisor's error text (where it has one), naming
//! the file, the section and, for a bad value, the option. Python Supervisor 4.3 prints the
//! same text minus what we add: the option (`(option 'x')`) and, where it has none, the
//! section and file.

mod config_util;

use config_util::error_of;

/// Asserts the error for `body` (after a `[supervisord]` line) is `expected`, where `{f}`
/// stands for the config file's path.
fn check(body: &str, expected: &str) {
    let (message, file) = error_of(body);
    assert_eq!(message, expected.replace("{f}", &file), "config:\n{body}");
}

#[test]
fn bad_boolean() {
    check(
        "[program:x]\ncommand=ls\nautostart=maybe\n",
        "not a valid boolean value: 'maybe' (option 'autostart') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn bad_integer() {
    check(
        "[program:x]\ncommand=ls\nstartsecs=soon\n",
        "invalid literal for int() with base 10: 'soon' (option 'startsecs') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn missing_command() {
    check(
        "[program:x]\n",
        "program section program:x does not specify a command in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn unknown_signal_name() {
    check(
        "[program:x]\ncommand=ls\nstopsignal=BOGUS\n",
        "value 'BOGUS' is not a valid signal name (option 'stopsignal') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn unknown_signal_number() {
    check(
        "[program:x]\ncommand=ls\nstopsignal=99\n",
        "value '99' is not a valid signal number (option 'stopsignal') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn exit_code_out_of_range() {
    check(
        "[program:x]\ncommand=ls\nexitcodes=0,256\n",
        "not a valid list of exit codes: '0,256' (option 'exitcodes') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn bad_autorestart() {
    check(
        "[program:x]\ncommand=ls\nautorestart=Sometimes\n",
        "invalid 'autorestart' value 'sometimes' (option 'autorestart') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn bad_umask() {
    check(
        "[program:x]\ncommand=ls\numask=999\n",
        "999 can not be converted to an octal type (option 'umask') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn bad_byte_size() {
    check(
        "[program:x]\ncommand=ls\nstdout_logfile_maxbytes=5XB\n",
        "invalid literal for int() with base 10: '5xb' (option 'stdout_logfile_maxbytes') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn logfile_dir_missing() {
    check(
        "[program:x]\ncommand=ls\nstdout_logfile=/nonexistent/dir/x.log\n",
        "The directory named as part of the path /nonexistent/dir/x.log does not exist (option 'stdout_logfile') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn numprocs_without_process_num() {
    check(
        "[program:x]\ncommand=ls\nnumprocs=2\n",
        "%(process_num) must be present within process_name when numprocs > 1 in section 'program:x' (file: '{f}')",
    );
}

/// Python would build processes until memory ran out; we aborted reserving room for them.
#[test]
fn numprocs_above_pid_max_limit() {
    check(
        "[program:x]\ncommand=ls\nprocess_name=%(process_num)s\nnumprocs=99999999999\n",
        "99999999999 is above upper bound (4194304) (option 'numprocs') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn stopasgroup_without_killasgroup() {
    check(
        "[program:x]\ncommand=ls\nstopasgroup=true\nkillasgroup=false\n",
        "Cannot set stopasgroup=true and killasgroup=false in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn number_format_of_text() {
    check(
        "[program:x]\ncommand=ls %(program_name)d\n",
        "Format string 'ls %(program_name)d' for 'program:x.command' is badly formatted: %d format: a real number is required, not str in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn unknown_user() {
    check(
        "[program:x]\ncommand=ls\nuser=no-such-user-xyz\n",
        "Invalid user name no-such-user-xyz (option 'user') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn environment_missing_value() {
    check(
        "[program:x]\ncommand=ls\nenvironment=A=1,B\n",
        "Unexpected end of key/value pairs in value 'A=1,B' (option 'environment') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn environment_unclosed_quote() {
    check(
        "[program:x]\ncommand=ls\nenvironment=A=\"1\n",
        "No closing quotation (option 'environment') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn program_name_with_space() {
    check(
        "[program:a b]\ncommand=ls\n",
        "Invalid name: 'a b' because of character: ' ' in section 'program:a b' (file: '{f}')",
    );
}

#[test]
fn group_names_unknown_program() {
    check(
        "[program:a]\ncommand=ls\n[group:g]\nprograms=a,zzz\n",
        "[group:g] names unknown program or fcgi-program zzz (file: '{f}')",
    );
}

#[test]
fn group_member_ambiguous() {
    check(
        "[program:a]\ncommand=ls\n[fcgi-program:a]\ncommand=ls\nsocket=unix:///tmp/a.sock\n[group:g]\nprograms=a\n",
        "[group:g] name a is ambiguous (exists as program and fcgi-program) (file: '{f}')",
    );
}

#[test]
fn listener_without_events() {
    check(
        "[eventlistener:l]\ncommand=ls\n",
        "[eventlistener:l] section requires an \"events\" line (file: '{f}')",
    );
}

#[test]
fn listener_unknown_event() {
    check(
        "[eventlistener:l]\ncommand=ls\nevents=BOGUS\n",
        "Unknown event type BOGUS in [eventlistener:l] events (file: '{f}')",
    );
}

#[test]
fn listener_redirect_stderr() {
    check(
        "[eventlistener:l]\ncommand=ls\nevents=TICK_5\nredirect_stderr=true\n",
        "[eventlistener:l] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol (file: '{f}')",
    );
}

#[test]
fn listener_buffer_size_zero() {
    check(
        "[eventlistener:l]\ncommand=ls\nevents=TICK_5\nbuffer_size=0\n",
        "[eventlistener:l] section sets invalid buffer_size (0) (file: '{f}')",
    );
}

#[test]
fn fcgi_without_socket() {
    check(
        "[fcgi-program:f]\ncommand=ls\n",
        "[fcgi-program:f] section requires a \"socket\" line (file: '{f}')",
    );
}

#[test]
fn fcgi_relative_unix_socket() {
    check(
        "[fcgi-program:f]\ncommand=ls\nsocket=unix://rel.sock\n",
        "Unix socket path rel.sock is not an absolute path in [fcgi-program:f] socket (file: '{f}')",
    );
}

#[test]
fn fcgi_bad_socket_scheme() {
    check(
        "[fcgi-program:f]\ncommand=ls\nsocket=udp://x\n",
        "Bad socket format udp://x in [fcgi-program:f] socket (file: '{f}')",
    );
}

#[test]
fn fcgi_mode_on_tcp_socket() {
    check(
        "[fcgi-program:f]\ncommand=ls\nsocket=tcp://localhost:9000\nsocket_mode=0700\n",
        "socket_owner and socket_mode params should only be used with a Unix domain socket in [fcgi-program:f] socket (file: '{f}')",
    );
}

#[test]
fn fcgi_backlog_zero() {
    check(
        "[fcgi-program:f]\ncommand=ls\nsocket=tcp://localhost:9000\nsocket_backlog=0\n",
        "Invalid socket_backlog value 0 in section 'fcgi-program:f' (file: '{f}')",
    );
}

#[test]
fn inet_without_port() {
    check(
        "[inet_http_server]\nusername=a\npassword=b\n",
        "section [inet_http_server] has no port value (file: '{f}')",
    );
}

#[test]
fn inet_port_too_large() {
    check(
        "[inet_http_server]\nport=127.0.0.1:70000\n",
        "70000 is above upper bound (65535) (option 'port') in section 'inet_http_server' (file: '{f}')",
    );
}

#[test]
fn inet_username_without_password() {
    check(
        "[inet_http_server]\nport=9001\nusername=a\n",
        "Section [inet_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified (file: '{f}')",
    );
}

#[test]
fn unix_without_file() {
    check(
        "[unix_http_server]\nchmod=0700\n",
        "section [unix_http_server] has no file value (file: '{f}')",
    );
}

#[test]
fn unix_bad_chmod() {
    check(
        "[unix_http_server]\nfile=/tmp/x.sock\nchmod=999\n",
        "Invalid chmod value 999 in section 'unix_http_server' (file: '{f}')",
    );
}

#[test]
fn unix_unknown_chown_user() {
    check(
        "[unix_http_server]\nfile=/tmp/x.sock\nchown=no-such-user-xyz\n",
        "Invalid sockchown value no-such-user-xyz in section 'unix_http_server' (file: '{f}')",
    );
}

#[test]
fn rpcinterface_without_factory() {
    check(
        "[rpcinterface:x]\nfoo=bar\n",
        "section [rpcinterface:x] does not specify a supervisor.rpcinterface_factory (file: '{f}')",
    );
}

#[test]
fn supervisord_bad_minfds() {
    check(
        "minfds=lots\n",
        "invalid literal for int() with base 10: 'lots' (option 'minfds') in section 'supervisord' (file: '{f}')",
    );
}

#[test]
fn supervisord_bad_loglevel() {
    check(
        "loglevel=loud\n",
        "bad logging level name 'loud' (option 'loglevel') in section 'supervisord' (file: '{f}')",
    );
}

#[test]
fn supervisord_missing_directory() {
    check(
        "directory=/nonexistent/dir\n",
        "/nonexistent/dir is not an existing directory (option 'directory') in section 'supervisord' (file: '{f}')",
    );
}

#[test]
fn supervisord_logfile_dir_missing() {
    check(
        "logfile=/nonexistent/dir/s.log\n",
        "The directory named as part of the path /nonexistent/dir/s.log does not exist (option 'logfile') in section 'supervisord' (file: '{f}')",
    );
}

#[test]
fn include_without_files() {
    check(
        "[include]\n",
        ".ini file has [include] section, but no files setting (file: '{f}')",
    );
}

#[test]
fn bad_priority() {
    check(
        "[program:x]\ncommand=ls\npriority=high\n",
        "invalid literal for int() with base 10: 'high' (option 'priority') in section 'program:x' (file: '{f}')",
    );
}

/// Expansion errors list every available name (all `ENV_*` of the environment), so only the
/// fixed ends of the line are compared.
fn check_ends(body: &str, start: &str, end: &str) {
    let (message, file) = error_of(body);
    assert!(message.starts_with(start), "{message}");
    assert!(message.ends_with(&end.replace("{f}", &file)), "{message}");
}

#[test]
fn unknown_expansion_name_in_command() {
    check_ends(
        "[program:x]\ncommand=ls %(foo)s\n",
        "Format string 'ls %(foo)s' for 'program:x.command' contains names ('foo') which cannot be expanded. Available names: ENV_",
        ", group_name, here, host_node_name, numprocs, process_num, program_name in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn unknown_expansion_name_in_supervisord_environment() {
    check_ends(
        "environment=A=%(nope)s\n",
        "Format string 'A=%(nope)s' for 'supervisord.environment' contains names ('nope')",
        ", here in section 'supervisord' (file: '{f}')",
    );
}

#[test]
fn group_priority_cannot_use_program_name() {
    check_ends(
        "[program:a]\ncommand=ls\n[group:g]\nprograms=a\npriority=%(program_name)s\n",
        "Format string '%(program_name)s' for 'group:g.priority' contains names ('program_name')",
        ", here in section 'group:g' (file: '{f}')",
    );
}

#[test]
fn foreign_rpcinterface_factory_refused() {
    check(
        "[rpcinterface:x]\nsupervisor.rpcinterface_factory = mypkg.rpc:make\n",
        "mypkg.rpc:make cannot be resolved: this supervisord provides only supervisor.rpcinterface:make_main_rpcinterface (option 'supervisor.rpcinterface_factory') in section 'rpcinterface:x' (file: '{f}')",
    );
}

/// Python's start stops in `make_http_servers`: `make_main_rpcinterface(supervisord)` takes
/// no keyword arguments, and every other option of the section (`[DEFAULT]`'s too) is one.
#[test]
fn unknown_key_for_stock_rpcinterface() {
    check(
        "[unix_http_server]\nfile=/tmp/x.sock\n[rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
         Bar = 1\nfoo = 2\n",
        "Could not make supervisor rpc interface: make_main_rpcinterface() got an unexpected keyword argument 'bar' in section 'rpcinterface:supervisor' (file: '{f}')",
    );
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
fn foreign_result_handler_refused() {
    check(
        "[eventlistener:l]\ncommand=ls\nevents=TICK_5\nresult_handler=my.mod:handler\n",
        "my.mod:handler cannot be resolved within [eventlistener:l] (file: '{f}')",
    );
}

#[test]
fn unparsable_lines_are_listed_like_python() {
    check(
        "[program:x]\ncommand=ls\nthis is not an option\n",
        "Source contains parsing errors: '{f}'\n\t[line  4]: 'this is not an option\\n'",
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

#[test]
fn bad_backoff() {
    check(
        "[program:x]\ncommand=ls\nbackoff=quadratic\n",
        "invalid 'backoff' value 'quadratic' (linear or exponential) (option 'backoff') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn bad_essential() {
    check(
        "[program:x]\ncommand=ls\nessential=sometimes\n",
        "not a valid boolean value: 'sometimes' (option 'essential') in section 'program:x' (file: '{f}')",
    );
}

/// An extension (`stdout_log_prefix`), in the same shape as Supervisor's value errors.
#[test]
fn unknown_log_prefix_field() {
    check(
        "[program:x]\ncommand=ls\nstdout_log_prefix=time,bogus\n",
        "not a valid log prefix: 'time,bogus' ('bogus' is not time, name or stream) (option 'stdout_log_prefix') in section 'program:x' (file: '{f}')",
    );
    check(
        "[fcgi-program:x]\ncommand=ls\nsocket=tcp://localhost:9000\nstderr_log_prefix=stream,stream\n",
        "not a valid log prefix: 'stream,stream' ('stream' is given twice) (option 'stderr_log_prefix') in section 'fcgi-program:x' (file: '{f}')",
    );
}

#[test]
fn depends_on_cycle() {
    check(
        "[program:a]\ncommand=ls\ndepends_on=b\n[program:b]\ncommand=ls\ndepends_on=group:c\n\
         [program:c]\ncommand=ls\ndepends_on=a\n",
        "depends_on cycle: a -> b -> c -> a (option 'depends_on') in section 'program:a' (file: '{f}')",
    );
}

#[test]
fn depends_on_unknown_name() {
    check(
        "[program:x]\ncommand=ls\ndepends_on=x_db\n",
        "depends_on names no program, process or group: 'x_db' (option 'depends_on') in section 'program:x' (file: '{f}')",
    );
}
