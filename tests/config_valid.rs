//! Valid configs: every default, the expansions, includes, numprocs, `environment=` quoting,
//! ordering, servers, command-line overrides, and the shipped samples (which must also load
//! with Python Supervisor's own parser).

mod config_util;

use std::path::{Path, PathBuf};
use std::process::Command;

use config_util::ConfDir;
use supervisord::config::{
    load, sample::sample_config, AutoRestart, Backoff, Config, ConfigNote, GroupKind, LogLevel,
    LogTarget, Overrides, ProcessConfig,
};

fn load_ok(dir: &ConfDir, text: &str) -> Config {
    dir.load(text).unwrap_or_else(|e| panic!("{}", e.message))
}

fn only_process(config: &Config) -> &ProcessConfig {
    assert_eq!(config.groups.len(), 1);
    &config.groups[0].processes[0]
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn supervisord_defaults() {
    let dir = ConfDir::new();
    let config = load_ok(&dir, "[supervisord]\n");
    let s = &config.supervisord;
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(s.logfile, LogTarget::Path(cwd.join("supervisord.log")));
    assert_eq!(s.logfile_maxbytes, 50 * 1024 * 1024);
    assert_eq!(s.logfile_backups, 10);
    assert_eq!(s.loglevel, LogLevel::Info);
    assert_eq!(s.pidfile, cwd.join("supervisord.pid"));
    assert_eq!(s.umask, 0o22);
    assert!(!s.nodaemon && !s.silent && !s.nocleanup && !s.strip_ansi);
    assert_eq!((s.minfds, s.minprocs), (1024, 200));
    assert_eq!(s.childlogdir, std::env::temp_dir());
    assert_eq!((s.user.clone(), s.directory.clone()), (None, None));
    assert!(s.environment.is_empty());
    assert_eq!(s.identifier, "supervisor");
    assert!(config.unix_http_server.is_none() && config.inet_http_servers.is_empty());
    assert_eq!(config.supervisorctl.serverurl, "http://localhost:9001");
    assert_eq!(config.supervisorctl.prompt, "supervisor");
    assert!(config.groups.is_empty() && config.rpcinterfaces.is_empty());
    assert_eq!(config.path, dir.path().join("supervisord.conf"));
}

#[test]
fn program_defaults() {
    let dir = ConfDir::new();
    let config = load_ok(&dir, "[supervisord]\n[program:x]\ncommand=/bin/cat\n");
    let group = &config.groups[0];
    assert_eq!((group.name.as_str(), group.priority), ("x", 999));
    assert_eq!(group.kind, GroupKind::Program);
    let p = only_process(&config);
    assert_eq!((p.name.as_str(), p.program_name.as_str()), ("x", "x"));
    assert_eq!(p.command, "/bin/cat");
    assert_eq!(p.priority, 999);
    assert!(p.autostart);
    assert_eq!((p.startsecs, p.startretries), (1, Some(3)));
    assert_eq!(p.autorestart, AutoRestart::Unexpected);
    assert_eq!(p.exitcodes, vec![0]);
    assert_eq!((p.stopsignal, p.stopwaitsecs), (libc::SIGTERM, 10));
    assert!(!p.stopasgroup && !p.killasgroup && !p.redirect_stderr);
    assert_eq!((p.user.clone(), p.uid), (None, None));
    for stream in [&p.stdout, &p.stderr] {
        assert_eq!(stream.logfile, LogTarget::Auto);
        assert_eq!(stream.logfile_maxbytes, 50 * 1024 * 1024);
        assert_eq!(stream.logfile_backups, 10);
        assert_eq!(stream.capture_maxbytes, 0);
        assert!(!stream.events_enabled && !stream.syslog);
    }
    assert!(p.environment.is_empty());
    assert_eq!(
        (p.directory.clone(), p.umask, p.serverurl.clone()),
        (None, None, None)
    );
    assert_eq!(p.process_num, 0);
}

#[test]
fn program_options_read() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[program:x]\ncommand=run\npriority=5\nautostart=no\nstartsecs=0\n\
                startretries=7\nautorestart=true\nexitcodes=0,2\nstopsignal=kill\nstopwaitsecs=3\n\
                stopasgroup=true\nuser=root\nredirect_stderr=yes\nstdout_logfile=NONE\n\
                stdout_logfile_maxbytes=1KB\nstdout_logfile_backups=0\nstdout_capture_maxbytes=2KB\n\
                stdout_events_enabled=on\nstdout_syslog=1\ndirectory=/tmp\numask=002\n\
                serverurl=http://127.0.0.1:9001\n";
    let p = only_process(&load_ok(&dir, text)).clone();
    assert_eq!(
        (p.priority, p.autostart, p.startsecs, p.startretries),
        (5, false, 0, Some(7))
    );
    assert_eq!(p.autorestart, AutoRestart::True);
    assert_eq!(p.exitcodes, vec![0, 2]);
    assert_eq!((p.stopsignal, p.stopwaitsecs), (libc::SIGKILL, 3));
    assert!(
        p.stopasgroup && p.killasgroup,
        "killasgroup follows stopasgroup"
    );
    assert_eq!((p.user.as_deref(), p.uid), (Some("root"), Some(0)));
    assert!(p.redirect_stderr);
    assert_eq!(p.stdout.logfile, LogTarget::None);
    assert_eq!(
        (p.stdout.logfile_maxbytes, p.stdout.logfile_backups),
        (1024, 0)
    );
    assert_eq!(p.stdout.capture_maxbytes, 2048);
    assert!(p.stdout.events_enabled && p.stdout.syslog);
    assert_eq!(
        p.stderr.logfile,
        LogTarget::None,
        "redirected stderr has no log"
    );
    assert_eq!(p.directory, Some(PathBuf::from("/tmp")));
    assert_eq!(p.umask, Some(0o2));
    assert_eq!(p.serverurl.as_deref(), Some("http://127.0.0.1:9001"));
}

