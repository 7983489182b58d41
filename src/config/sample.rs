//! The sample configuration printed by `supervisord echo-conf` (Supervisor's
//! `echo_supervisord_conf`): every section and option with its default, commented out where
//! it is optional. Written for this project; it loads with our loader and with Python
//! Supervisor's (both are tested). The program-like sections are listed from the option
//! table (`program_options.rs`), so they show exactly the options and defaults the loader
//! uses.

use std::sync::OnceLock;

use super::program_options::{OptionDefault, ProgramOption, SectionKind, OPTIONS};

/// A complete, commented sample supervisord.conf.
pub fn sample_config() -> &'static str {
    static SAMPLE: OnceLock<String> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let mut text = String::from(HEAD);
        for (kind, intro) in PROGRAM_SECTIONS {
            text.push_str(intro);
            text.push_str(&program_section(kind));
            text.push('\n');
        }
        text.push_str(TAIL);
        text
    })
}

/// The options of a `kind` section in table order, commented out, each with the value it
/// takes when left out (an example where there is none) and what it means.
fn program_section(kind: SectionKind) -> String {
    let mut text = String::new();
    for option in OPTIONS.iter().filter(|o| shown_in(o, kind)) {
        let setting = format!(";{}={}", option.name, option.sample_value(kind));
        text.push_str(&format!("{setting:<30} ; {}\n", option.sample_comment()));
    }
    text
}

/// `[program:x]` shows every option; the other sections those they require, those a
/// program lacks and those whose default differs (their introductions point at the rest).
fn shown_in(option: &ProgramOption, kind: SectionKind) -> bool {
    let program = SectionKind::Program;
    option.applies_to(kind)
        && (kind == program
            || matches!(option.default, OptionDefault::Required { .. })
            || !option.applies_to(program)
            || option.default_in(kind) != option.default_in(program))
}

/// Each program-like section's introduction, ending with its (commented) header.
const PROGRAM_SECTIONS: [(SectionKind, &str); 3] = [
    (
        SectionKind::Program,
        "; A program. Make one [program:x] section per program you want supervised.
;[program:theprogramname]
",
    ),
    (
        SectionKind::EventListener,
        "; An event listener pool: the program options above (except
; stdout_capture_maxbytes: stdout carries the listener protocol), and these,
; which are its own or have another default.
;[eventlistener:theeventlistenername]
",
    ),
    (
        SectionKind::FcgiProgram,
        "; A FastCGI program: the program options above, and a socket that supervisord
; opens and hands to every process of the group as its stdin.
;[fcgi-program:thefcgiprogramname]
",
    ),
];

const HEAD: &str = r#"; Sample supervisor config file (supervisord.conf), for this supervisord.
;
; Every option is shown with its default; in program sections an option that
; has none shows an example, and its comment says what leaving it out does.
; Lines starting with ';' are comments; remove the ';' to use an option.
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
;metrics=false              ; ours: serve Prometheus metrics at GET /metrics

; The HTTP server on a TCP port is off unless this section is present. It has
; no encryption: bind it to localhost or a trusted network only, and set a
; username and password.
;[inet_http_server]
;port=127.0.0.1:9001        ; host:port, *:port or :port for all interfaces
;username=user              ; default is no username (open server)
;password=123               ; default is no password (open server)
;metrics=false              ; ours: serve Prometheus metrics at GET /metrics

[supervisord]
logfile=/tmp/supervisord.log ; main log; default $CWD/supervisord.log
logfile_maxbytes=50MB        ; rotate the main log past this size; 0 = never
logfile_backups=10           ; rotated main logs kept; 0 = none
;logfile_rotate=daily        ; ours: also rotate hourly, daily, every 30s/15m/2h; or size
;logfile_compress=false      ; ours: gzip the rotated main logs (x.log.1.gz)
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
;essential=false             ; ours: every program ends supervisord when it ends for good
;sd_notify=auto              ; ours: tell systemd of start, reload, stop; or off
;sd_notify_ready=started     ; ours: READY=1 when serving, or settled: programs up
;metrics_process_group=false ; ours: CPU and memory figures sum each process group
;metrics_sample_interval=5   ; ours: seconds between CPU/memory samples while watched

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

"#;

const TAIL: &str = r#"; A group of programs managed together ("supervisorctl start thegroupname:*").
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
