//! The JSON API (`/api/v1`) end to end, driven as its users would: `curl` over the unix
//! socket, and Python's standard library (`urllib`, no `requests`) over TCP with
//! credentials. Every endpoint, its errors (Supervisor's fault code and name as JSON), and
//! the event stream.

mod common;

use std::process::Command;

use common::http::{free_port, python};
use common::py::rpc_script;
use common::Daemon;

const PROGRAMS: &str = "[rpcinterface:supervisor]\n\
    supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
    [program:talker]\ncommand=sh -c 'echo hello api; exec sleep 600'\nstartsecs=0\n\n\
    [program:idle]\ncommand=sleep 600\nautostart=false\nstartsecs=0\n\n\
    [program:pair]\ncommand=sleep 600\nprocess_name=%(program_name)s_%(process_num)d\n\
    numprocs=2\nstartsecs=0\n";

fn curl(d: &Daemon, args: &[&str]) -> (u16, serde_json::Value) {
    let out = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", "--unix-socket"])
        .arg(d.socket())
        .args(args)
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout);
    let (body, code) = text.rsplit_once('\n').expect("status line");
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (code.parse().expect("status"), json)
}

#[test]
fn curl_lists_processes_as_get_all_process_info_does() {
    let d = Daemon::start(&format!(
        "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n{PROGRAMS}"
    ));
    d.wait_log("success: talker entered RUNNING");
    d.wait_log("success: pair_1 entered RUNNING");
    let (status, list) = curl(&d, &["http://localhost/api/v1/processes"]);
    assert_eq!(status, 200, "{list}");
    let infos = rpc_script(&d, "done(s.supervisor.getAllProcessInfo())");
    let processes = list["processes"].as_array().expect("processes");
    let infos = infos.as_array().expect("infos");
    assert_eq!(processes.len(), infos.len());
    for (ours, theirs) in processes.iter().zip(infos) {
        // Every member of getProcessInfo's struct, in its order, then ours.
        let keys: Vec<&String> = ours.as_object().unwrap().keys().collect();
        let their_keys: Vec<&String> = theirs.as_object().unwrap().keys().collect();
        assert_eq!(keys[..their_keys.len()], their_keys[..]);
        for key in their_keys {
            if key != "now" && key != "description" {
                assert_eq!(ours[key], theirs[key], "{key} of {}", ours["namespec"]);
            }
        }
        assert!(ours["health"] == "unchecked" && ours["spawns"].is_u64());
    }
    let talker = processes.iter().find(|p| p["name"] == "talker").unwrap();
    assert_eq!(talker["namespec"], "talker");
    assert_eq!(talker["spawns"], 1);
    assert!(
        talker["resources"]["rss_bytes"].as_u64().unwrap() > 0,
        "{talker}"
    );
    let pair = processes.iter().find(|p| p["name"] == "pair_0").unwrap();
    assert_eq!(pair["namespec"], "pair:pair_0");
    let idle = processes.iter().find(|p| p["name"] == "idle").unwrap();
    assert_eq!(idle["resources"], serde_json::Value::Null);

    let (status, error) = curl(&d, &["http://localhost/api/v1/processes/nope"]);
    assert_eq!(status, 404);
    assert_eq!(
        error,
        serde_json::json!({"error": {"code": 10, "name": "BAD_NAME", "message": "BAD_NAME: nope"}})
    );
    let (status, one) = curl(
        &d,
        &["-X", "POST", "http://localhost/api/v1/processes/idle/start"],
    );
    assert_eq!(
        (status, &one["statename"]),
        (200, &"RUNNING".into()),
        "{one}"
    );
}

#[test]
fn urllib_drives_every_endpoint_with_credentials() {
    let port = free_port();
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n\n{PROGRAMS}"
    ));
    d.wait_log("success: talker entered RUNNING");
    let script = r#"
import base64, json, sys, time, urllib.error, urllib.request
BASE = 'http://127.0.0.1:%s/api/v1/' % sys.argv[1]
AUTH = 'Basic ' + base64.b64encode(b'user:123').decode()

def call(method, path, auth=AUTH):
    req = urllib.request.Request(BASE + path, method=method, headers={'Authorization': auth})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            assert r.headers['Content-Type'] == 'application/json', r.headers
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        return e.code, (json.loads(body) if e.headers['Content-Type'] == 'application/json' else body)

def fault(status, code, name, message, reply):
    assert reply[0] == status, reply
    assert reply[1] == {'error': {'code': code, 'name': name, 'message': message}}, reply

# Credentials are checked as everywhere else.
assert call('GET', 'processes', auth='Basic ' + base64.b64encode(b'user:no').decode())[0] == 401

