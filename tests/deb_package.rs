//! The Debian package (scripts/build-deb.sh) of this build: every file at Debian's path with
//! its mode, the control fields that replace Debian's supervisor, the postinst's enabling of
//! supervisor.service in a throwaway root, the installed unit verified, and the installed
//! supervisord run on the installed config (paths moved into the root) with one program in
//! conf.d/, driven by the installed supervisorctl.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{wait_for, DEADLINE};

/// Every entry of the package and its mode (directories end in `/`).
const FILES: &[(&str, &str)] = &[
    ("etc/supervisor/", "drwxr-xr-x"),
    ("etc/supervisor/conf.d/", "drwxr-xr-x"),
    ("etc/supervisor/supervisord.conf", "-rw-r--r--"),
    ("lib/systemd/system/supervisor.service", "-rw-r--r--"),
    ("usr/bin/echo_supervisord_conf", "-rwxr-xr-x"),
    ("usr/bin/pidproxy", "-rwxr-xr-x"),
    ("usr/bin/supervisorctl", "-rwxr-xr-x"),
    ("usr/bin/supervisord", "-rwxr-xr-x"),
    (
        "usr/share/bash-completion/completions/pidproxy",
        "-rw-r--r--",
    ),
    (
        "usr/share/bash-completion/completions/supervisorctl",
        "-rw-r--r--",
    ),
    (
        "usr/share/bash-completion/completions/supervisord",
        "-rw-r--r--",
    ),
    ("usr/share/doc/supervisor-rs/copyright", "-rw-r--r--"),
    (
        "usr/share/fish/vendor_completions.d/pidproxy.fish",
        "-rw-r--r--",
    ),
    (
        "usr/share/fish/vendor_completions.d/supervisorctl.fish",
        "-rw-r--r--",
    ),
    (
        "usr/share/fish/vendor_completions.d/supervisord.fish",
        "-rw-r--r--",
    ),
    ("usr/share/man/man1/pidproxy.1.gz", "-rw-r--r--"),
    ("usr/share/man/man1/supervisorctl.1.gz", "-rw-r--r--"),
    ("usr/share/man/man1/supervisord.1.gz", "-rw-r--r--"),
    ("usr/share/zsh/vendor-completions/_pidproxy", "-rw-r--r--"),
    (
        "usr/share/zsh/vendor-completions/_supervisorctl",
        "-rw-r--r--",
    ),
    (
        "usr/share/zsh/vendor-completions/_supervisord",
        "-rw-r--r--",
    ),
    ("var/log/supervisor/", "drwxr-xr-x"),
];

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("run");
    assert!(output.status.success(), "{command:?}: {output:?}");
    output
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Builds the package from the binaries of this test build.
fn build_deb(out: &Path) -> PathBuf {
    let bindir = Path::new(env!("CARGO_BIN_EXE_supervisord"))
        .parent()
        .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-deb.sh");
    let output = run(Command::new(script)
        .arg("--bindir")
        .arg(bindir)
        .arg("--out")
        .arg(out)
        .arg("--uncompressed"));
    PathBuf::from(text(&output).trim())
}

