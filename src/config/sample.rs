//! The sample configuration printed by `supervisord echo-conf` (Supervisor's
//! `echo_supervisord_conf`): every section and option with its default, commented out where
//! it is optional. Written for this project; it loads with our loader and with Python
//! Supervisor's (both are tested).

/// A complete, commented sample supervisord.conf.
pub fn sample_config() -> &'static str {
    SAMPLE
}

const SAMPLE: &str = r#"; Sample supervisor config file (supervisord.conf), for this supervisord.
;
; Every option is shown with its default. Lines starting with ';' are comments;
; remove the ';' to use an option.
;
; Good to know:
; - A comment after a value needs whitespace before it: "a=b ;note", not
;   "a=b;note". So "command=sh -c 'x ; y'" is cut at " ;": write "x;y".
; - Quotes are kept as written, except in environment= values, where
;   KEY="a, b" protects a comma.
; - %(here)s is the directory of the file a section is in; %(ENV_HOME)s is
;   an environment variable; %(program_name)s, %(process_num)02d,
;   %(group_name)s, %(numprocs)d and %(host_node_name)s work in program
;   sections. Write %% for a literal percent sign.
; - The /tmp paths below are only examples: some systems clean /tmp, and
;   supervisorctl cannot connect once the socket file is gone.

[unix_http_server]
file=/tmp/supervisor.sock   ; the socket path (required in this section)
;chmod=0700                 ; socket file mode; default 0700
;chown=nobody:nogroup       ; socket file owner as user[:group]
;username=user              ; username and password: both or neither
;password=123               ; clear text, or {SHA}<hex sha1 of the password>

; The HTTP server on a TCP port is off unless this section is present. It has
; no encryption: bind it to localhost or a trusted network only, and set a
; username and password.
;[inet_http_server]
;port=127.0.0.1:9001        ; host:port, *:port or :port for all interfaces
;username=user              ; default is no username (open server)
;password=123               ; default is no password (open server)

[supervisord]
logfile=/tmp/supervisord.log ; main log; default $CWD/supervisord.log
logfile_maxbytes=50MB        ; rotate the main log past this size; 0 = never
logfile_backups=10           ; rotated main logs kept; 0 = none
loglevel=info                ; critical, error, warn, info, debug, trace, blather
pidfile=/tmp/supervisord.pid ; default $CWD/supervisord.pid
nodaemon=false               ; true: stay in the foreground
silent=false                 ; true (with nodaemon): no log copy on stdout
minfds=1024                  ; file descriptors needed to start; default 1024
minprocs=200                 ; processes needed to start; default 200
;umask=022                   ; umask of the daemon and its children; default 022
;user=supervisord            ; switch to this user after start (when root)
;identifier=supervisor       ; name of this supervisor over RPC; default supervisor
;directory=/tmp              ; chdir here when daemonizing; default: no chdir
;nocleanup=true              ; keep old AUTO child logs at start; default false
;childlogdir=/tmp            ; where AUTO child logs go; default the temp dir
;environment=KEY="value"     ; added to every child's environment
;strip_ansi=false            ; strip ANSI escapes from child logs; default false

; RPC interface: supervisorctl and the web page need this section.
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

; How supervisorctl reaches the daemon: match [unix_http_server] or
; [inet_http_server] above.
[supervisorctl]
serverurl=unix:///tmp/supervisor.sock ; unix:// for a socket path
;serverurl=http://127.0.0.1:9001      ; http:// for a TCP server
;username=chris               ; as in the *_http_server section, if set
;password=123                 ; as in the *_http_server section, if set
;prompt=mysupervisor          ; prompt of the interactive shell; default supervisor
;history_file=~/.sc_history   ; readline history of the interactive shell

; A program: every option, with its default. Make one [program:x] section per
; program you want supervised.
;[program:theprogramname]
;command=/bin/cat              ; the program (relative paths use PATH; may take args)
;process_name=%(program_name)s ; must contain %(process_num) when numprocs > 1
;numprocs=1                    ; how many copies to run; default 1
;directory=/tmp                ; chdir here before exec; default: no chdir
;umask=022                     ; umask of the child; default: the daemon's
;priority=999                  ; start order (low first), stop order (high first)
;autostart=true                ; start when supervisord starts; default true
;startsecs=1                   ; seconds up before counting as started; default 1
;startretries=3                ; failed starts in a row before FATAL; default 3
;autorestart=unexpected        ; restart on exit: false, unexpected or true
;exitcodes=0                   ; exit codes that are "expected"; default 0
;stopsignal=QUIT               ; signal to stop with; default TERM
;stopwaitsecs=10               ; wait this long before SIGKILL; default 10
;stopasgroup=false             ; send stopsignal to the process group; default false
;killasgroup=false             ; send SIGKILL to the process group; default false
;user=chrism                   ; run as this user (when supervisord is root)
;redirect_stderr=true          ; send stderr to the stdout log; default false
;stdout_logfile=/a/path        ; stdout log: a path, NONE, or AUTO (the default)
;stdout_logfile_maxbytes=1MB   ; rotate past this size; 0 = never; default 50MB
;stdout_logfile_backups=10     ; rotated logs kept; 0 = none; default 10
;stdout_capture_maxbytes=1MB   ; capture-mode buffer size; default 0 (off)
;stdout_events_enabled=false   ; emit PROCESS_LOG_STDOUT events; default false
;stdout_syslog=false           ; also send stdout to syslog; default false
;stderr_logfile=/a/path        ; stderr log: a path, NONE, or AUTO (the default)
;stderr_logfile_maxbytes=1MB   ; rotate past this size; 0 = never; default 50MB
;stderr_logfile_backups=10     ; rotated logs kept; 0 = none; default 10
;stderr_capture_maxbytes=1MB   ; capture-mode buffer size; default 0 (off)
;stderr_events_enabled=false   ; emit PROCESS_LOG_STDERR events; default false
;stderr_syslog=false           ; also send stderr to syslog; default false
;environment=A="1",B="2"       ; added to the child's environment
;serverurl=AUTO                ; SUPERVISOR_SERVER_URL for the child; default AUTO

