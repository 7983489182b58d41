//! The XML-RPC API as Python's `xmlrpc.client` sees it (through supervisor's own
//! `SupervisorTransport`, as supervisorctl builds it): every published method, every fault
//! code a client can provoke, multicall with mixed results, bad requests, SHUTDOWN_STATE,
//! Unicode and invalid UTF-8 in logs, 1 MB reads, capped ints, and a keep-alive connection
//! reused after a minute of idleness. Expected values were checked against Python
//! supervisord 4.3 on the same configs; where Supervisor answers an HTTP 500 (a Python
//! exception), we answer a fault instead, and the test says so.

mod common;

use common::py::rpc_script;
use common::Daemon;
use serde_json::{json, Value};

const UNIX: &str = "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n";

/// The programs most tests use: running ones, a failing one, unstartable ones, a group.
const PROGRAMS: &str = "\
[program:cat]\ncommand=cat\nstartsecs=0\n\n\
[program:nolog]\ncommand=cat\nstartsecs=0\nstdout_logfile=NONE\n\n\
[program:quick]\ncommand=/bin/sh -c \"echo hi; exit 1\"\nstartsecs=1\nstartretries=0\nautostart=false\n\n\
[program:noexec]\ncommand=/nonexistent/x\nautostart=false\n\n\
[program:notx]\ncommand=/etc/passwd\nautostart=false\n\n\
[group:g]\nprograms=a,b\n\n\
[program:a]\ncommand=sleep 1000\nstartsecs=0\n\n\
[program:b]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n\n";

fn daemon() -> Daemon {
    let d = Daemon::start(&format!("{UNIX}{PROGRAMS}"));
    for name in ["cat", "nolog", "a"] {
        d.wait_log(&format!("success: {name} entered RUNNING state"));
    }
    d
}

/// Python helpers shared by the scripts below.
const UNTIL: &str = r#"
def until(what, pred, secs=20):
    end = time.time() + secs
    while True:
        v = pred()
        if v:
            return v
        if time.time() > end:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(0.02)
def state(name):
    return s.supervisor.getProcessInfo(name)['statename']
"#;

fn script(d: &Daemon, body: &str) -> Value {
    rpc_script(d, &format!("{UNTIL}\n{body}"))
}

