//! `stdout_log_prefix` / `stderr_log_prefix` (an extension) through the real daemon: four
//! programs flooding at once, in partial writes and big bursts, into the daemon's own stdout
//! and into log files, each line once, whole, in order, with its prefix; times that parse; a
//! main log at debug level that still shows the child's own bytes.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::Daemon;

const LINES: usize = 20_000;

/// Line `n` of program `name`: numbered, of varying length, so a split or merge shows.
fn line(name: &str, n: usize) -> String {
    format!("{name} {n:06} {}", "x".repeat(n % 61))
}

/// A Python child writing `LINES` lines to stdout and stderr, in the way `body` says (one
/// statement per line: the config's continuation lines lose their indentation).
fn python(body: &str) -> String {
    format!(
        "command=python3 -c \"import os, sys, time\n\
         \tname = sys.argv[1]\n\
         \tlines = [b'%%s %%06d %%s\\n' %% (name.encode(), n, b'x' * (n %% 61)) for n in range({LINES})]\n\
         \t{body}\" %(program_name)s\n"
    )
}

/// Every line of `text` is a prefix naming one of `programs` (as `(program, name shown)`)
/// and then that program's next line, `parse` telling them apart; each program's lines are
/// all there, in order, and nothing else is.
fn check_lines(
    text: &str,
    programs: &[(&str, &str)],
    parse: impl Fn(&str) -> Option<(&str, &str)>,
) {
    assert!(text.ends_with('\n'), "the output ends mid-line");
    let mut next = vec![0usize; programs.len()];
    for (i, got) in text.lines().enumerate() {
        let (shown, rest) = parse(got).unwrap_or_else(|| panic!("line {i} unprefixed: {got:?}"));
        let at = programs
            .iter()
            .position(|(_, name)| *name == shown)
            .unwrap_or_else(|| panic!("line {i}: unknown name in {got:?}"));
        assert_eq!(rest, line(programs[at].0, next[at]), "line {i}: {got:?}");
        next[at] += 1;
    }
    assert_eq!(next, vec![LINES; programs.len()], "lines per program");
}

/// `2026-12-01 23:37:58,123`: the main log's time format.
fn parse_time(text: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S,%3f")
        .unwrap_or_else(|e| panic!("{text:?} is not a time: {e}"))
}

#[test]
fn four_floods_to_the_daemons_stdout_and_to_files_keep_every_line_whole() {
    let writers = [
        // Buffered writes of 8 KiB: reads end anywhere in a line.
        (
            "buffered",
            python("for l in lines: sys.stdout.buffer.write(l); sys.stderr.buffer.write(l)"),
        ),
        // Half a line, then now and then a pause, then the rest.
        (
            "halves",
            python(
                "for n, l in enumerate(lines): h = len(l) // 2; os.write(1, l[:h]); \
                 os.write(2, l[:h]); n %% 200 or time.sleep(0.003); os.write(1, l[h:]); \
                 os.write(2, l[h:])",
            ),
        ),
        // Bursts of 300 KB, cut mid-line.
        (
            "bursts",
            python(
                "data = b''.join(lines)\n\
                 \tfor i in range(0, len(data), 300007): [f.write(data[i:i+300007]) or f.flush() \
                 for f in (sys.stdout.buffer, sys.stderr.buffer)]",
            ),
        ),
        // A shell: each printf is a write of its own, the number and the rest apart.
        (
            "shell",
            format!(
                "command=sh -c 'n=0; x=; while [ $n -lt {LINES} ]; do \
                 printf \"shell %%06d \" $n; printf \"shell %%06d \" $n >&2; \
                 printf \"%%s\\n\" \"$x\"; printf \"%%s\\n\" \"$x\" >&2; \
                 n=$((n+1)); x=\"$x\"x; if [ $((n %% 61)) -eq 0 ]; then x=; fi; done'\n\
                 process_name=%(program_name)s_%(process_num)d\n"
            ),
        ),
    ];
    let mut sections = String::new();
    for (name, command) in &writers {
        sections.push_str(&format!(
            "[program:{name}]\n{command}startsecs=0\nautorestart=false\n\
             stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\n\
             stdout_log_prefix=time,name,stream\n\
             stderr_logfile=%(here)s/{name}.err\nstderr_logfile_maxbytes=0\n\
             stderr_log_prefix=stream, name\n\n"
        ));
    }
    let d = Daemon::prepare(&sections);
    // Spare the main log a copy of every line (the debug level's `output:` lines).
    let conf = std::fs::read_to_string(&d.conf).unwrap();
    std::fs::write(&d.conf, conf.replace("loglevel=debug", "loglevel=info")).unwrap();
    // -s: the main log stays off stdout, so stdout holds the children's lines only.
    let mut d = d.launch_with(&["-s"], |c| {
        c.stdout(Stdio::piped());
    });
    let mut stdout = d.child.as_mut().unwrap().stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    d.wait_log_count("(exit status 0; expected)", writers.len());
    d.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(d.wait_exit().success());
    let stdout = reader.join().unwrap().expect("utf-8 on stdout");

    // The shell's process is shell_0 in group shell: supervisorctl shows shell:shell_0.
    let programs = [
        ("buffered", "buffered"),
        ("halves", "halves"),
        ("bursts", "bursts"),
        ("shell", "shell:shell_0"),
    ];
    check_lines(&stdout, &programs, |got| {
        let (time, rest) = got.split_at_checked(23)?;
        parse_time(time);
        let (name, rest) = rest.strip_prefix(' ')?.split_once(' ')?;
        Some((name, rest.strip_prefix("stdout | ")?))
    });
    for program in programs {
        let text = common::read(&d.path(&format!("{}.err", program.0)));
        check_lines(&text, &[program], |got| {
            got.strip_prefix("stderr ")?.split_once(" | ")
        });
    }
}