#[test]
fn expansions_in_program_sections() {
    let dir = ConfDir::new();
    let text = "[supervisord]\nenvironment=GLOBAL=\"g\"\n\
                [group:grp]\nprograms=x\n\
                [program:x]\nenvironment=OWN=o%(process_num)d\n\
                command=echo %(here)s %(program_name)s %(group_name)s %(process_num)02d/%(numprocs)d \
                %(ENV_PATH)s %(ENV_GLOBAL)s %(ENV_OWN)s %(host_node_name)s 100%%\n";
    let p = only_process(&load_ok(&dir, text)).clone();
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    let expected = format!(
        "echo {} x grp 00/1 {} g o0 {host} 100%",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    assert_eq!(p.command, expected);
    assert_eq!(p.environment, pairs(&[("OWN", "o0")]));
}

#[test]
fn numprocs_names_and_order() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[program:w]\ncommand=work %(process_num)d\nnumprocs=3\n\
                numprocs_start=8\nprocess_name=%(program_name)s_%(process_num)02d\n\
                stdout_logfile=%(here)s/%(process_num)d.log\n";
    let config = load_ok(&dir, text);
    let names: Vec<_> = config.groups[0]
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["w_08", "w_09", "w_10"]);
    let last = &config.groups[0].processes[2];
    assert_eq!((last.process_num, last.command.as_str()), (10, "work 10"));
    assert_eq!(
        last.stdout.logfile,
        LogTarget::Path(dir.path().join("10.log"))
    );
}

#[test]
fn environment_quoting() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[program:x]\ncommand=c\n\
                environment=A=\"with, comma\",B='single',C=/usr/bin:/bin,D=\"%(program_name)s\"\n";
    let p = only_process(&load_ok(&dir, text)).clone();
    assert_eq!(
        p.environment,
        pairs(&[
            ("A", "with, comma"),
            ("B", "single"),
            ("C", "/usr/bin:/bin"),
            ("D", "x")
        ])
    );
}