#[test]
fn introspection_and_daemon_methods() {
    let d = daemon();
    let r = script(
        &d,
        r#"
done({
  'methods': s.system.listMethods(),
  'sig': s.system.methodSignature('supervisor.startProcess'),
  'sig_multicall': s.system.methodSignature('system.multicall'),
  'help_has_tags': all('@return' in s.system.methodHelp(m) for m in s.system.listMethods()),
  'versions': [s.supervisor.getAPIVersion(), s.supervisor.getVersion(), s.supervisor.getSupervisorVersion()],
  'ident': s.supervisor.getIdentification(),
  'state': s.supervisor.getState(),
  'pid': s.supervisor.getPID(),
  'log': s.supervisor.readLog(0, 0),
  'log_tail': s.supervisor.readLog(-30, 0),
  'clear': s.supervisor.clearLog(),
  'log_after_clear': s.supervisor.readLog(0, 0),
  'remote': s.supervisor.sendRemoteCommEvent('type', 'data'),
})
"#,
    );
    let methods: Vec<&str> = r["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    // Supervisor 4.3's listMethods, which the table must publish exactly, and our health
    // namespace (as a Supervisor with an rpcinterface plugin lists its methods).
    let expected = "health.getAllProcessHealth health.getProcessHealth supervisor.addProcessGroup supervisor.clearAllProcessLogs supervisor.clearLog \
        supervisor.clearProcessLog supervisor.clearProcessLogs supervisor.getAPIVersion \
        supervisor.getAllConfigInfo supervisor.getAllProcessInfo supervisor.getIdentification \
        supervisor.getPID supervisor.getProcessInfo supervisor.getState \
        supervisor.getSupervisorVersion supervisor.getVersion supervisor.readLog \
        supervisor.readMainLog supervisor.readProcessLog supervisor.readProcessStderrLog \
        supervisor.readProcessStdoutLog supervisor.reloadConfig supervisor.removeProcessGroup \
        supervisor.restart supervisor.sendProcessStdin supervisor.sendRemoteCommEvent \
        supervisor.shutdown supervisor.signalAllProcesses supervisor.signalProcess \
        supervisor.signalProcessGroup supervisor.startAllProcesses supervisor.startProcess \
        supervisor.startProcessGroup supervisor.stopAllProcesses supervisor.stopProcess \
        supervisor.stopProcessGroup supervisor.tailProcessLog supervisor.tailProcessStderrLog \
        supervisor.tailProcessStdoutLog system.listMethods system.methodHelp \
        system.methodSignature system.multicall";
    assert_eq!(methods.join(" "), expected);
    assert_eq!(r["sig"], json!(["boolean", "string", "boolean"]));
    assert_eq!(r["sig_multicall"], json!(["array", "array"]));
    assert_eq!(r["help_has_tags"], json!(true));
    assert_eq!(r["versions"], json!(["3.0", "3.0", "4.3.0"]));
    assert_eq!(r["ident"], json!("supervisor"));
    assert_eq!(r["state"], json!({"statecode": 1, "statename": "RUNNING"}));
    assert_eq!(r["pid"], json!(d.pid()));
    let log = r["log"].as_str().unwrap();
    assert!(log.contains("supervisord started with pid"), "{log}");
    assert_eq!(r["log_tail"].as_str().unwrap().len(), 30);
    assert!(log.ends_with(r["log_tail"].as_str().unwrap()));
    assert_eq!(r["clear"], json!(true));
    assert_eq!(r["log_after_clear"], json!(""));
    assert_eq!(r["remote"], json!(true));
}

#[test]
fn process_methods_success_paths() {
    let d = daemon();
    let r = script(
        &d,
        r#"
out = {}
info = s.supervisor.getProcessInfo('cat')
out['info_keys'] = sorted(info)
out['info'] = [info['name'], info['group'], info['statename'], info['state'], info['spawnerr'],
               info['logfile'] == info['stdout_logfile'], info['description'].startswith('pid %d, uptime 0:00:' % info['pid'])]
out['b'] = {k: v for k, v in s.supervisor.getProcessInfo('g:b').items() if k not in ('now', 'logfile', 'stdout_logfile', 'stderr_logfile')}
out['all'] = [(p['group'], p['name'], p['statename']) for p in s.supervisor.getAllProcessInfo()]
conf = s.supervisor.getAllConfigInfo()
out['conf_names'] = [c['name'] for c in conf]
c = [c for c in conf if c['name'] == 'nolog'][0]
out['nolog_conf'] = {k: v for k, v in c.items() if k not in ('stderr_logfile',)}
out['start_b'] = s.supervisor.startProcess('g:b')
out['stop_b'] = s.supervisor.stopProcess('g:b')
out['start_b_nowait'] = s.supervisor.startProcess('g:b', False)
until('b running', lambda: state('g:b') == 'RUNNING')
out['stop_group'] = s.supervisor.stopProcessGroup('g')
out['start_group'] = s.supervisor.startProcessGroup('g', True)
out['star_stop'] = s.supervisor.stopProcess('g:*')
out['star_start'] = s.supervisor.startProcess('g:*')
out['signal'] = s.supervisor.signalProcess('cat', 'CONT')
out['signal_num'] = s.supervisor.signalProcess('cat', 18)
out['signal_group'] = s.supervisor.signalProcessGroup('g', 'CONT')
out['signal_all'] = s.supervisor.signalAllProcesses('CONT')
out['stdin'] = s.supervisor.sendProcessStdin('cat', 'hello\n')
until('echo', lambda: s.supervisor.readProcessStdoutLog('cat', 0, 0) == 'hello\n')
out['read'] = [s.supervisor.readProcessStdoutLog('cat', 0, 0), s.supervisor.readProcessLog('cat', 1, 3),
               s.supervisor.readProcessStdoutLog('cat', -3, 0), s.supervisor.readProcessStderrLog('cat', 0, 0)]
out['tail'] = [s.supervisor.tailProcessStdoutLog('cat', 0, 3), s.supervisor.tailProcessLog('cat', 0, 100),
               s.supervisor.tailProcessStderrLog('cat', 0, 10), s.supervisor.tailProcessStdoutLog('nolog', 0, 10)]
out['clear'] = s.supervisor.clearProcessLogs('cat')
out['after_clear'] = s.supervisor.readProcessStdoutLog('cat', 0, 0)
out['clear_alias'] = s.supervisor.clearProcessLog('cat')
out['clear_all'] = s.supervisor.clearAllProcessLogs()
out['stop_all'] = s.supervisor.stopAllProcesses()
out['start_all_nowait'] = s.supervisor.startAllProcesses(False)
done(out)
"#,
    );
    assert_eq!(
        r["info_keys"],
        json!([
            "description",
            "exitstatus",
            "group",
            "logfile",
            "name",
            "now",
            "pid",
            "spawnerr",
            "start",
            "state",
            "statename",
            "stderr_logfile",
            "stdout_logfile",
            "stop"
        ])
    );
    assert_eq!(
        r["info"],
        json!(["cat", "cat", "RUNNING", 20, "", true, true])
    );
    assert_eq!(
        r["b"],
        json!({"name": "b", "group": "g", "start": 0, "stop": 0, "state": 0,
               "statename": "STOPPED", "spawnerr": "", "exitstatus": 0, "pid": 0,
               "description": "Not started"})
    );
    assert_eq!(
        r["all"],
        json!([
            ["cat", "cat", "RUNNING"],
            ["g", "a", "RUNNING"],
            ["g", "b", "STOPPED"],
            ["noexec", "noexec", "STOPPED"],
            ["nolog", "nolog", "RUNNING"],
            ["notx", "notx", "STOPPED"],
            ["quick", "quick", "STOPPED"]
        ])
    );
    assert_eq!(
        r["conf_names"],
        json!(["a", "b", "cat", "noexec", "nolog", "notx", "quick"])
    );
    assert_eq!(
        r["nolog_conf"],
        json!({"autostart": true, "directory": "none", "uid": "none", "command": "cat",
               "exitcodes": [0], "group": "nolog", "group_prio": 999, "inuse": true,
               "killasgroup": false, "name": "nolog", "process_prio": 999,
               "redirect_stderr": false, "startretries": 3, "startsecs": 0,
               "stdout_capture_maxbytes": 0, "stdout_events_enabled": false,
               "stdout_logfile": "none", "stdout_logfile_backups": 10,
               "stdout_logfile_maxbytes": 52428800, "stdout_syslog": false,
               "stopsignal": 15, "stopwaitsecs": 10, "stderr_capture_maxbytes": 0,
               "stderr_events_enabled": false, "stderr_logfile_backups": 10,
               "stderr_logfile_maxbytes": 52428800, "stderr_syslog": false,
               "serverurl": "none"})
    );
    let ok = |group: &str, name: &str| json!({"name": name, "group": group, "status": 80, "description": "OK"});
    for key in [
        "start_b",
        "stop_b",
        "start_b_nowait",
        "signal",
        "signal_num",
        "stdin",
    ] {
        assert_eq!(r[key], json!(true), "{key}");
    }
    assert_eq!(r["stop_group"], json!([ok("g", "a"), ok("g", "b")]));
    assert_eq!(r["start_group"], json!([ok("g", "a"), ok("g", "b")]));
    assert_eq!(r["star_stop"], json!([ok("g", "a"), ok("g", "b")]));
    assert_eq!(r["star_start"], json!([ok("g", "a"), ok("g", "b")]));
    assert_eq!(r["signal_group"], json!([ok("g", "a"), ok("g", "b")]));
    assert_eq!(r["signal_all"].as_array().unwrap().len(), 4);
    assert_eq!(r["read"], json!(["hello\n", "ell", "lo\n", ""]));
    assert_eq!(
        r["tail"],
        json!([
            ["lo\n", 6, true],
            ["hello\n", 6, false],
            ["", 0, false],
            ["", 0, false]
        ])
    );
    assert_eq!(r["clear"], json!(true));
    assert_eq!(r["after_clear"], json!(""));
    assert_eq!(r["clear_alias"], json!(true));
    assert_eq!(r["clear_all"].as_array().unwrap().len(), 7);
    assert_eq!(r["stop_all"].as_array().unwrap().len(), 4);
    // Not waiting: the unstartable ones still fail at once, the others are OK.
    let statuses: Vec<(String, i64)> = r["start_all_nowait"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_string(),
                x["status"].as_i64().unwrap(),
            )
        })
        .collect();
    for (name, status) in [("noexec", 20), ("notx", 21), ("cat", 80), ("quick", 80)] {
        assert!(
            statuses.contains(&(name.to_string(), status)),
            "{name} {status} in {statuses:?}"
        );
    }
}