#[test]
fn a_time_prefix_in_a_log_file_parses_and_the_debug_main_log_keeps_the_childs_bytes() {
    let before = chrono::Local::now().naive_local();
    let d = Daemon::start(
        "[program:clock]\ncommand=sh -c 'printf \"hello\\nwor\"; sleep 0.2; printf \"ld\\n\"; \
         printf \"no newline at exit\"; sleep 2 & exit 0'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=%(here)s/clock.log\nstdout_log_prefix=time\n",
    );
    d.wait_log("exited: clock (exit status 0; expected)");
    // The last line is in the log by the time the exit is: its grandchild keeps the pipe
    // open, so only the exit can end that line.
    let text = common::read(&d.path("clock.log"));
    let after = chrono::Local::now().naive_local();
    let lines: Vec<(chrono::NaiveDateTime, &str)> = text
        .lines()
        .map(|l| {
            let (time, rest) = l.split_once(" | ").expect("a prefix");
            (parse_time(time), rest)
        })
        .collect();
    let texts: Vec<&str> = lines.iter().map(|(_, t)| *t).collect();
    assert_eq!(texts, ["hello", "world", "no newline at exit"], "{text}");
    assert!(
        text.ends_with('\n'),
        "the last line is ended at exit: {text:?}"
    );
    for (time, _) in &lines {
        // The log's times have milliseconds; the clock's reading here has more.
        let slack = chrono::Duration::milliseconds(1);
        assert!(
            before - slack <= *time && *time <= after,
            "{time} not in {before}..{after}"
        );
    }
    // "world" began in the first read, 0.2 s before its end came.
    assert_eq!(lines[0].0, lines[1].0, "{text}");
    assert!(
        lines[2].0 - lines[1].0 >= chrono::Duration::milliseconds(150),
        "{text}"
    );
    let log = d.log();
    assert!(
        log.contains("'clock' stdout output:\nhello\nwor\n"),
        "the main log shows the child's bytes, unprefixed:\n{log}"
    );
    assert!(!log.contains(" | hello"), "{log}");
}

#[test]
fn a_line_that_waits_for_its_newline_is_written_after_a_second() {
    let d = Daemon::start(
        "[program:prompt]\ncommand=sh -c 'printf \"password: \"; sleep 4; echo answer'\n\
         startsecs=0\nautorestart=false\nstdout_logfile=%(here)s/prompt.log\n\
         stdout_log_prefix=stream\n",
    );
    let started = std::time::Instant::now();
    let text = d.wait_file("prompt.log");
    assert_eq!(text, "stdout | password: \n");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    d.wait_log("exited: prompt (exit status 0; expected)");
    assert_eq!(
        common::read(&d.path("prompt.log")),
        "stdout | password: \nstdout | answer\n"
    );
}
