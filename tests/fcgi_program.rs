//! `[fcgi-program:x]` end to end with software nobody here wrote: Debian's nginx in front
//! (`fastcgi_pass` to the group's socket), Debian's fcgiwrap as the program (started without
//! `-s`, it accepts on its fd 0, which is Supervisor's model), a CGI shell script that prints
//! the pid of the fcgiwrap that ran it, curl through nginx and libfcgi's `cgi-fcgi` straight at
//! the socket; the stock Python supervisorctl drives the daemon. scripts/setup-test-deps.sh
//! installs them all; a missing one fails the test.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::py::{ctl, rpc_script, CTL_SECTIONS};
use common::{wait_for, Daemon, DEADLINE};

/// The CGI script: its parent is the fcgiwrap process that accepted the request.
const PID_CGI: &str =
    "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"pid $PPID\"\n";

/// fcgiwrap behind a shell that says who it runs as on stdout (captured as for any program)
/// before it becomes fcgiwrap, keeping fd 0, the socket.
const FCGIWRAP: &str =
    "command=/bin/sh -c \"echo fcgiwrap starting as $(id -un); exec /usr/sbin/fcgiwrap\"\n";

/// A daemon whose temp dir others may search (nginx's workers reach the socket, `nobody` runs
/// the script), with the CGI script in it.
fn prepare(sections: &str) -> Daemon {
    let d = Daemon::prepare(&format!("{CTL_SECTIONS}{sections}"));
    std::fs::set_permissions(d.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = d.path("pid.cgi");
    std::fs::write(&script, PID_CGI).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// (name, state name, pid, spawnerr) of each process of `group`, from getAllProcessInfo.
fn group_info(d: &Daemon, group: &str) -> Vec<(String, String, i64, String)> {
    let infos = rpc_script(d, "done(s.supervisor.getAllProcessInfo())");
    infos
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["group"] == group)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["statename"].as_str().unwrap().to_string(),
                p["pid"].as_i64().unwrap(),
                p["spawnerr"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Waits until every process of `group` is in `state`; returns their pids.
fn wait_group(d: &Daemon, group: &str, state: &str) -> BTreeSet<i64> {
    wait_for(
        &format!("every process of {group} {state}"),
        DEADLINE,
        || {
            let info = group_info(d, group);
            let all = !info.is_empty() && info.iter().all(|(_, s, _, _)| s == state);
            all.then(|| info.iter().map(|(_, _, pid, _)| *pid).collect())
        },
        || d.log(),
    )
}

/// The pid the CGI script printed, from a response body.
fn served_by(body: &str) -> i64 {
    body.lines()
        .find_map(|l| l.strip_prefix("pid "))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in the response: {body:?}"))
}

/// One request through libfcgi's client, straight at `address` (a socket path or
/// host:port): the pid that served it. Bounded: a socket nobody accepts on would hold the
/// client forever.
fn cgi_fcgi(address: &str, script: &Path) -> i64 {
    let out = Command::new("timeout")
        .args(["10", "cgi-fcgi", "-bind", "-connect", address])
        .env("SCRIPT_FILENAME", script)
        .env("REQUEST_METHOD", "GET")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .stdin(Stdio::null())
        .output()
        .expect("run cgi-fcgi (libfcgi-bin: scripts/setup-test-deps.sh)");
    served_by(&String::from_utf8_lossy(&out.stdout))
}

/// nginx in the foreground on a free port, with its own config, pid, logs and temp paths
/// under `dir`, passing every request to `upstream` (nginx's `fastcgi_pass` syntax).
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Nginx {
    fn start(dir: &Path, upstream: &str, script: &Path) -> Nginx {
        let port = free_port();
        let dir = dir.join("nginx");
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        // As root, the workers run as www-data: they reach the socket only through its
        // configured owner and mode.
        let user = if is_root() {
            "user www-data www-data;"
        } else {
            ""
        };
        let d = dir.display();
        let conf = format!(
            "{user}\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n\
             client_body_temp_path {d}/tmp/body; fastcgi_temp_path {d}/tmp/fastcgi;\n\
             proxy_temp_path {d}/tmp/proxy; uwsgi_temp_path {d}/tmp/uwsgi;\n\
             scgi_temp_path {d}/tmp/scgi;\n\
             server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
             fastcgi_pass {upstream};\n\
             fastcgi_param SCRIPT_FILENAME {};\n\
             fastcgi_param REQUEST_METHOD $request_method;\n\
             fastcgi_param QUERY_STRING $query_string;\n\
             fastcgi_param GATEWAY_INTERFACE CGI/1.1;\n\
             fastcgi_param SERVER_PROTOCOL $server_protocol;\n    }}\n  }}\n}}\n",
            script.display()
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new("/usr/sbin/nginx")
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(&dir)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .spawn()
            .expect("run nginx (scripts/setup-test-deps.sh installs it)");
        let nginx = Nginx { child, port, dir };
        wait_for(
            "nginx to listen",
            DEADLINE,
            || std::net::TcpStream::connect(("127.0.0.1", port)).ok(),
            || nginx.error_log(),
        );
        nginx
    }

    fn error_log(&self) -> String {
        common::read(&self.dir.join("error.log"))
    }

    /// GET / through curl: (status, body).
    fn get(&self) -> (u16, String) {
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "10", "-w", "\n%{http_code}"])
            .arg(format!("http://127.0.0.1:{}/", self.port))
            .stdin(Stdio::null())
            .output()
            .expect("run curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        (code.trim().parse().unwrap_or(0), body.to_string())
    }

    /// `n` requests, each answered 200 by the script: the pids that served them.
    fn served(&self, n: usize) -> Vec<i64> {
        (0..n)
            .map(|_| match self.get() {
                (200, body) => served_by(&body),
                (code, body) => panic!(
                    "HTTP {code}: {body}\n--- nginx error log ---\n{}",
                    self.error_log()
                ),
            })
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGQUIT);
        let _ = self.child.wait();
    }
}

