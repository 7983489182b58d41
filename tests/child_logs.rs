//! Child output through the daemon into log files: nothing lost across rotation, AUTO files and
//! their cleanup, NONE, redirect_stderr, strip_ansi, a deleted log recreated.

mod common;

use common::{wait_for, Daemon, DEADLINE};

/// Lines `000000000\n` .. in order: 10 bytes each.
const LINE: usize = 10;

#[test]
fn hundred_megabytes_arrive_whole_through_rotation() {
    let lines = 10_000_000; // 100 MB
    let d = Daemon::start(&format!(
        "[program:flood]\ncommand=python3 -c \"import sys; w=sys.stdout.buffer.write\n\
         \tfor i in range(0, {lines}, 1000): w(b''.join(b'%%09d\\n' %% j for j in range(i, i+1000)))\"\n\
         startsecs=0\nautorestart=false\nstdout_logfile=%(here)s/flood.log\n\
         stdout_logfile_maxbytes=10MB\nstdout_logfile_backups=20\n"
    ));
    d.wait_log("exited: flood (exit status 0; expected)");
    let files = || -> Vec<std::path::PathBuf> {
        let mut f: Vec<_> = (1..=20)
            .rev()
            .map(|n| d.path(&format!("flood.log.{n}")))
            .filter(|p| p.exists())
            .collect();
        f.push(d.path("flood.log"));
        f
    };
    let total = || {
        files()
            .iter()
            .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .sum::<u64>()
    };
    wait_for(
        "100 MB in the log files",
        DEADLINE,
        || (total() >= (lines * LINE) as u64).then_some(()),
        || format!("{} bytes so far", total()),
    );
    // Rotation cuts at a size, not at a line (as Supervisor's does): check the concatenation.
    let mut next = 0usize;
    let mut carry = Vec::new();
    for path in files() {
        carry.extend(std::fs::read(&path).unwrap());
        let whole = carry.len() - carry.len() % LINE;
        for chunk in carry[..whole].chunks(LINE) {
            let expected = format!("{next:09}\n");
            assert_eq!(
                chunk,
                expected.as_bytes(),
                "in {} at line {next}",
                path.display()
            );
            next += 1;
        }
        carry.drain(..whole);
    }
    assert!(carry.is_empty(), "a partial line at the end");
    assert_eq!(next, lines);
}

#[test]
fn auto_logs_live_in_childlogdir_and_stale_ones_are_cleaned() {
    let d = Daemon::prepare(
        "[program:auto]\ncommand=sh -c 'echo out; echo err >&2; exec sleep 30'\nstartsecs=0\n",
    );
    let stale = d.path("old-stdout---supervisor-abc123.log");
    std::fs::write(&stale, "stale").unwrap();
    let keep = d.path("unrelated.log");
    std::fs::write(&keep, "keep").unwrap();
    let d = d.launch(&[]);
    let find = |channel: &str| {
        let prefix = format!("auto-{channel}---supervisor-");
        wait_for(
            &format!("an AUTO {channel} log"),
            DEADLINE,
            || {
                std::fs::read_dir(d.dir.path())
                    .unwrap()
                    .flatten()
                    .find(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                    .map(|e| e.path())
                    .filter(|p| {
                        std::fs::read_to_string(p)
                            .map(|s| !s.is_empty())
                            .unwrap_or(false)
                    })
            },
            || d.log(),
        )
    };
    assert_eq!(std::fs::read_to_string(find("stdout")).unwrap(), "out\n");
    assert_eq!(std::fs::read_to_string(find("stderr")).unwrap(), "err\n");
    assert!(!stale.exists(), "stale AUTO log not cleaned");
    assert!(keep.exists());
}

#[test]
fn redirect_stderr_and_none() {
    let d = Daemon::start(
        "[program:merged]\ncommand=sh -c 'echo out; echo err >&2; exec sleep 30'\nstartsecs=0\n\
         redirect_stderr=true\nstdout_logfile=%(here)s/merged.log\n\n\
         [program:silent]\ncommand=sh -c 'echo lost; echo lost >&2; echo ran > %(here)s/marker-silent; exec sleep 30'\n\
         startsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n",
    );
    wait_for(
        "both lines in merged.log",
        DEADLINE,
        || {
            let text = std::fs::read_to_string(d.path("merged.log")).ok()?;
            (text.contains("out\n") && text.contains("err\n")).then_some(())
        },
        || d.log(),
    );
    d.wait_file("marker-silent");
    let names: Vec<String> = std::fs::read_dir(d.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("silent-")), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("merged-stderr")),
        "{names:?}"
    );
}

#[test]
fn strip_ansi_removes_escape_sequences() {
    let d = Daemon::start_with(
        "[program:colour]\ncommand=printf '\\033[31mred\\033[0m plain\\n'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=%(here)s/colour.log\n",
        &["-t"],
    );
    assert_eq!(d.wait_file("colour.log"), "red plain\n");
}

#[test]
fn a_deleted_log_file_is_recreated() {
    let d = Daemon::start(
        "[program:talker]\ncommand=sh -c 'while :; do echo tick; sleep 0.05; done'\nstartsecs=0\n\
         stdout_logfile=%(here)s/talker.log\n",
    );
    d.wait_file("talker.log");
    std::fs::remove_file(d.path("talker.log")).unwrap();
    assert!(d.wait_file("talker.log").contains("tick"));
}

#[test]
fn maxbytes_zero_writes_to_a_fifo_without_seeking() {
    let d = Daemon::prepare(
        "[program:piped]\ncommand=sh -c 'echo through-the-fifo; exec sleep 30'\nstartsecs=0\n\
         stdout_logfile=%(here)s/fifo\nstdout_logfile_maxbytes=0\n",
    );
    let fifo = d.path("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let f = std::fs::File::open(fifo).unwrap();
        let mut line = String::new();
        std::io::BufReader::new(f).read_line(&mut line).unwrap();
        line
    });
    let d = d.launch(&[]);
    assert_eq!(reader.join().unwrap(), "through-the-fifo\n");
    assert!(!d.log().contains("Illegal seek"));
}

#[test]
fn a_childs_last_output_is_logged_before_its_exit() {
    // Twenty short lives, each saying its last words just before it exits: at debug level
    // each is copied into the main log ahead of that life's SIGCHLD and `exited:` lines.
    let d = Daemon::start(
        "[program:brief]\ncommand=sh -c 'echo last words; exit 3'\nstartsecs=0\nautorestart=true\n\
         exitcodes=3\nstdout_logfile=%(here)s/brief.log\n",
    );
    let log = d.wait_log_count("exited: brief (exit status 3; expected)", 20);
    let mut said = 0;
    for line in log.lines() {
        if line == "last words" {
            said += 1;
        } else if line.contains("received SIGCHLD") || line.contains("exited: brief") {
            assert!(
                said > 0,
                "an exit logged before the output of its life:\n{log}"
            );
            if line.contains("exited: brief") {
                said -= 1;
            }
        }
    }
}