#[test]
fn every_reachable_fault_code() {
    let d = Daemon::start(&format!(
        "{UNIX}{PROGRAMS}[program:slow]\ncommand=sleep 1000\nstartsecs=30\nautostart=false\n"
    ));
    d.wait_log("success: a entered RUNNING state");
    let r = script(
        &d,
        r#"
import threading
out = {}
out['unknown'] = [fault('supervisor.nosuch'), fault('nosuch.method'), fault('supervisor._update', 'x'),
                  fault('supervisor'), fault('supervisor.getState.x')]
out['incorrect'] = [fault('supervisor.getProcessInfo'), fault('system.listMethods', 1),
                    fault('supervisor.getProcessInfo', 'cat', 1), fault('supervisor.sendProcessStdin', 'cat', 5)]
out['bad_arguments'] = [fault('supervisor.readLog', 0, -1), fault('supervisor.readProcessStdoutLog', 'cat', 0, -1)]
out['signature'] = [fault('system.methodHelp', 'nosuch'), fault('system.methodSignature', 'nosuch')]
out['bad_name'] = [fault('supervisor.getProcessInfo', 'nosuch'), fault('supervisor.getProcessInfo', 'g:*'),
                   fault('supervisor.getProcessInfo', 'g:nosuch'), fault('supervisor.startProcess', 'nosuch'),
                   fault('supervisor.startProcessGroup', 'nosuch'), fault('supervisor.stopProcessGroup', 'nosuch'),
                   fault('supervisor.signalProcess', 'nosuch', 'FOO'), fault('supervisor.signalProcessGroup', 'nosuch', 'HUP'),
                   fault('supervisor.readProcessStdoutLog', 'g:*', 0, 0), fault('supervisor.tailProcessStdoutLog', 'nosuch', 0, 1),
                   fault('supervisor.clearProcessLogs', 'nosuch'), fault('supervisor.sendProcessStdin', 'nosuch', 'x'),
                   fault('supervisor.addProcessGroup', 'nosuch'), fault('supervisor.removeProcessGroup', 'nosuch')]
out['bad_signal'] = [fault('supervisor.signalProcess', 'cat', 'FOO'), fault('supervisor.signalProcess', 'cat', 999)]
out['no_file'] = [fault('supervisor.startProcess', 'noexec'), fault('supervisor.readProcessStdoutLog', 'nolog', 0, 0)]
out['not_executable'] = fault('supervisor.startProcess', 'notx')
out['spawn_error'] = fault('supervisor.startProcess', 'quick')
out['already_started'] = fault('supervisor.startProcess', 'cat')
out['not_running'] = [fault('supervisor.stopProcess', 'g:b'), fault('supervisor.signalProcess', 'g:b', 'HUP'),
                      fault('supervisor.sendProcessStdin', 'g:b', 'x')]
out['already_added'] = fault('supervisor.addProcessGroup', 'g')
out['still_running'] = fault('supervisor.removeProcessGroup', 'g')
# ABNORMAL_TERMINATION: a waiting start whose process is stopped before startsecs.
res = {}
t = threading.Thread(target=lambda: res.update(r=call('supervisor.startProcess', 'slow', True, on=proxy())))
t.start()
until('slow starting', lambda: state('slow') == 'STARTING')
s.supervisor.stopProcess('slow')
t.join(20)
out['abnormal'] = res.get('r')
# CANT_REREAD: a config that no longer parses.
with open(SOCK.replace('supervisor.sock', 'supervisord.conf'), 'a') as f:
    f.write('\n[program:broken]\n')
out['cant_reread'] = fault('supervisor.reloadConfig')
done(out)
"#,
    );
    let f = |code: i64, text: &str| json!([code, text]);
    let unknown = f(1, "UNKNOWN_METHOD");
    assert_eq!(
        r["unknown"],
        json!([unknown, unknown, unknown, unknown, unknown])
    );
    let incorrect = f(2, "INCORRECT_PARAMETERS");
    assert_eq!(
        r["incorrect"],
        json!([
            incorrect,
            incorrect,
            incorrect,
            f(2, "INCORRECT_PARAMETERS: 5")
        ])
    );
    assert_eq!(
        r["bad_arguments"],
        json!([f(3, "BAD_ARGUMENTS"), f(3, "BAD_ARGUMENTS")])
    );
    let unsupported = f(4, "SIGNATURE_UNSUPPORTED");
    assert_eq!(r["signature"], json!([unsupported, unsupported]));
    let bad = |n: &str| f(10, &format!("BAD_NAME: {n}"));
    assert_eq!(
        r["bad_name"],
        json!([
            bad("nosuch"),
            bad("g:*"),
            bad("g:nosuch"),
            bad("nosuch"),
            bad("nosuch"),
            bad("nosuch"),
            bad("nosuch"),
            bad("nosuch"),
            bad("g:*"),
            bad("nosuch"),
            bad("nosuch"),
            bad("nosuch"),
            bad("nosuch"),
            bad("nosuch")
        ])
    );
    assert_eq!(
        r["bad_signal"],
        json!([f(11, "BAD_SIGNAL: FOO"), f(11, "BAD_SIGNAL: 999")])
    );
    assert_eq!(
        r["no_file"],
        json!([
            f(20, "NO_FILE: can't find command '/nonexistent/x'"),
            f(20, "NO_FILE")
        ])
    );
    assert_eq!(
        r["not_executable"],
        f(
            21,
            "NOT_EXECUTABLE: command at '/etc/passwd' is not executable"
        )
    );
    assert_eq!(r["spawn_error"], f(50, "SPAWN_ERROR: quick"));
    assert_eq!(r["already_started"], f(60, "ALREADY_STARTED: cat"));
    let not_running = f(70, "NOT_RUNNING: g:b");
    assert_eq!(
        r["not_running"],
        json!([not_running, not_running, not_running])
    );
    assert_eq!(r["already_added"], f(90, "ALREADY_ADDED: g"));
    assert_eq!(r["still_running"], f(91, "STILL_RUNNING: g"));
    assert_eq!(
        r["abnormal"],
        json!({"faultCode": 40, "faultString": "ABNORMAL_TERMINATION: slow"})
    );
    assert_eq!(r["cant_reread"][0], json!(92));
    assert!(
        r["cant_reread"][1]
            .as_str()
            .unwrap()
            .starts_with("CANT_REREAD: "),
        "{}",
        r["cant_reread"]
    );
}