#[test]
fn nginx_serves_from_three_fcgiwrap_processes_on_one_unix_socket() {
    if !is_root() {
        eprintln!("skipped: user=nobody and socket_owner=www-data need root");
        return;
    }
    let d = prepare(&format!(
        "[fcgi-program:app]\n{FCGIWRAP}socket=unix://%(here)s/app.sock\n\
         socket_owner=www-data:www-data\nsocket_mode=0660\nnumprocs=3\n\
         process_name=%(program_name)s_%(process_num)s\nuser=nobody\n"
    ));
    let socket = d.path("app.sock");
    // A stale file where the socket goes never stops the start.
    std::fs::write(&socket, "stale").unwrap();
    let d = d.launch(&[]);
    let pids = wait_group(&d, "app", "RUNNING");
    assert_eq!(pids.len(), 3);

    let meta = std::fs::metadata(&socket).unwrap();
    let www = nix::unistd::User::from_name("www-data").unwrap().unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.mode() & 0o777, 0o660);
    assert_eq!(
        (meta.uid(), meta.gid()),
        (www.uid.as_raw(), www.gid.as_raw())
    );
    let started = ctl(&d, &["tail", "app:app_0"]).stdout;
    assert!(started.contains("fcgiwrap starting as nobody"), "{started}");

    let nginx = Nginx::start(
        d.dir.path(),
        &format!("unix:{}", socket.display()),
        &d.path("pid.cgi"),
    );
    let served: BTreeSet<i64> = nginx.served(30).into_iter().collect();
    assert!(served.is_subset(&pids), "{served:?} not among {pids:?}");
    assert!(served.len() >= 2, "all 30 requests went to {served:?}");
    assert!(pids.contains(&cgi_fcgi(&socket.to_string_lossy(), &d.path("pid.cgi"))));

    // Its stdin is the socket, so the daemon has nothing to write to: Supervisor's NO_FILE.
    let fault = rpc_script(
        &d,
        "done(fault('supervisor.sendProcessStdin', 'app:app_1', 'x'))",
    );
    assert_eq!(fault, serde_json::json!([20, "NO_FILE: app:app_1"]));

    let restarted = ctl(&d, &["restart", "app:*"]);
    assert!(
        restarted.stdout.contains("app:app_2: started"),
        "{restarted:?}"
    );
    let new_pids = wait_group(&d, "app", "RUNNING");
    assert!(new_pids.is_disjoint(&pids));
    let served: BTreeSet<i64> = nginx.served(12).into_iter().collect();
    assert!(
        served.is_subset(&new_pids),
        "{served:?} not among {new_pids:?}"
    );
    let url = format!("unix://{}", socket.display());
    let log = d.log();
    // Once when the group was added (Supervisor's early check), once per start.
    assert_eq!(
        log.matches(&format!("Creating socket {url}")).count(),
        3,
        "{log}"
    );
    assert_eq!(
        log.matches(&format!("Closing socket {url}")).count(),
        2,
        "{log}"
    );
    let closed = log.rfind("Closing socket").unwrap();
    assert!(
        log.rfind("stopped: app_").unwrap() < closed,
        "closed after the last stop"
    );
    assert!(std::fs::metadata(&socket).unwrap().file_type().is_socket());
}

/// Rewrites the config in place.
fn edit_config(d: &Daemon, edit: impl FnOnce(String) -> String) {
    std::fs::write(&d.conf, edit(common::read(&d.conf))).unwrap();
}

