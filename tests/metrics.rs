//! `GET /metrics` end to end: a scrape parsed by `prometheus_client`'s text parser (PyPI, in
//! the test venv) whose node_exporter and `supervisord_` series agree with
//! getAllProcessInfo; off unless the server section says `metrics = true`; behind the
//! section's auth; and the resource sampler gone (no wake-ups) once nobody looks.

mod common;

use std::time::Duration;

use common::http::{basic_auth, free_port, Conn};
use common::py::{rpc_script, CTL_SECTIONS};
use common::{wait_for, Daemon, DEADLINE};

const RPC: &str = "[rpcinterface:supervisor]\n\
    supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n";

/// The unix server with metrics on, plus the client sections.
fn with_metrics(extra: &str) -> String {
    format!(
        "[unix_http_server]\nfile=%(here)s/supervisor.sock\nmetrics=true\n\n\
         [supervisorctl]\nserverurl=unix://%(here)s/supervisor.sock\n\n{RPC}{extra}"
    )
}

fn scrape(d: &Daemon) -> common::http::Response {
    Conn::unix(&d.socket()).get("/metrics", "")
}

#[test]
fn a_scrape_parses_and_agrees_with_get_all_process_info() {
    let d = Daemon::start(&with_metrics(
        "[program:sleeper]\ncommand=sh -c 'printf hello; exec sleep 600'\nstartsecs=0\n\n\
         [program:quitter]\ncommand=sh -c 'exit 3'\nstartsecs=0\nautorestart=false\n\n\
         [program:idle]\ncommand=sleep 600\nautostart=false\n\n\
         [program:steady]\ncommand=sleep 600\nstartsecs=0\n\n\
         [program:slow]\ncommand=sleep 600\nstartsecs=600\n\n\
         [group:pair]\nprograms=sleeper,quitter\n\n\
         [eventlistener:listener]\ncommand=cat\nevents=TICK_60\n",
    ));
    let reply = scrape(&d);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let checked = rpc_script(
        &d,
        r#"
import http.client, socket
from prometheus_client.parser import text_string_to_metric_families

class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(SOCK)

def scrape():
    c = Unix('localhost')
    c.request('GET', '/metrics')
    r = c.getresponse()
    assert r.status == 200, r.status
    return {f.name: f for f in text_string_to_metric_families(r.read().decode())}

# Wait until the program states have settled and its output is counted.
for _ in range(100):
    infos = {(i['group'], i['name']): i for i in s.supervisor.getAllProcessInfo()}
    if infos[('pair', 'quitter')]['statename'] == 'EXITED' and \
       infos[('pair', 'sleeper')]['statename'] == 'RUNNING':
        families = scrape()
        logged = {(x.labels['group'], x.labels['name'], x.labels['stream']): x.value
                  for x in families['supervisord_process_log_bytes'].samples}
        if logged[('pair', 'sleeper', 'stdout')] == 5:
            break
    time.sleep(0.1)
else:
    raise AssertionError(infos)
# A scrape within half a sampling period reuses the last sample, which may predate the
# children's exec: take one after that.
time.sleep(3)
infos = {(i['group'], i['name']): i for i in s.supervisor.getAllProcessInfo()}
families = scrape()

def by_process(family, kind, unit=''):
    f = families[family]
    assert f.type == kind, (family, f.type)
    return {(x.labels['group'], x.labels['name']): x.value for x in f.samples}

# node_exporter's series, names, help, types and labels.
for name, help in [('node_supervisord_up', 'Process Up'), ('node_supervisord_state', 'Process State'),
                   ('node_supervisord_exit_status', 'Process Exit Status'),
                   ('node_supervisord_start_time_seconds', 'Process start time')]:
    assert families[name].documentation == help, name
    for x in families[name].samples:
        assert set(x.labels) == {'name', 'group'}, x
up = by_process('node_supervisord_up', 'gauge')
state = by_process('node_supervisord_state', 'gauge')
exit_status = by_process('node_supervisord_exit_status', 'gauge')
start = by_process('node_supervisord_start_time_seconds', 'counter')
for key, info in infos.items():
    running = info['state'] in (10, 20, 40)
    assert up[key] == (1 if running else 0), (key, up)
    assert state[key] == info['state'], (key, state)
    assert exit_status[key] == info['exitstatus'], (key, exit_status)
    assert (start.get(key) == info['start']) if running else key not in start, (key, start)
assert exit_status[('pair', 'quitter')] == 3
# STARTING counts as up, as node_exporter counts it.
assert infos[('slow', 'slow')]['statename'] == 'STARTING' and up[('slow', 'slow')] == 1

# Ours.
states = {}
for x in families['supervisord_process_state'].samples:
    states.setdefault((x.labels['group'], x.labels['name']), {})[x.labels['state']] = x.value
for key, info in infos.items():
    assert states[key][info['statename']] == 1, (key, states[key])
    assert sum(states[key].values()) == 1, (key, states[key])
health = {}
for x in families['supervisord_process_health'].samples:
    health.setdefault((x.labels['group'], x.labels['name']), {})[x.labels['health']] = x.value
assert health[('pair', 'sleeper')] == {'unchecked': 1, 'starting': 0, 'healthy': 0, 'unhealthy': 0}
spawns = by_process('supervisord_process_spawns', 'counter')
assert spawns[('pair', 'sleeper')] == 1 and spawns[('idle', 'idle')] == 0, spawns
cpu = by_process('supervisord_process_cpu_seconds', 'counter')
rss = by_process('supervisord_process_resident_memory_bytes', 'gauge')
running = {k for k, i in infos.items() if i['pid']}
assert set(cpu) == running and set(rss) == running, (cpu, rss, running)
for key in running:
    assert rss[key] > 0 and cpu[key] >= 0, (key, rss[key], cpu[key])
# A child that has exec'd for good: its memory as /proc/PID/statm says.
pages = int(open('/proc/%d/statm' % infos[('steady', 'steady')]['pid']).read().split()[1])
assert abs(rss[('steady', 'steady')] - pages * 4096) <= 512 << 10, (rss, pages)
queues = {x.labels['group']: x.value for x in families['supervisord_event_listener_queue_length'].samples}
assert queues == {'listener': 0}, queues
done('ok')
"#,
    );
    assert_eq!(checked, "ok");
}