# The event stream: a snapshot first, then changes as they happen.
req = urllib.request.Request(BASE + 'events', headers={'Authorization': AUTH})
events = urllib.request.urlopen(req, timeout=20)
assert events.headers['Content-Type'] == 'text/event-stream'
def next_event(stream):
    name, data = None, None
    for raw in stream:
        line = raw.decode().rstrip('\n')
        if line.startswith('event: '):
            name = line[7:]
        elif line.startswith('data: '):
            data = json.loads(line[6:])
        elif line == '' and name:
            return name, data
first = next_event(events)
assert first[0] == 'snapshot' and {p['namespec'] for p in first[1]['processes']} == \
    {'talker', 'idle', 'pair:pair_0', 'pair:pair_1'}, first

# One process; start, stop, restart, signal, with their faults.
status, one = call('GET', 'processes/talker')
assert status == 200 and one['statename'] == 'RUNNING' and one['spawns'] == 1, one
fault(409, 60, 'ALREADY_STARTED', 'ALREADY_STARTED: talker', call('POST', 'processes/talker/start'))
fault(409, 70, 'NOT_RUNNING', 'NOT_RUNNING: idle', call('POST', 'processes/idle/stop'))
fault(404, 10, 'BAD_NAME', 'BAD_NAME: ghost', call('POST', 'processes/ghost/start'))
status, stopped = call('POST', 'processes/pair%3Apair_0/stop')
assert status == 200 and stopped['statename'] == 'STOPPED' and stopped['namespec'] == 'pair:pair_0', stopped
seen, deadline = [], time.time() + 20
while not any(p['namespec'] == 'pair:pair_0' and p['statename'] == 'STOPPED' for p in seen):
    assert time.time() < deadline, ('no change event for the stop', seen)
    name, data = next_event(events)
    if name == 'change':
        seen += data['processes']
status, restarted = call('POST', 'processes/talker/restart')
assert status == 200 and restarted['statename'] == 'RUNNING' and restarted['spawns'] == 2, restarted
status, nowait = call('POST', 'processes/idle/start?wait=false')
assert status == 200 and nowait['statename'] in ('STARTING', 'RUNNING'), nowait
fault(400, 3, 'BAD_ARGUMENTS', 'BAD_ARGUMENTS: wait must be true or false, not maybe',
      call('POST', 'processes/idle/stop?wait=maybe'))
status, signalled = call('POST', 'processes/talker/signal?signal=CONT')
assert status == 200 and signalled['statename'] == 'RUNNING', signalled
fault(400, 11, 'BAD_SIGNAL', 'BAD_SIGNAL: NOPE', call('POST', 'processes/talker/signal?signal=NOPE'))
fault(400, 3, 'BAD_ARGUMENTS', 'BAD_ARGUMENTS: no signal given (?signal=HUP)',
      call('POST', 'processes/talker/signal'))

# The log, with tailProcessStdoutLog's offsets.
for _ in range(100):
    status, tail = call('GET', 'processes/talker/log/stdout?offset=0&length=100')
    if tail['bytes'].count('hello api') == 2:
        break
    time.sleep(0.1)
assert status == 200 and tail == {'bytes': 'hello api\nhello api\n', 'offset': 20, 'overflow': False}, tail
status, tail = call('GET', 'processes/talker/log/stdout?offset=0&length=5')
assert tail == {'bytes': ' api\n', 'offset': 20, 'overflow': True}, tail
assert call('GET', 'processes/talker/log/stderr')[1]['bytes'] == ''
fault(400, 3, 'BAD_ARGUMENTS', 'BAD_ARGUMENTS: offset must be an integer, not x',
      call('GET', 'processes/talker/log/stdout?offset=x'))
fault(404, 1, 'UNKNOWN_METHOD', 'UNKNOWN_METHOD', call('GET', 'processes/talker/log/stdin'))

# Resource history: samples of the first child and (once sampled) of the restarted one.
status, history = call('GET', 'processes/talker/resources')
assert status == 200 and history['period'] == 5 and history['samples'], history
for sample in history['samples']:
    assert sample['pid'] in (one['pid'], restarted['pid']), (sample, one, restarted)
    assert sample['rss_bytes'] > 0 and sample['cpu_percent'] >= 0, sample

# Unknown paths and methods.
fault(404, 1, 'UNKNOWN_METHOD', 'UNKNOWN_METHOD', call('GET', 'nothing'))
fault(404, 1, 'UNKNOWN_METHOD', 'UNKNOWN_METHOD', call('GET', 'v2/processes'))
fault(405, 1, 'UNKNOWN_METHOD', 'UNKNOWN_METHOD', call('DELETE', 'processes/talker'))
fault(405, 1, 'UNKNOWN_METHOD', 'UNKNOWN_METHOD', call('GET', 'processes/talker/start'))
print('ok')
"#;
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(port.to_string())
        .output()
        .expect("run python");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "{}{}\n--- main log ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        d.log()
    );
}
