//! Invalid configs and the error each must give, in Supervisor's text (where it has one)
//! plus what we add: the option (`(option 'x')`) and, where Python has none, the section and
//! file. Each body follows a `[supervisord]` line; `{f}` in the error stands for the config
//! file's path. Used by tests/config_invalid.rs (the loader) and tests/check_config.rs
//! (`supervisord check-config`).

/// One invalid config.
pub struct Invalid {
    pub name: &'static str,
    pub body: &'static str,
    pub error: Error,
}

/// The error line expected.
pub enum Error {
    // Exactly this.
    Whole(&'static str),
    // Starts and ends so: expansion errors list every available name (all `ENV_*` of the
    // environment), so only the fixed ends of the line are compared.
    Ends(&'static str, &'static str),
}

use Error::{Ends, Whole};

impl Error {
    // Whether `message` is this error, for a config at `file`.
    pub fn matches(&self, message: &str, file: &str) -> bool {
        match self {
            Whole(whole) => message == whole.replace("{f}", file),
            Ends(start, end) => {
                message.starts_with(start) && message.ends_with(&end.replace("{f}", file))
            }
        }
    }
}

pub const INVALID: &[Invalid] = &[
    Invalid {
        name: "bad_boolean",
        body: "[program:x]\ncommand=ls\nautostart=maybe\n",
        error: Whole("not a valid boolean value: 'maybe' (option 'autostart') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "bad_integer",
        body: "[program:x]\ncommand=ls\nstartsecs=soon\n",
        error: Whole("invalid literal for int() with base 10: 'soon' (option 'startsecs') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "missing_command",
        body: "[program:x]\n",
        error: Whole("program section program:x does not specify a command in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "unknown_signal_name",
        body: "[program:x]\ncommand=ls\nstopsignal=BOGUS\n",
        error: Whole("value 'BOGUS' is not a valid signal name (option 'stopsignal') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "unknown_signal_number",
        body: "[program:x]\ncommand=ls\nstopsignal=99\n",
        error: Whole("value '99' is not a valid signal number (option 'stopsignal') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "exit_code_out_of_range",
        body: "[program:x]\ncommand=ls\nexitcodes=0,256\n",
        error: Whole("not a valid list of exit codes: '0,256' (option 'exitcodes') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "bad_autorestart",
        body: "[program:x]\ncommand=ls\nautorestart=Sometimes\n",
        error: Whole("invalid 'autorestart' value 'sometimes' (option 'autorestart') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "bad_umask",
        body: "[program:x]\ncommand=ls\numask=999\n",
        error: Whole("999 can not be converted to an octal type (option 'umask') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "bad_byte_size",
        body: "[program:x]\ncommand=ls\nstdout_logfile_maxbytes=5XB\n",
        error: Whole("invalid literal for int() with base 10: '5xb' (option 'stdout_logfile_maxbytes') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "logfile_dir_missing",
        body: "[program:x]\ncommand=ls\nstdout_logfile=/nonexistent/dir/x.log\n",
        error: Whole("The directory named as part of the path /nonexistent/dir/x.log does not exist (option 'stdout_logfile') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "numprocs_without_process_num",
        body: "[program:x]\ncommand=ls\nnumprocs=2\n",
        error: Whole("%(process_num) must be present within process_name when numprocs > 1 in section 'program:x' (file: '{f}')"),
    },
    // Python would build processes until memory ran out; we aborted reserving room for them.
    Invalid {
        name: "numprocs_above_pid_max_limit",
        body: "[program:x]\ncommand=ls\nprocess_name=%(process_num)s\nnumprocs=99999999999\n",
        error: Whole("99999999999 is above upper bound (4194304) (option 'numprocs') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "stopasgroup_without_killasgroup",
        body: "[program:x]\ncommand=ls\nstopasgroup=true\nkillasgroup=false\n",
        error: Whole("Cannot set stopasgroup=true and killasgroup=false in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "number_format_of_text",
        body: "[program:x]\ncommand=ls %(program_name)d\n",
        error: Whole("Format string 'ls %(program_name)d' for 'program:x.command' is badly formatted: %d format: a real number is required, not str in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "unknown_user",
        body: "[program:x]\ncommand=ls\nuser=no-such-user-xyz\n",
        error: Whole("Invalid user name no-such-user-xyz (option 'user') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "environment_missing_value",
        body: "[program:x]\ncommand=ls\nenvironment=A=1,B\n",
        error: Whole("Unexpected end of key/value pairs in value 'A=1,B' (option 'environment') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "environment_unclosed_quote",
        body: "[program:x]\ncommand=ls\nenvironment=A=\"1\n",
        error: Whole("No closing quotation (option 'environment') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "program_name_with_space",
        body: "[program:a b]\ncommand=ls\n",
        error: Whole("Invalid name: 'a b' because of character: ' ' in section 'program:a b' (file: '{f}')"),
    },
    Invalid {
        name: "group_names_unknown_program",
        body: "[program:a]\ncommand=ls\n[group:g]\nprograms=a,zzz\n",
        error: Whole("[group:g] names unknown program or fcgi-program zzz (file: '{f}')"),
    },
    Invalid {
        name: "group_member_ambiguous",
        body: "[program:a]\ncommand=ls\n[fcgi-program:a]\ncommand=ls\nsocket=unix:///tmp/a.sock\n[group:g]\nprograms=a\n",
        error: Whole("[group:g] name a is ambiguous (exists as program and fcgi-program) (file: '{f}')"),
    },
    Invalid {
        name: "listener_without_events",
        body: "[eventlistener:l]\ncommand=ls\n",
        error: Whole("[eventlistener:l] section requires an \"events\" line (file: '{f}')"),
    },
    Invalid {
        name: "listener_unknown_event",
        body: "[eventlistener:l]\ncommand=ls\nevents=BOGUS\n",
        error: Whole("Unknown event type BOGUS in [eventlistener:l] events (file: '{f}')"),
    },
    Invalid {
        name: "listener_redirect_stderr",
        body: "[eventlistener:l]\ncommand=ls\nevents=TICK_5\nredirect_stderr=true\n",
        error: Whole("[eventlistener:l] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol (file: '{f}')"),
    },
    Invalid {
        name: "listener_buffer_size_zero",
        body: "[eventlistener:l]\ncommand=ls\nevents=TICK_5\nbuffer_size=0\n",
        error: Whole("[eventlistener:l] section sets invalid buffer_size (0) (file: '{f}')"),
    },
    Invalid {
        name: "fcgi_without_socket",
        body: "[fcgi-program:f]\ncommand=ls\n",
        error: Whole("[fcgi-program:f] section requires a \"socket\" line (file: '{f}')"),
    },
    Invalid {
        name: "fcgi_relative_unix_socket",
        body: "[fcgi-program:f]\ncommand=ls\nsocket=unix://rel.sock\n",
        error: Whole("Unix socket path rel.sock is not an absolute path in [fcgi-program:f] socket (file: '{f}')"),
    },
    Invalid {
        name: "fcgi_bad_socket_scheme",
        body: "[fcgi-program:f]\ncommand=ls\nsocket=udp://x\n",
        error: Whole("Bad socket format udp://x in [fcgi-program:f] socket (file: '{f}')"),
    },
    Invalid {
        name: "fcgi_mode_on_tcp_socket",
        body: "[fcgi-program:f]\ncommand=ls\nsocket=tcp://localhost:9000\nsocket_mode=0700\n",
        error: Whole("socket_owner and socket_mode params should only be used with a Unix domain socket in [fcgi-program:f] socket (file: '{f}')"),
    },
    Invalid {
        name: "fcgi_backlog_zero",
        body: "[fcgi-program:f]\ncommand=ls\nsocket=tcp://localhost:9000\nsocket_backlog=0\n",
        error: Whole("Invalid socket_backlog value 0 in section 'fcgi-program:f' (file: '{f}')"),
    },
    Invalid {
        name: "inet_without_port",
        body: "[inet_http_server]\nusername=a\npassword=b\n",
        error: Whole("section [inet_http_server] has no port value (file: '{f}')"),
    },
    Invalid {
        name: "inet_port_too_large",
        body: "[inet_http_server]\nport=127.0.0.1:70000\n",
        error: Whole("70000 is above upper bound (65535) (option 'port') in section 'inet_http_server' (file: '{f}')"),
    },
    Invalid {
        name: "inet_username_without_password",
        body: "[inet_http_server]\nport=9001\nusername=a\n",
        error: Whole("Section [inet_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified (file: '{f}')"),
    },
    Invalid {
        name: "unix_without_file",
        body: "[unix_http_server]\nchmod=0700\n",
        error: Whole("section [unix_http_server] has no file value (file: '{f}')"),
    },
    Invalid {
        name: "unix_bad_chmod",
        body: "[unix_http_server]\nfile=/tmp/x.sock\nchmod=999\n",
        error: Whole("Invalid chmod value 999 in section 'unix_http_server' (file: '{f}')"),
    },
    Invalid {
        name: "unix_unknown_chown_user",
        body: "[unix_http_server]\nfile=/tmp/x.sock\nchown=no-such-user-xyz\n",
        error: Whole("Invalid sockchown value no-such-user-xyz in section 'unix_http_server' (file: '{f}')"),
    },
    Invalid {
        name: "rpcinterface_without_factory",
        body: "[rpcinterface:x]\nfoo=bar\n",
        error: Whole("section [rpcinterface:x] does not specify a supervisor.rpcinterface_factory (file: '{f}')"),
    },
    Invalid {
        name: "supervisord_bad_minfds",
        body: "minfds=lots\n",
        error: Whole("invalid literal for int() with base 10: 'lots' (option 'minfds') in section 'supervisord' (file: '{f}')"),
    },
    Invalid {
        name: "supervisord_bad_loglevel",
        body: "loglevel=loud\n",
        error: Whole("bad logging level name 'loud' (option 'loglevel') in section 'supervisord' (file: '{f}')"),
    },
    Invalid {
        name: "supervisord_missing_directory",
        body: "directory=/nonexistent/dir\n",
        error: Whole("/nonexistent/dir is not an existing directory (option 'directory') in section 'supervisord' (file: '{f}')"),
    },
    Invalid {
        name: "supervisord_logfile_dir_missing",
        body: "logfile=/nonexistent/dir/s.log\n",
        error: Whole("The directory named as part of the path /nonexistent/dir/s.log does not exist (option 'logfile') in section 'supervisord' (file: '{f}')"),
    },
    Invalid {
        name: "include_without_files",
        body: "[include]\n",
        error: Whole(".ini file has [include] section, but no files setting (file: '{f}')"),
    },
    Invalid {
        name: "bad_priority",
        body: "[program:x]\ncommand=ls\npriority=high\n",
        error: Whole("invalid literal for int() with base 10: 'high' (option 'priority') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "foreign_rpcinterface_factory_refused",
        body: "[rpcinterface:x]\nsupervisor.rpcinterface_factory = mypkg.rpc:make\n",
        error: Whole("mypkg.rpc:make cannot be resolved: this supervisord provides only supervisor.rpcinterface:make_main_rpcinterface (option 'supervisor.rpcinterface_factory') in section 'rpcinterface:x' (file: '{f}')"),
    },
    // Python's start stops in `make_http_servers`: `make_main_rpcinterface(supervisord)` takes
    // no keyword arguments, and every other option of the section (`[DEFAULT]`'s too) is one.
    Invalid {
        name: "unknown_key_for_stock_rpcinterface",
        body: "[unix_http_server]\nfile=/tmp/x.sock\n[rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
         Bar = 1\nfoo = 2\n",
        error: Whole("Could not make supervisor rpc interface: make_main_rpcinterface() got an unexpected keyword argument 'bar' in section 'rpcinterface:supervisor' (file: '{f}')"),
    },
    Invalid {
        name: "foreign_result_handler_refused",
        body: "[eventlistener:l]\ncommand=ls\nevents=TICK_5\nresult_handler=my.mod:handler\n",
        error: Whole("my.mod:handler cannot be resolved within [eventlistener:l] (file: '{f}')"),
    },
    Invalid {
        name: "unparsable_lines_are_listed_like_python",
        body: "[program:x]\ncommand=ls\nthis is not an option\n",
        error: Whole("Source contains parsing errors: '{f}'\n\t[line  4]: 'this is not an option\\n'"),
    },
    Invalid {
        name: "bad_backoff",
        body: "[program:x]\ncommand=ls\nbackoff=quadratic\n",
        error: Whole("invalid 'backoff' value 'quadratic' (linear or exponential) (option 'backoff') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "bad_essential",
        body: "[program:x]\ncommand=ls\nessential=sometimes\n",
        error: Whole("not a valid boolean value: 'sometimes' (option 'essential') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "unknown_expansion_name_in_command",
        body: "[program:x]\ncommand=ls %(foo)s\n",
        error: Ends(
            "Format string 'ls %(foo)s' for 'program:x.command' contains names ('foo') which cannot be expanded. Available names: ENV_",
            ", group_name, here, host_node_name, numprocs, process_num, program_name in section 'program:x' (file: '{f}')",
        ),
    },
    Invalid {
        name: "unknown_expansion_name_in_supervisord_environment",
        body: "environment=A=%(nope)s\n",
        error: Ends(
            "Format string 'A=%(nope)s' for 'supervisord.environment' contains names ('nope')",
            ", here in section 'supervisord' (file: '{f}')",
        ),
    },
    Invalid {
        name: "group_priority_cannot_use_program_name",
        body: "[program:a]\ncommand=ls\n[group:g]\nprograms=a\npriority=%(program_name)s\n",
        error: Ends(
            "Format string '%(program_name)s' for 'group:g.priority' contains names ('program_name')",
            ", here in section 'group:g' (file: '{f}')",
        ),
    },
    // An extension (`stdout_log_prefix`), in the same shape as Supervisor's value errors.
    Invalid {
        name: "unknown_log_prefix_field",
        body: "[program:x]\ncommand=ls\nstdout_log_prefix=time,bogus\n",
        error: Whole("not a valid log prefix: 'time,bogus' ('bogus' is not time, name or stream) (option 'stdout_log_prefix') in section 'program:x' (file: '{f}')"),
    },
    Invalid {
        name: "repeated_log_prefix_field",
        body: "[fcgi-program:x]\ncommand=ls\nsocket=tcp://localhost:9000\nstderr_log_prefix=stream,stream\n",
        error: Whole("not a valid log prefix: 'stream,stream' ('stream' is given twice) (option 'stderr_log_prefix') in section 'fcgi-program:x' (file: '{f}')"),
    },
    Invalid {
        name: "depends_on_cycle",
        body: "[program:a]\ncommand=ls\ndepends_on=b\n[program:b]\ncommand=ls\ndepends_on=group:c\n\
               [program:c]\ncommand=ls\ndepends_on=a\n",
        error: Whole("depends_on cycle: a -> b -> c -> a (option 'depends_on') in section 'program:a' (file: '{f}')"),
    },
    Invalid {
        name: "depends_on_unknown_name",
        body: "[program:x]\ncommand=ls\ndepends_on=x_db\n",
        error: Whole("depends_on names no program, process or group: 'x_db' (option 'depends_on') in section 'program:x' (file: '{f}')"),
    },
];