#[test]
fn groups_and_processes_sorted_by_priority_then_name() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[program:b]\ncommand=c\n[program:a]\ncommand=c\n\
                [program:z]\ncommand=c\npriority=1\n\
                [eventlistener:l]\ncommand=c\nevents=tick_5,PROCESS_STATE,TICK_5\n\
                [group:g]\nprograms=m2,m1\npriority=500\n\
                [program:m1]\ncommand=c\npriority=20\n[program:m2]\ncommand=c\npriority=10\n";
    let config = load_ok(&dir, text);
    let names: Vec<_> = config.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["l", "z", "g", "a", "b"]);
    let members: Vec<_> = config.groups[2]
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(members, ["m2", "m1"]);
    let GroupKind::EventListener(pool) = &config.groups[0].kind else {
        panic!("listener pool expected");
    };
    assert_eq!(pool.events, ["TICK_5", "PROCESS_STATE"]);
    assert_eq!(pool.buffer_size, 10);
    assert_eq!(
        pool.result_handler,
        "supervisor.dispatchers:default_handler"
    );
    assert_eq!(config.groups[0].priority, -1);
}

#[test]
fn fcgi_program_socket() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[fcgi-program:php]\ncommand=php-cgi\n\
                socket=unix:///tmp/../tmp/%(program_name)s.sock\nsocket_backlog=64\n";
    let config = load_ok(&dir, text);
    let GroupKind::FastCgi(socket) = &config.groups[0].kind else {
        panic!("fcgi group expected");
    };
    assert_eq!(socket.socket, "unix:///tmp/php.sock");
    assert_eq!(
        (socket.socket_backlog, socket.socket_mode),
        (Some(64), 0o700)
    );
}

#[test]
fn servers_and_ctl() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[unix_http_server]\nfile=%(here)s/sub/../s.sock\nchmod=0770\n\
                chown=root:0\nusername=u\npassword={SHA}abc\n\
                [inet_http_server]\nport=*:9001\n[inet_http_server:local]\nport=LOCALHOST:9002\n\
                [supervisorctl]\nserverurl=unix://%(here)s/s.sock\nprompt=p\n\
                [rpcinterface:supervisor]\n\
                supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n";
    let config = load_ok(&dir, text);
    let unix = config.unix_http_server.unwrap();
    assert_eq!(unix.file, dir.path().join("s.sock"));
    assert_eq!((unix.chmod, unix.chown), (0o770, Some((0, Some(0)))));
    let auth = unix.auth.unwrap();
    assert_eq!(
        (auth.username.as_str(), auth.password.as_str()),
        ("u", "{SHA}abc")
    );
    let inet: Vec<_> = config
        .inet_http_servers
        .iter()
        .map(|s| (s.section.as_str(), s.host.as_str(), s.port))
        .collect();
    assert_eq!(
        inet,
        [
            ("inet_http_server", "", 9001),
            ("inet_http_server:local", "localhost", 9002)
        ]
    );
    let sock = dir.path().join("s.sock");
    assert_eq!(
        config.supervisorctl.serverurl,
        format!("unix://{}", sock.display())
    );
    assert_eq!(config.supervisorctl.prompt, "p");
    assert_eq!(config.rpcinterfaces[0].name, "supervisor");
    assert_eq!(config.rpcinterfaces[0].extra, []);
}

/// Supervisor calls the factory only when it opens an HTTP server, so without one the
/// options the stock factory would refuse are never looked at.
#[test]
fn rpcinterface_options_without_a_server_are_kept() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[rpcinterface:supervisor]\n\
                supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
                retries=3\n";
    let config = load_ok(&dir, text);
    assert_eq!(config.rpcinterfaces[0].extra, pairs(&[("retries", "3")]));
}

