//! The process table: start-up, N programs on Supervisor's default logging (AUTO: two log
//! files and two pipes per program) and on `stdout_logfile=NONE`, 10 000 programs, and the
//! most programs with default logging that this machine's fd limit allows.

use std::time::{Duration, Instant};

use supervisord::rpc::xmlrpc::Value;

use super::{latencies, mib, ms, rpc, Figure, Scale};
use crate::daemons::{Daemon, Kind, Limits};

/// What the programs' output goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logging {
    /// Supervisor's default: AUTO log files for stdout and stderr.
    Default,
    None,
}

impl Logging {
    fn label(self) -> &'static str {
        match self {
            Logging::Default => "default logging",
            Logging::None => "logs NONE",
        }
    }

    fn options(self) -> &'static str {
        match self {
            Logging::Default => "",
            Logging::None => "stdout_logfile=NONE\nstderr_logfile=NONE\n",
        }
    }
}

/// `n` separate `[program:x]` sections (as many groups), each a `sleep`.
fn pool(n: usize, startsecs: u32, logging: Logging) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[program:sleeper_{i:05}]\ncommand=sleep 100000\nstartsecs={startsecs}\n{}\n",
                logging.options()
            )
        })
        .collect()
}

pub fn cold_start(kind: Kind, _: Scale) -> Vec<Figure> {
    let d = Daemon::start(kind, "");
    let figures = vec![
        Figure::new("cold start to first getState answer", "ms", ms(d.startup)),
        Figure::new("RSS, 0 programs", "MiB", mib(d.rss_kib())),
    ];
    d.stop();
    figures
}

pub fn table_default_logging(kind: Kind, scale: Scale) -> Vec<Figure> {
    process_table(kind, scale, Logging::Default)
}

pub fn table_logs_none(kind: Kind, scale: Scale) -> Vec<Figure> {
    process_table(kind, scale, Logging::None)
}

/// Everything about N running programs: start-up, memory, idleness, status calls, stop.
fn process_table(kind: Kind, scale: Scale, logging: Logging) -> Vec<Figure> {
    let n = scale.programs();
    let label = format!("{n} programs, {}", logging.label());
    let mut d = Daemon::start(kind, &pool(n, 0, logging));
    d.wait_log("success: sleeper_", n, Duration::from_secs(300));
    let all_running = d.started.elapsed();
    d.settle();
    let (cpu_before, wake_ups_before) = (d.cpu_secs(), d.wake_ups());
    std::thread::sleep(scale.idle());
    let idle_cpu = d.cpu_secs() - cpu_before;
    let idle_wake_ups = d.wake_ups() - wake_ups_before;
    // Read once settled: at the last RUNNING line a daemon may still be finishing its
    // start-up (ours hands the start-up's scratch memory back just after it).
    let rss = d.rss_kib();
    let slow = kind == Kind::Python;
    let (all_med, all_p99) = latencies(if slow { 5 } else { 50 }, || {
        d.client
            .call_raw("supervisor.getAllProcessInfo", &[])
            .expect("getAllProcessInfo");
    });
    let middle = format!("sleeper_{:05}", n / 2);
    let (one_med, _) = latencies(if slow { 30 } else { 500 }, || {
        d.client
            .call_raw("supervisor.getProcessInfo", &[middle.as_str().into()])
            .expect("getProcessInfo");
    });
    let socket = d.path("sock");
    let get_state = rpc::calls_per_second(&socket, 1, "supervisor.getState");
    let mut figures = vec![
        Figure::new(
            format!("{label}: to RUNNING (startsecs=0)"),
            "ms",
            ms(all_running),
        ),
        Figure::new(
            format!("{label}: RSS after the idle window"),
            "MiB",
            mib(rss),
        ),
        Figure::new(
            format!("{label}: idle CPU over {:?}", scale.idle()),
            "s",
            idle_cpu,
        ),
        Figure::new(
            format!("{label}: idle wake-ups over {:?}", scale.idle()),
            "",
            idle_wake_ups as f64,
        ),
        Figure::new(format!("{label}: getAllProcessInfo, median"), "ms", all_med),
        Figure::new(format!("{label}: getAllProcessInfo, p99"), "ms", all_p99),
        Figure::new(format!("{label}: getProcessInfo, median"), "ms", one_med),
        Figure::new(
            format!("{label}: getState calls per second, one connection"),
            "/s",
            get_state,
        ),
    ];
    // Many clients at once: measured once, on the config users run.
    if logging == Logging::Default {
        for method in ["supervisor.getState", "supervisor.getAllProcessInfo"] {
            figures.push(Figure::new(
                format!("{label}: {method} calls per second, 16 connections"),
                "/s",
                rpc::calls_per_second(&socket, 16, method),
            ));
        }
    }
    let stop_start = Instant::now();
    d.client
        .call("supervisor.stopAllProcesses", &[Value::Bool(true)])
        .expect("stopAllProcesses");
    figures.push(Figure::new(
        format!("{label}: stopAllProcesses(wait)"),
        "ms",
        ms(stop_start.elapsed()),
    ));
    d.stop();
    figures
}