#[test]
fn group_and_all_results_carry_full_fault_texts() {
    let d = daemon();
    let r = script(
        &d,
        r#"
def by_name(rs):
    return sorted(rs, key=lambda x: (x['group'], x['name']))
out = {}
out['start_all'] = by_name(s.supervisor.startAllProcesses())
out['signal_group_bad'] = s.supervisor.signalProcessGroup('g', 'FOO')
out['signal_star_bad'] = s.supervisor.signalProcess('g:*', 'FOO')
out['signal_all_bad'] = by_name(s.supervisor.signalAllProcesses('FOO'))
out['signal_nosuch_bad'] = fault('supervisor.signalProcessGroup', 'nosuch', 'FOO')
s.supervisor.stopProcessGroup('g')
out['signal_stopped_group_bad'] = s.supervisor.signalProcessGroup('g', 'FOO')
out['stop_stopped_group'] = s.supervisor.stopProcessGroup('g')
done(out)
"#,
    );
    let res = |group: &str, name: &str, status: i64, description: &str| json!({"name": name, "group": group, "status": status, "description": description});
    // As rpcinterface's make_allfunc: description is the whole fault text (RPCError.text).
    assert_eq!(
        r["start_all"],
        json!([
            res("g", "b", 80, "OK"),
            res(
                "noexec",
                "noexec",
                20,
                "NO_FILE: can't find command '/nonexistent/x'"
            ),
            res(
                "notx",
                "notx",
                21,
                "NOT_EXECUTABLE: command at '/etc/passwd' is not executable"
            ),
            res("quick", "quick", 50, "SPAWN_ERROR: quick")
        ])
    );
    // The signal is checked per signallable process, not up front.
    let bad = |g: &str, n: &str| res(g, n, 11, "BAD_SIGNAL: FOO");
    assert_eq!(r["signal_group_bad"], json!([bad("g", "a"), bad("g", "b")]));
    assert_eq!(r["signal_star_bad"], json!([bad("g", "a"), bad("g", "b")]));
    assert_eq!(
        r["signal_all_bad"],
        json!([
            bad("cat", "cat"),
            bad("g", "a"),
            bad("g", "b"),
            bad("nolog", "nolog")
        ])
    );
    assert_eq!(r["signal_nosuch_bad"], json!([10, "BAD_NAME: nosuch"]));
    assert_eq!(r["signal_stopped_group_bad"], json!([]));
    assert_eq!(r["stop_stopped_group"], json!([]));
}