#[test]
fn tcp_socket_survives_unrelated_updates_and_moves_with_its_settings() {
    let port = free_port();
    let d = prepare(&format!(
        "[fcgi-program:app]\n{FCGIWRAP}socket=tcp://127.0.0.1:{port}\nsocket_backlog=8\n\
         numprocs=2\nprocess_name=%(program_name)s_%(process_num)s\n\n\
         [program:other]\ncommand=sleep 1000\n\n"
    ))
    .launch(&[]);
    let script = d.path("pid.cgi");
    let pids = wait_group(&d, "app", "RUNNING");
    let address = format!("127.0.0.1:{port}");
    assert!(pids.contains(&cgi_fcgi(&address, &script)));
    let nginx = Nginx::start(d.dir.path(), &address, &script);
    assert!(nginx.served(6).iter().all(|pid| pids.contains(pid)));

    // An unrelated group comes: the socket and its processes stay as they were.
    edit_config(&d, |conf| conf + "[program:newcomer]\ncommand=sleep 1000\n");
    let update = ctl(&d, &["update"]);
    assert!(
        update.stdout.contains("newcomer: added process group"),
        "{update:?}"
    );
    wait_group(&d, "newcomer", "RUNNING");
    assert_eq!(wait_group(&d, "app", "RUNNING"), pids);
    assert!(nginx.served(4).iter().all(|pid| pids.contains(pid)));
    let url = format!("tcp://127.0.0.1:{port}");
    assert_eq!(
        d.log().matches(&format!("Creating socket {url}")).count(),
        2
    );

    // The section's socket changes: the group is replaced, its socket closed and made anew.
    let moved = free_port();
    edit_config(&d, |conf| {
        conf.replace(&address, &format!("127.0.0.1:{moved}"))
    });
    let update = ctl(&d, &["update"]);
    assert!(
        update.stdout.contains("app: updated process group"),
        "{update:?}"
    );
    let moved_pids = wait_group(&d, "app", "RUNNING");
    assert!(moved_pids.is_disjoint(&pids));
    d.wait_log(&format!("Closing socket {url}"));
    d.wait_log(&format!("Creating socket tcp://127.0.0.1:{moved}"));
    assert!(moved_pids.contains(&cgi_fcgi(&format!("127.0.0.1:{moved}"), &script)));
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "the old port is closed"
    );
    assert_eq!(group_info(&d, "other")[0].1, "RUNNING");
}

#[test]
fn a_socket_that_cannot_be_made_fails_its_group_alone() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let d = prepare(&format!(
        "[fcgi-program:busy]\ncommand=/usr/sbin/fcgiwrap\nsocket=tcp://127.0.0.1:{port}\n\
         startretries=1\n\n\
         [fcgi-program:nodir]\ncommand=/usr/sbin/fcgiwrap\n\
         socket=unix://%(here)s/missing/app.sock\nstartretries=1\n\n\
         [program:other]\ncommand=sleep 1000\n"
    ))
    .launch(&[]);
    let busy = format!(
        "Could not create FastCGI socket tcp://127.0.0.1:{port}: [Errno 98] Address already in use"
    );
    let nodir = format!(
        "Could not create FastCGI socket unix://{}: [Errno 2] No such file or directory",
        d.path("missing/app.sock").display()
    );
    for (group, reason) in [("busy", &busy), ("nodir", &nodir)] {
        wait_group(&d, group, "FATAL");
        assert_eq!(group_info(&d, group)[0].3, *reason);
        let log = d.log();
        assert!(log.contains(&format!("ERRO {reason}")), "{log}");
        assert!(log.contains(&format!("INFO spawnerr: {reason}")), "{log}");
    }
    wait_group(&d, "other", "RUNNING");
    let refused = ctl(&d, &["start", "busy:*"]);
    assert!(
        refused.stdout.contains("busy: ERROR (spawn error)"),
        "{refused:?}"
    );

    // Once the port is free, the next start makes the socket.
    wait_group(&d, "busy", "FATAL");
    drop(taken);
    let started = ctl(&d, &["start", "busy:*"]);
    assert!(started.stdout.contains("busy: started"), "{started:?}");
    let pids = wait_group(&d, "busy", "RUNNING");
    assert!(pids.contains(&cgi_fcgi(&format!("127.0.0.1:{port}"), &d.path("pid.cgi"))));
}

#[test]
fn an_owner_the_daemon_cannot_give_fails_its_group_alone() {
    if !is_root() {
        eprintln!("skipped: the daemon drops to nobody, which needs root");
        return;
    }
    let d = Daemon::prepare_with(
        "user=nobody",
        &format!(
            "{CTL_SECTIONS}[fcgi-program:owned]\ncommand=/usr/sbin/fcgiwrap\n\
             socket=unix://%(here)s/app.sock\nsocket_owner=root:root\nstartretries=0\n\n\
             [program:other]\ncommand=sleep 1000\n"
        ),
    );
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    nix::unistd::chown(d.dir.path(), Some(nobody.uid), None).unwrap();
    let d = d.launch(&[]);
    wait_group(&d, "owned", "FATAL");
    let socket = d.path("app.sock");
    assert_eq!(
        group_info(&d, "owned")[0].3,
        format!(
            "Could not create FastCGI socket unix://{0}: Could not change ownership of socket \
             file: [Errno 1] Operation not permitted: '{0}'",
            socket.display()
        )
    );
    assert!(!socket.exists(), "removed again, as Supervisor does");
    wait_group(&d, "other", "RUNNING");
}