#[test]
fn metrics_are_off_unless_the_server_section_says_so() {
    let d = Daemon::start(&format!("{CTL_SECTIONS}{RPC}"));
    let reply = scrape(&d);
    assert_eq!(reply.status, 404, "{}", reply.text());
}

#[test]
fn a_scrape_needs_the_servers_credentials() {
    let port = free_port();
    let _daemon = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\nmetrics=true\n\n{RPC}"
    ));
    assert_eq!(Conn::tcp(port).get("/metrics", "").status, 401);
    let wrong = basic_auth("user", "wrong");
    assert_eq!(Conn::tcp(port).get("/metrics", &wrong).status, 401);
    let reply = Conn::tcp(port).get("/metrics", &basic_auth("user", "123"));
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("# TYPE node_supervisord_up gauge\n"));
}

/// Voluntary context switches of every thread of `pid`: each is a wake-up.
fn wakeups(pid: i32) -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        for line in status.lines() {
            if let Some(n) = line.strip_prefix("voluntary_ctxt_switches:") {
                total += n.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    total
}

fn wakeups_over(pid: i32, window: Duration) -> u64 {
    let before = wakeups(pid);
    std::thread::sleep(window);
    wakeups(pid) - before
}

#[test]
fn the_sampler_runs_only_while_someone_looks() {
    let d = Daemon::prepare_with(
        "metrics_sample_interval=1",
        &with_metrics("[program:sleeper]\ncommand=sleep 600\nstartsecs=0\n"),
    )
    .launch(&[]);
    d.wait_log("entered RUNNING state");
    let window = Duration::from_secs(3);
    // Let start-up settle, then count what an idle daemon does.
    std::thread::sleep(Duration::from_secs(1));
    let idle = wakeups_over(d.pid(), window);
    assert_eq!(scrape(&d).status, 200);
    let looked_at = wakeups_over(d.pid(), window);
    assert!(
        looked_at >= idle + 2,
        "a sample a second while looked at: {looked_at} wake-ups, idle {idle}"
    );
    // 12 periods after the last look the sampler ends.
    std::thread::sleep(Duration::from_secs(11));
    let after = wait_for(
        "the sampler to stop",
        DEADLINE,
        || {
            let n = wakeups_over(d.pid(), window);
            (n <= idle + 1).then_some(n)
        },
        || format!("idle {idle}"),
    );
    assert!(after <= idle + 1);
}
