//! Invalid values of our operations options (`environment_file`, `rlimit_*`,
//! `*_logfile_rotate`, `*_logfile_compress` and the main log's): each error names the file,
//! the section and the option, as tests/config_invalid.rs checks Supervisor's own.

mod config_util;

use config_util::error_of;

/// Asserts the error for `body` (after a `[supervisord]` line) is `expected`, where `{f}`
/// stands for the config file's path.
fn check(body: &str, expected: &str) {
    let (message, file) = error_of(body);
    assert_eq!(message, expected.replace("{f}", &file), "config:\n{body}");
}

#[test]
fn environment_file_must_be_absolute() {
    check(
        "[program:x]\ncommand=ls\nenvironment_file=/etc/a, -relative.env\n",
        "'relative.env' is not an absolute path (option 'environment_file') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn rlimit_values() {
    check(
        "[program:x]\ncommand=ls\nrlimit_nofile=4096:1024\n",
        "soft limit above hard limit in '4096:1024' (option 'rlimit_nofile') in section 'program:x' (file: '{f}')",
    );
    check(
        "[program:x]\ncommand=ls\nrlimit_nproc=many\n",
        "invalid literal for int() with base 10: 'many' (option 'rlimit_nproc') in section 'program:x' (file: '{f}')",
    );
    check(
        "[eventlistener:x]\ncommand=ls\nevents=TICK_5\nrlimit_core=-1\n",
        "-1 is below lower bound (0) (option 'rlimit_core') in section 'eventlistener:x' (file: '{f}')",
    );
}

#[test]
fn child_log_rotation_values() {
    check(
        "[program:x]\ncommand=ls\nstdout_logfile_rotate=weekly\n",
        "invalid rotation 'weekly' (size, hourly, daily, or a period such as 30s, 15m, 2h) (option 'stdout_logfile_rotate') in section 'program:x' (file: '{f}')",
    );
    check(
        "[program:x]\ncommand=ls\nstderr_logfile_rotate=36h\n",
        "rotation period '36h' is not between 1s and 24h (option 'stderr_logfile_rotate') in section 'program:x' (file: '{f}')",
    );
    check(
        "[program:x]\ncommand=ls\nstdout_logfile_compress=gzip\n",
        "not a valid boolean value: 'gzip' (option 'stdout_logfile_compress') in section 'program:x' (file: '{f}')",
    );
}

#[test]
fn main_log_rotation_values() {
    check(
        "logfile_rotate=0s\n",
        "rotation period '0s' is not between 1s and 24h (option 'logfile_rotate') in section 'supervisord' (file: '{f}')",
    );
    check(
        "logfile_compress=maybe\n",
        "not a valid boolean value: 'maybe' (option 'logfile_compress') in section 'supervisord' (file: '{f}')",
    );
}