; An event listener pool: the program options above (except
; stdout_capture_maxbytes, since stdout carries the listener protocol), plus
; events, buffer_size and result_handler.
;[eventlistener:theeventlistenername]
;command=/bin/eventlistener    ; the listener program
;process_name=%(program_name)s ; must contain %(process_num) when numprocs > 1
;numprocs=1                    ; how many listeners in the pool; default 1
;events=EVENT                  ; event types to receive (required), comma separated
;buffer_size=10                ; events queued before the oldest is dropped; default 10
;directory=/tmp                ; chdir here before exec; default: no chdir
;umask=022                     ; umask of the child; default: the daemon's
;priority=-1                   ; start order (low first); default -1
;autostart=true                ; start when supervisord starts; default true
;startsecs=1                   ; seconds up before counting as started; default 1
;startretries=3                ; failed starts in a row before FATAL; default 3
;autorestart=unexpected        ; restart on exit: false, unexpected or true
;exitcodes=0                   ; exit codes that are "expected"; default 0
;stopsignal=QUIT               ; signal to stop with; default TERM
;stopwaitsecs=10               ; wait this long before SIGKILL; default 10
;stopasgroup=false             ; send stopsignal to the process group; default false
;killasgroup=false             ; send SIGKILL to the process group; default false
;user=chrism                   ; run as this user (when supervisord is root)
;redirect_stderr=false         ; must stay false for event listeners
;stdout_logfile=/a/path        ; stdout log: a path, NONE, or AUTO (the default)
;stdout_logfile_maxbytes=1MB   ; rotate past this size; 0 = never; default 50MB
;stdout_logfile_backups=10     ; rotated logs kept; 0 = none; default 10
;stdout_events_enabled=false   ; emit PROCESS_LOG_STDOUT events; default false
;stdout_syslog=false           ; also send stdout to syslog; default false
;stderr_logfile=/a/path        ; stderr log: a path, NONE, or AUTO (the default)
;stderr_logfile_maxbytes=1MB   ; rotate past this size; 0 = never; default 50MB
;stderr_logfile_backups=10     ; rotated logs kept; 0 = none; default 10
;stderr_capture_maxbytes=1MB   ; capture-mode buffer size; default 0 (off)
;stderr_events_enabled=false   ; emit PROCESS_LOG_STDERR events; default false
;stderr_syslog=false           ; also send stderr to syslog; default false
;environment=A="1",B="2"       ; added to the child's environment
;serverurl=AUTO                ; SUPERVISOR_SERVER_URL for the child; default AUTO

; A FastCGI program: the program options plus a socket that supervisord opens
; and hands to every process of the group as its stdin.
;[fcgi-program:thefcgiprogramname]
;command=/usr/bin/php-cgi      ; the program
;socket=unix:///tmp/%(program_name)s.sock ; or tcp://host:port (required)
;socket_backlog=1024           ; listen() backlog; default the system's SOMAXCONN
;socket_owner=chrism:wheel     ; unix socket owner as user[:group]
;socket_mode=0700              ; unix socket mode; default 0700
;process_name=%(program_name)s_%(process_num)02d
;numprocs=2

; A group of programs managed together ("supervisorctl start thegroupname:*").
; Its programs no longer form groups of their own.
;[group:thegroupname]
;programs=progname1,progname2  ; each names a [program:x] or [fcgi-program:x]
;priority=999                  ; start order of the group; default 999

; More config files, read after this one: space-separated globs, relative to
; this file's directory, each glob's matches in sorted order. An included file
; cannot include further files.
;[include]
;files = relative/directory/*.ini
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_is_shown() {
        for section in [
            "[unix_http_server]",
            ";[inet_http_server]",
            "[supervisord]",
            "[rpcinterface:supervisor]",
            "[supervisorctl]",
            ";[program:",
            ";[eventlistener:",
            ";[fcgi-program:",
            ";[group:",
            ";[include]",
        ] {
            assert!(sample_config().contains(section), "{section}");
        }
    }
}