#[test]
fn includes_are_relative_sorted_and_reported() {
    let dir = ConfDir::new();
    let b = dir.write("conf.d/b.conf", "[program:b]\ncommand=%(here)s/run\n");
    let a = dir.write(
        "conf.d/a.conf",
        "[program:a]\ncommand=%(here)s/run\npriority=1\n",
    );
    dir.write("conf.d/.hidden.conf", "[program:hidden]\ncommand=x\n");
    let text = "[supervisord]\nlogfile=%(here)s/main.log\n\
                [include]\nfiles=conf.d/*.conf nothing/*.ini\n";
    let config = load_ok(&dir, text);
    let names: Vec<_> = config.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["a", "b"], "dot files are not matched by *");
    let conf_d = dir.path().join("conf.d");
    assert_eq!(
        config.groups[1].processes[0].command,
        format!("{}/run", conf_d.display())
    );
    assert_eq!(
        config.supervisord.logfile,
        LogTarget::Path(dir.path().join("main.log"))
    );
    let missing = dir.path().join("nothing/*.ini");
    assert_eq!(
        config.notes,
        [
            ConfigNote::IncludedFile(a.display().to_string()),
            ConfigNote::IncludedFile(b.display().to_string()),
            ConfigNote::NoFileMatches(missing.display().to_string()),
        ]
    );
    assert_eq!(
        config.files_read,
        [dir.path().join("supervisord.conf"), a, b]
    );
}

#[test]
fn warnings_for_syslog_and_redirect() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[program:x]\ncommand=c\nstdout_logfile=syslog\n\
                redirect_stderr=true\nstderr_logfile=/tmp/e.log\n";
    let config = load_ok(&dir, text);
    let p = only_process(&config);
    assert_eq!(
        (p.stdout.logfile.clone(), p.stdout.syslog),
        (LogTarget::None, true)
    );
    assert_eq!(
        config.notes,
        [
            ConfigNote::SyslogLogfileDeprecated {
                section: "program:x".into(),
                logfile_key: "stdout_logfile",
                syslog_key: "stdout_syslog",
            },
            ConfigNote::RedirectStderrLogfileIgnored {
                section: "program:x".into()
            },
        ]
    );
}

#[test]
fn overrides_win_over_the_file() {
    let dir = ConfDir::new();
    let path = dir.write(
        "supervisord.conf",
        "[supervisord]\nnodaemon=false\nloglevel=warn\nidentifier=file\nminfds=10\n",
    );
    let overrides = Overrides {
        nodaemon: Some(true),
        loglevel: Some(LogLevel::Debug),
        identifier: Some("cli".into()),
        minfds: Some(4096),
        pidfile: Some(PathBuf::from("/tmp/x/../p.pid")),
        logfile: Some(LogTarget::Syslog),
        ..Overrides::default()
    };
    let s = load(&path, &overrides).unwrap().supervisord;
    assert!(s.nodaemon);
    assert_eq!(
        (s.loglevel, s.identifier.as_str(), s.minfds),
        (LogLevel::Debug, "cli", 4096)
    );
    assert_eq!(s.pidfile, PathBuf::from("/tmp/p.pid"));
    assert_eq!(s.logfile, LogTarget::Syslog);
}

#[test]
fn default_section_is_inherited() {
    let dir = ConfDir::new();
    let text = "[DEFAULT]\nstartsecs=7\n[supervisord]\n[program:x]\ncommand=c\n";
    assert_eq!(only_process(&load_ok(&dir, text)).startsecs, 7);
}

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config-samples")
}

/// The shipped samples write under target/, which exists when tests run.
fn sample_files() -> Vec<PathBuf> {
    ["supervisord.conf", "gunicorn.conf", "worker-pool.conf"]
        .iter()
        .map(|f| samples_dir().join(f))
        .collect()
}