#[test]
fn the_package_installs_and_runs_as_debians_supervisor_does() {
    let work = tempfile::tempdir().unwrap();
    let deb = build_deb(&work.path().join("out"));

    // Every file, its mode and owner; nothing else.
    let listing = text(&run(Command::new("dpkg-deb").arg("-c").arg(&deb)));
    let mut entries: Vec<(String, String)> = listing
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields[1], "root/root", "{line}");
            let path = fields.last()?.trim_start_matches("./").to_string();
            let intermediate = fields[0].starts_with('d') && !FILES.iter().any(|(p, _)| *p == path);
            (!path.is_empty() && !intermediate).then(|| (path, fields[0].to_string()))
        })
        .collect();
    entries.sort();
    let expected: Vec<(String, String)> = FILES
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect();
    assert_eq!(entries, expected);

    let field = |name: &str| {
        text(&run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg(name)))
            .trim()
            .to_string()
    };
    assert_eq!(field("Package"), "supervisor-rs");
    assert_eq!(field("Provides"), "supervisor (= 4.3.0)");
    assert_eq!(field("Conflicts"), "supervisor");
    assert_eq!(field("Replaces"), "supervisor");

    let root = work.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let control = work.path().join("DEBIAN");
    run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles")).unwrap(),
        "/etc/supervisor/supervisord.conf\n"
    );

    // The postinst enables the unit in the root (no systemd runs there, so nothing starts),
    // with the variables dpkg sets (deb-systemd-helper refuses to run without them).
    run(Command::new(control.join("postinst"))
        .arg("configure")
        .env("DPKG_ROOT", &root)
        .env("DPKG_MAINTSCRIPT_PACKAGE", "supervisor-rs")
        .env("DPKG_MAINTSCRIPT_NAME", "postinst"));
    let wanted = root.join("etc/systemd/system/multi-user.target.wants/supervisor.service");
    assert_eq!(
        std::fs::read_link(&wanted).unwrap(),
        Path::new("/lib/systemd/system/supervisor.service")
    );

    let installed = |path: &str| root.join(path).to_string_lossy().into_owned();
    let unit = common::systemd::verified_unit(
        &root.join("lib/systemd/system/supervisor.service"),
        &[
            ("/usr/bin/supervisord", &installed("usr/bin/supervisord")),
            (
                "/usr/bin/supervisorctl",
                &installed("usr/bin/supervisorctl"),
            ),
        ],
    );
    assert!(unit.contains("ExecStart=/usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf"));

    let config = std::fs::read_to_string(root.join("etc/supervisor/supervisord.conf")).unwrap();
    assert!(config.contains("[include]\nfiles = /etc/supervisor/conf.d/*.conf\n"));
    let echo = std::fs::read_to_string(root.join("usr/bin/echo_supervisord_conf")).unwrap();
    assert!(
        echo.contains("exec /usr/bin/supervisord echo-conf"),
        "{echo}"
    );
    run_installed(&root, &config);
}

/// The installed daemon on the installed config, its paths moved into `root`.
fn run_installed(root: &Path, config: &str) {
    std::fs::create_dir_all(root.join("var/run")).unwrap();
    let r = root.display();
    let moved = config
        .replace("/var/", &format!("{r}/var/"))
        .replace("/etc/supervisor/", &format!("{r}/etc/supervisor/"));
    let conf = root.join("etc/supervisor/supervisord.conf");
    std::fs::write(&conf, moved).unwrap();
    std::fs::write(
        root.join("etc/supervisor/conf.d/hello.conf"),
        "[program:hello]\ncommand=/bin/sleep 300\nstartsecs=1\n",
    )
    .unwrap();
    let bin = |name: &str| root.join("usr/bin").join(name);
    let check = run(Command::new(bin("supervisord"))
        .args(["check-config", "--strict", "-c"])
        .arg(&conf));
    assert_eq!(text(&check), "OK\n");

    let mut daemon = Command::new(bin("supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(&conf)
        .spawn()
        .unwrap();
    let ctl = |args: &[&str]| {
        let output = Command::new(bin("supervisorctl"))
            .arg("-c")
            .arg(&conf)
            .args(args)
            .output()
            .unwrap();
        text(&output)
    };
    let log = root.join("var/log/supervisor/supervisord.log");
    let status = wait_for(
        "hello RUNNING through the installed supervisorctl",
        DEADLINE,
        || Some(ctl(&["status", "hello"])).filter(|s| s.contains("RUNNING")),
        || std::fs::read_to_string(&log).unwrap_or_default(),
    );
    assert!(status.starts_with("hello "), "{status}");
    assert!(ctl(&["stop", "hello"]).contains("hello: stopped"));
    assert!(ctl(&["start", "hello"]).contains("hello: started"));
    assert!(ctl(&["shutdown"]).contains("Shut down"));
    let exit = daemon.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(root.join("var/log/supervisor").read_dir().unwrap().count() >= 2);
}