#[test]
fn parameters_are_read_with_pythons_leniency() {
    let d = daemon();
    let r = script(
        &d,
        r#"
out = {}
# wait is a truth value: an empty list is false, a non-empty string true.
out['wait_list'] = s.supervisor.startProcess('g:*', [])
s.supervisor.stopProcess('g:b')
out['wait_str'] = s.supervisor.startProcess('g:b', 'x')
# int() of a float truncates.
out['float_offset'] = s.supervisor.readLog(1.5, 0) == s.supervisor.readLog(1, 0)
out['remote_ints'] = s.supervisor.sendRemoteCommEvent(1, 2)
# multicall's params are unpacked as Python's func(*params): a string is its characters.
out['multicall_str_params'] = s.system.multicall([{'methodName': 'supervisor.getPID', 'params': 'x'}])
done(out)
"#,
    );
    assert_eq!(
        r["wait_list"],
        json!([{"name": "b", "group": "g", "status": 80, "description": "OK"}])
    );
    assert_eq!(r["wait_str"], json!(true));
    assert_eq!(r["float_offset"], json!(true));
    assert_eq!(r["remote_ints"], json!(true));
    assert_eq!(
        r["multicall_str_params"],
        json!([{"faultCode": 2, "faultString": "INCORRECT_PARAMETERS"}])
    );
}