#[test]
fn config_samples_load() {
    for file in sample_files() {
        let config = load(&file, &Overrides::default())
            .unwrap_or_else(|e| panic!("{}: {}", file.display(), e.message));
        assert!(!config.groups.is_empty(), "{}", file.display());
    }
    let config = load(
        &samples_dir().join("supervisord.conf"),
        &Overrides::default(),
    )
    .unwrap();
    let workers: Vec<_> = config
        .groups
        .iter()
        .find(|g| g.name == "worker")
        .unwrap()
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(workers, ["worker_00", "worker_01", "worker_02"]);
}

#[test]
fn sample_config_loads() {
    let dir = ConfDir::new();
    let config = load_ok(&dir, sample_config());
    assert!(config.unix_http_server.is_some());
    assert_eq!(config.rpcinterfaces.len(), 1);
}

/// A Python that has Supervisor 4.3 installed: `$SUPERVISOR_PYTHON`, the project's venv, or
/// `python3`.
fn python_with_supervisor() -> String {
    let candidates = [
        std::env::var("SUPERVISOR_PYTHON").unwrap_or_default(),
        "/tmp/pyvenv/bin/python".to_string(),
        "python3".to_string(),
    ];
    candidates
        .into_iter()
        .filter(|p| !p.is_empty())
        .find(|p| {
            Command::new(p)
                .args(["-c", "import supervisor.options"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect(
            "no Python with Supervisor found: `pip install supervisor==4.3.0` (or set \
             SUPERVISOR_PYTHON to a python that has it)",
        )
}

/// Loads `file` with Supervisor's own ServerOptions; returns its error, if any.
fn python_load(python: &str, file: &Path) -> Result<(), String> {
    let script = "import sys, os\nfrom supervisor.options import ServerOptions\n\
                  o = ServerOptions()\no.configfile = sys.argv[1]\n\
                  o.here = os.path.dirname(os.path.abspath(sys.argv[1]))\n\
                  o.process_config_file(False)\n";
    let output = Command::new(python)
        .args(["-c", script])
        .arg(file)
        .output()
        .expect("run python");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn samples_load_with_python_supervisor() {
    let python = python_with_supervisor();
    let dir = ConfDir::new();
    let sample = dir.write("supervisord.conf", sample_config());
    for file in sample_files().into_iter().chain([sample]) {
        if let Err(error) = python_load(&python, &file) {
            panic!("Python Supervisor refuses {}:\n{error}", file.display());
        }
    }
}

#[test]
fn depends_on_loads_here_and_is_ignored_by_python_supervisor() {
    let dir = ConfDir::new();
    let text = "[supervisord]\n[program:db]\ncommand=run\n\
                [program:web]\ncommand=run\ndepends_on = db, group:db\n";
    let config = load_ok(&dir, text);
    let web = config.groups.iter().find(|g| g.name == "web").unwrap();
    assert_eq!(web.processes[0].depends_on, ["db", "group:db"]);
    let file = dir.write("supervisord.conf", text);
    if let Err(error) = python_load(&python_with_supervisor(), &file) {
        panic!("Python Supervisor refuses depends_on:\n{error}");
    }
}

#[test]
fn restart_policy_and_essential_options() {
    let dir = ConfDir::new();
    let p = only_process(&load_ok(&dir, "[supervisord]\n[program:x]\ncommand=run\n")).clone();
    assert_eq!(
        (p.backoff, p.maxbackoff, p.restartpause, p.essential),
        (Backoff::Linear, None, 0, false),
        "left out, they change nothing"
    );
    let text = "[supervisord]\nessential=true\n[program:x]\ncommand=run\nstartretries=-1\n\
                backoff=Exponential\nmaxbackoff=60\nrestartpause=2\n\
                [program:y]\ncommand=run\nessential=false\n";
    let config = load_ok(&dir, text);
    let process = |name: &str| {
        config
            .groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.processes[0].clone())
            .unwrap()
    };
    let x = process("x");
    assert_eq!(
        (x.startretries, x.backoff, x.maxbackoff, x.restartpause),
        (None, Backoff::Exponential, Some(60), 2)
    );
    assert!(x.essential, "[supervisord] essential is the default");
    assert!(!process("y").essential);
}
