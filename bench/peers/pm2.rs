//! PM2 (npm, installed under target/bench-node): `pm2 start` on an ecosystem file, with its
//! home (daemon, sockets, pid file) in the run's directory. The daemon it launches is
//! detached; its pid file names the root to measure.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{installed, wait_until, Peer, Program, Running};

const PM2: &str = "target/bench-node/node_modules/.bin/pm2";

pub struct Pm2;

impl Peer for Pm2 {
    fn name(&self) -> &'static str {
        "pm2"
    }

    fn missing(&self) -> Option<String> {
        installed(PM2).err()
    }

    fn logs_output(&self) -> bool {
        true
    }

    fn start(&self, dir: &Path, programs: &[Program]) -> Running {
        let apps: Vec<serde_json::Value> = programs.iter().map(app).collect();
        let ecosystem = dir.join("ecosystem.json");
        std::fs::write(&ecosystem, serde_json::json!({ "apps": apps }).to_string())
            .expect("ecosystem.json");
        let home = dir.join("pm2");
        let mut launcher = Command::new(installed(PM2).expect("pm2"));
        // With no apps, `ping` starts the daemon alone.
        if programs.is_empty() {
            launcher.arg("ping");
        } else {
            launcher.arg("start").arg(&ecosystem);
        }
        let launcher = launcher
            .env("PM2_HOME", &home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pm2");
        let pid_file = home.join("pm2.pid");
        let read_pid = || {
            std::fs::read_to_string(&pid_file)
                .ok()?
                .trim()
                .parse::<u32>()
                .ok()
        };
        wait_until(Duration::from_secs(60), || read_pid().is_some());
        Running {
            root: read_pid().expect("PM2's daemon did not start"),
            children: vec![launcher],
            keep: None,
        }
    }
}

fn app(program: &Program) -> serde_json::Value {
    let (script, args) = program.command.split_first().expect("a command");
    let stdout = program
        .stdout
        .as_ref()
        .map_or("/dev/null".to_string(), |p| p.display().to_string());
    serde_json::json!({
        "name": program.name,
        "script": script,
        "args": args,
        "interpreter": "none",
        "autorestart": program.restart,
        // An exit within min_uptime counts as unstable; PM2 gives up after max_restarts.
        "max_restarts": 1_000_000_000u64,
        "restart_delay": 0,
        "out_file": stdout,
        "error_file": "/dev/null",
        "merge_logs": true,
    })
}