#[test]
fn pid_and_start_time_are_known_while_starting() {
    let d = Daemon::start(&format!(
        "{UNIX}[program:slow]\ncommand=sleep 1000\nstartsecs=30\nautostart=false\n"
    ));
    let r = script(
        &d,
        r#"
before = int(time.time())
s.supervisor.startProcess('slow', False)
info = s.supervisor.getProcessInfo('slow')
done([info['statename'], info['pid'] > 0, info['start'] >= before, info['description']])
"#,
    );
    assert_eq!(r, json!(["STARTING", true, true, ""]));
}

#[test]
fn multicall_mixes_bare_values_and_fault_structs() {
    let d = daemon();
    let r = script(
        &d,
        r#"
done(s.system.multicall([
    {'methodName': 'supervisor.getAPIVersion'},
    {'methodName': 'supervisor.getProcessInfo', 'params': ['nosuch']},
    {'methodName': 'system.multicall', 'params': [[]]},
    {'params': []},
    {'methodName': 'nosuch'},
    {'methodName': 'supervisor.startProcess', 'params': ['g:b']},
    {'methodName': 'supervisor.stopProcess', 'params': ['g:b']},
    {'methodName': 'supervisor.stopProcess', 'params': ['g:b']},
    {'methodName': 'supervisor.getState', 'params': []},
    {'methodName': 'supervisor.stopProcessGroup', 'params': ['g', True]},
]))
"#,
    );
    assert_eq!(
        r,
        json!([
            "3.0",
            {"faultCode": 10, "faultString": "BAD_NAME: nosuch"},
            {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"},
            {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: No methodName"},
            {"faultCode": 1, "faultString": "UNKNOWN_METHOD"},
            true,
            true,
            {"faultCode": 70, "faultString": "NOT_RUNNING: g:b"},
            {"statecode": 1, "statename": "RUNNING"},
            [{"name": "a", "group": "g", "status": 80, "description": "OK"}]
        ])
    );
}

#[test]
fn bad_requests_get_supervisors_answer_and_the_daemon_keeps_answering() {
    let d = daemon();
    let r = script(
        &d,
        r#"
import http.client, socket
def raw(body, method='POST'):
    c = http.client.HTTPConnection('localhost')
    c.sock = socket.socket(socket.AF_UNIX)
    c.sock.connect(SOCK)
    c.request(method, '/RPC2', body=body, headers={'Content-Type': 'text/xml'})
    r = c.getresponse()
    return [r.status, r.read().decode()]
call_ = "<?xml version='1.0'?><methodCall><methodName>%s</methodName><params>%s</params></methodCall>"
out = {}
out['garbage'] = raw(b'garbage')[0]
out['no_method'] = raw(b"<?xml version='1.0'?><methodCall><params></params></methodCall>")[0]
out['get'] = raw(None, 'GET')[0]
out['no_params'] = raw(b"<?xml version='1.0'?><methodCall><methodName>supervisor.getAPIVersion</methodName></methodCall>")
out['bare_value'] = 'RUNNING' in raw((call_ % ('supervisor.getProcessInfo', '<param><value>cat</value></param>')).encode())[1]
out['unicode_name'] = raw((call_ % ('supervisor.getProcessInfo', '<param><value><string>caf\u00e9</string></value></param>')).encode())[1]
out['after'] = s.supervisor.getState()['statename']
done(out)
"#,
    );
    assert_eq!(r["garbage"], json!(400));
    assert_eq!(r["no_method"], json!(400));
    assert_eq!(r["get"], json!(400));
    assert_eq!(
        r["no_params"],
        json!([200, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>3.0</string></value>\n</param>\n</params>\n</methodResponse>\n"])
    );
    assert_eq!(r["bare_value"], json!(true));
    assert!(
        r["unicode_name"]
            .as_str()
            .unwrap()
            .contains("<string>BAD_NAME: caf\u{e9}</string>"),
        "{}",
        r["unicode_name"]
    );
    assert_eq!(r["after"], json!("RUNNING"));
}

#[test]
fn shutdown_state_while_stopping_slowly() {
    let mut d = Daemon::start(&format!(
        "{UNIX}[program:stubborn]\ncommand=/bin/sh -c \"trap '' TERM; echo ready; while :; do sleep 0.1; done\"\n\
         startsecs=0\nstopwaitsecs=3\n"
    ));
    d.wait_log("success: stubborn entered RUNNING state");
    let r = script(
        &d,
        r#"
out = {'shutdown': s.supervisor.shutdown()}
out['state'] = fault('supervisor.getState')
out['info'] = fault('supervisor.getProcessInfo', 'stubborn')
out['version'] = fault('supervisor.getVersion')
out['system'] = 'supervisor.addProcessGroup' in s.system.listMethods()
done(out)
"#,
    );
    assert_eq!(r["shutdown"], json!(true));
    let shutting = json!([6, "SHUTDOWN_STATE"]);
    assert_eq!(r["state"], shutting);
    assert_eq!(r["info"], shutting);
    assert_eq!(r["version"], shutting);
    assert_eq!(r["system"], json!(true), "system.* still answers");
    assert!(d.wait_exit().success());
}

#[test]
fn unicode_and_invalid_utf8_output_and_a_1mb_read() {
    let d = Daemon::start(&format!(
        "{UNIX}[program:uni]\ncommand=printf 'h\\303\\251llo \\342\\234\\223 w\\366rld\\n'\n\
         startsecs=0\nautorestart=false\n\n\
         [program:big]\ncommand=/bin/sh -c \"head -c 1100000 /dev/zero | tr '\\\\0' x; sleep 1000\"\n\
         startsecs=0\n"
    ));
    d.wait_log("exited: uni (exit status 0; expected)");
    let r = script(
        &d,
        r#"
out = {}
out['uni'] = s.supervisor.readProcessStdoutLog('uni', 0, 0)
out['tail'] = s.supervisor.tailProcessStdoutLog('uni', 0, 100)
until('1 MB written', lambda: s.supervisor.tailProcessStdoutLog('big', 0, 0)[1] >= 1100000)
big = s.supervisor.readProcessStdoutLog('big', 0, 1048576)
out['big'] = [len(big), set(big) == {'x'}]
big = s.supervisor.readProcessStdoutLog('big', -1048576, 0)
out['big_tail'] = len(big)
done(out)
"#,
    );
    // Invalid UTF-8 comes back as U+FFFD rather than a broken XML document.
    assert_eq!(r["uni"], json!("h\u{e9}llo \u{2713} w\u{fffd}rld\n"));
    assert_eq!(r["tail"][0], json!("h\u{e9}llo \u{2713} w\u{fffd}rld\n"));
    assert_eq!(r["tail"][1], json!(17));
    assert_eq!(r["big"], json!([1048576, true]));
    assert_eq!(r["big_tail"], json!(1048576));
}

#[test]
fn integers_are_capped_and_nil_is_never_sent() {
    let d = Daemon::start(&format!(
        "{UNIX}[program:huge]\ncommand=cat\nstartsecs=0\nstdout_logfile_maxbytes=5GB\n\
         stopwaitsecs=3000000000\n"
    ));
    d.wait_log("success: huge entered RUNNING state");
    let r = script(
        &d,
        r#"
import http.client, socket
def raw(method, params=''):
    c = http.client.HTTPConnection('localhost')
    c.sock = socket.socket(socket.AF_UNIX)
    c.sock.connect(SOCK)
    body = "<?xml version='1.0'?><methodCall><methodName>%s</methodName><params>%s</params></methodCall>" % (method, params)
    c.request('POST', '/RPC2', body=body.encode())
    return c.getresponse().read().decode()
conf = s.supervisor.getAllConfigInfo()[0]
bodies = [raw('supervisor.getAllConfigInfo'), raw('supervisor.getAllProcessInfo'), raw('supervisor.getState')]
done({'maxbytes': conf['stdout_logfile_maxbytes'], 'stopwaitsecs': conf['stopwaitsecs'],
      'nil': any('<nil' in b for b in bodies)})
"#,
    );
    assert_eq!(
        r,
        json!({"maxbytes": 2147483647, "stopwaitsecs": 2147483647, "nil": false})
    );
}

/// A client that keeps its connection open and idle for over a minute can still use it:
/// supervisorctl's transport and xmlrpc.client's keep-alive rely on that.
#[test]
fn keepalive_connection_idle_for_61_seconds_is_reused() {
    let port = common::http::free_port();
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=pass\n"
    ));
    let r = script(
        &d,
        &format!(
            r#"
import http.client
t = SupervisorTransport('user', 'pass', 'http://127.0.0.1:{port}')
p = xmlrpc.client.ServerProxy('http://127.0.0.1:{port}', transport=t)
first = p.supervisor.getVersion()
conn = t.connection
sock = conn.sock
time.sleep(61)
second = p.supervisor.getState()['statename']
done({{'first': first, 'second': second, 'same_conn': t.connection is conn, 'same_sock': conn.sock is sock}})
"#
        ),
    );
    assert_eq!(
        r,
        json!({"first": "3.0", "second": "RUNNING", "same_conn": true, "same_sock": true})
    );
}