pub fn startsecs_1(kind: Kind, scale: Scale) -> Vec<Figure> {
    [Logging::Default, Logging::None]
        .into_iter()
        .map(|logging| {
            let n = scale.programs();
            let mut d = Daemon::start(kind, &pool(n, 1, logging));
            d.wait_log("success: sleeper_", n, Duration::from_secs(300));
            let all_running = d.started.elapsed();
            d.stop();
            Figure::new(
                format!(
                    "{n} programs, {}: to RUNNING (startsecs=1)",
                    logging.label()
                ),
                "ms",
                ms(all_running),
            )
        })
        .collect()
}

/// 10 000 programs with logs NONE, `minfds`/`minprocs` raised to fit them.
pub fn huge_table(kind: Kind, scale: Scale) -> Vec<Figure> {
    let n = scale.huge();
    // Python keeps three pipes per child even with logs NONE (stdin, stdout, stderr); ours
    // keeps the stdin pipe alone.
    let fds_per_program = match kind {
        Kind::Python => 3,
        Kind::Ours => 1,
    };
    let limits = Limits {
        fds: fds_per_program * n as u64 + 500,
        procs: n as u64 + 500,
    };
    if let Err(why) = limits_allow(limits) {
        crate::note(format!("{n} programs skipped: {why}"));
        return vec![];
    }
    let label = format!("{n} programs, {}", Logging::None.label());
    let mut d = Daemon::start_with(kind, &pool(n, 0, Logging::None), limits);
    let mut figures = vec![];
    let limit = Duration::from_secs(if scale == Scale::Full { 1800 } else { 120 });
    if let Err(why) = d.try_wait_log("success: sleeper_", n, limit) {
        crate::note(why);
        return figures;
    }
    figures.push(Figure::new(
        format!("{label}: to RUNNING (startsecs=0)"),
        "ms",
        ms(d.started.elapsed()),
    ));
    std::thread::sleep(scale.idle());
    figures.push(Figure::new(
        format!("{label}: RSS"),
        "MiB",
        mib(d.rss_kib()),
    ));
    let (median, _) = latencies(if kind == Kind::Python { 3 } else { 21 }, || {
        d.client
            .call_raw("supervisor.getAllProcessInfo", &[])
            .expect("getAllProcessInfo");
    });
    figures.push(Figure::new(
        format!("{label}: getAllProcessInfo, median"),
        "ms",
        median,
    ));
    d.stop();
    figures
}

/// The most programs with default logging that fit under this machine's hard fd limit as it
/// is: each holds 5 fds in either daemon (the read ends of its stdout and stderr pipes, the
/// write end of its stdin, two log files).
pub fn most_programs_here(scale: Scale) -> usize {
    let (_, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .expect("getrlimit");
    let n = (hard.min(1 << 20) as usize).saturating_sub(500) / 5;
    n.min(scale.pick(usize::MAX, 100))
}

pub fn most_programs(kind: Kind, scale: Scale) -> Vec<Figure> {
    let n = most_programs_here(scale);
    let label = format!(
        "{n} programs, {} (the fd limit's most)",
        Logging::Default.label()
    );
    let mut d = Daemon::start_with(
        kind,
        &pool(n, 0, Logging::Default),
        Limits {
            fds: 5 * n as u64 + 400,
            procs: n as u64 + 500,
        },
    );
    if let Err(why) = d.try_wait_log("success: sleeper_", n, Duration::from_secs(900)) {
        crate::note(why);
        return vec![];
    }
    let all_running = d.started.elapsed();
    std::thread::sleep(scale.idle());
    let figures = vec![
        Figure::new(
            format!("{label}: to RUNNING (startsecs=0)"),
            "ms",
            ms(all_running),
        ),
        Figure::new(format!("{label}: RSS"), "MiB", mib(d.rss_kib())),
    ];
    d.stop();
    figures
}

/// Whether a daemon asking for `limits` can have them here: under the hard limits, or once
/// this process has raised its own (children inherit them; root may, unless the container
/// withholds CAP_SYS_RESOURCE), within the kernel's own bounds.
fn limits_allow(limits: Limits) -> Result<(), String> {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let kernel = |file: &str| -> u64 {
        std::fs::read_to_string(file)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(u64::MAX)
    };
    let checks = [
        (
            Resource::RLIMIT_NOFILE,
            "open files (ulimit -Hn)",
            limits.fds,
            "/proc/sys/fs/nr_open",
        ),
        (
            Resource::RLIMIT_NPROC,
            "processes (ulimit -Hu)",
            limits.procs,
            "/proc/sys/kernel/threads-max",
        ),
    ];
    for (resource, what, wanted, bound) in checks {
        if kernel(bound) < wanted {
            return Err(format!("{bound} is below {wanted}"));
        }
        let (soft, hard) = getrlimit(resource).map_err(|e| e.to_string())?;
        if hard < wanted {
            setrlimit(resource, soft, wanted).map_err(|e| {
                format!("the hard limit of {what} is {hard}, below {wanted}, and raising it failed: {e}")
            })?;
        }
    }
    Ok(())
}
