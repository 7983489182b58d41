//! Every published method: its name, its signature (as system.methodSignature reports it,
//! from the `@param`/`@return` tags of Supervisor's docstrings) and its help text. One long
//! table on purpose: it is the reference for listMethods, methodHelp, methodSignature and
//! the arity check.

/// One published method.
pub struct MethodSpec {
    pub name: &'static str,
    /// XML-RPC type of the result.
    pub returns: &'static str,
    /// (type, name) of each parameter, in order.
    pub params: &'static [(&'static str, &'static str)],
    /// How many leading parameters are required (the rest have defaults).
    pub required: usize,
    pub help: &'static str,
}

const NAME: (&str, &str) = ("string", "name");
const WAIT: (&str, &str) = ("boolean", "wait");
const OFFSET: (&str, &str) = ("int", "offset");
const LENGTH: (&str, &str) = ("int", "length");
const SIGNAL: (&str, &str) = ("string", "signal");

macro_rules! method {
    ($name:literal, $returns:literal, [$($param:expr),*], $required:literal, $help:literal) => {
        MethodSpec { name: $name, returns: $returns, params: &[$($param),*], required: $required, help: $help }
    };
}

/// Sorted by name, as system.listMethods returns them.
pub const METHODS: &[MethodSpec] = &[
    // Ours, in a namespace of their own (health checks).
    method!("health.getAllProcessHealth", "array", [], 0,
        "Get the health of all processes\n\n@return array result An array of structs: string name, string group, string health (unchecked, starting, healthy, unhealthy), boolean ready"),
    method!("health.getProcessHealth", "struct", [NAME], 1,
        "Get the health of a process named name\n\n@param string name The name of the process (or 'group:name')\n@return struct result string name, string group, string health, boolean ready"),
    method!("supervisor.addProcessGroup", "boolean", [NAME], 1,
        "Update the config for a running process from config file.\n\n@param string name name of process group to add\n@return boolean result true if successful"),
    method!("supervisor.clearAllProcessLogs", "array", [], 0,
        "Clear all process log files\n\n@return array result An array of process status info structs"),
    method!("supervisor.clearLog", "boolean", [], 0,
        "Clear the main log.\n\n@return boolean result always returns True unless error"),
    method!("supervisor.clearProcessLog", "boolean", [NAME], 1,
        "Clear the stdout and stderr logs for the named process and reopen them.\n\n@param string name The name of the process (or 'group:name')\n@return boolean result Always True unless error"),
    method!("supervisor.clearProcessLogs", "boolean", [NAME], 1,
        "Clear the stdout and stderr logs for the named process and reopen them.\n\n@param string name The name of the process (or 'group:name')\n@return boolean result Always True unless error"),
    method!("supervisor.getAPIVersion", "string", [], 0,
        "Return the version of the RPC API used by supervisord\n\n@return string version id"),
    method!("supervisor.getAllConfigInfo", "array", [], 0,
        "Get info about all available process configurations. Each struct represents a single process (i.e. groups get flattened).\n\n@return array result An array of process config info structs"),
    method!("supervisor.getAllProcessInfo", "array", [], 0,
        "Get info about all processes\n\n@return array result An array of process status results"),
    method!("supervisor.getIdentification", "string", [], 0,
        "Return identifying string of supervisord\n\n@return string identifier identifying string"),
    method!("supervisor.getPID", "int", [], 0,
        "Return the PID of supervisord\n\n@return int PID"),
    method!("supervisor.getProcessInfo", "struct", [NAME], 1,
        "Get info about a process named name\n\n@param string name The name of the process (or 'group:name')\n@return struct result A structure containing data about the process"),
    method!("supervisor.getState", "struct", [], 0,
        "Return current state of supervisord as a struct\n\n@return struct A struct with keys int statecode, string statename"),
    method!("supervisor.getSupervisorVersion", "string", [], 0,
        "Return the version of the supervisor package in use by supervisord\n\n@return string version id"),
    method!("supervisor.getVersion", "string", [], 0,
        "Return the version of the RPC API used by supervisord\n\n@return string version id"),
    method!("supervisor.readLog", "string", [OFFSET, LENGTH], 2,
        "Read length bytes from the main log starting at offset\n\n@param int offset offset to start reading from.\n@param int length number of bytes to read from the log.\n@return string result Bytes of log"),
    method!("supervisor.readMainLog", "string", [OFFSET, LENGTH], 2,
        "Read length bytes from the main log starting at offset\n\n@param int offset offset to start reading from.\n@param int length number of bytes to read from the log.\n@return string result Bytes of log"),
    method!("supervisor.readProcessLog", "string", [NAME, OFFSET, LENGTH], 3,
        "Read length bytes from name's stdout log starting at offset\n\n@param string name the name of the process (or 'group:name')\n@param int offset offset to start reading from.\n@param int length number of bytes to read from the log.\n@return string result Bytes of log"),
    method!("supervisor.readProcessStderrLog", "string", [NAME, OFFSET, LENGTH], 3,
        "Read length bytes from name's stderr log starting at offset\n\n@param string name the name of the process (or 'group:name')\n@param int offset offset to start reading from.\n@param int length number of bytes to read from the log.\n@return string result Bytes of log"),
    method!("supervisor.readProcessStdoutLog", "string", [NAME, OFFSET, LENGTH], 3,
        "Read length bytes from name's stdout log starting at offset\n\n@param string name the name of the process (or 'group:name')\n@param int offset offset to start reading from.\n@param int length number of bytes to read from the log.\n@return string result Bytes of log"),
    method!("supervisor.reloadConfig", "array", [], 0,
        "Reload the configuration.\n\nThe result contains three arrays containing names of process groups: added, changed and removed.\n\n@return array result [[added, changed, removed]]"),
    method!("supervisor.removeProcessGroup", "boolean", [NAME], 1,
        "Remove a stopped process from the active configuration.\n\n@param string name name of process group to remove\n@return boolean result Indicates whether the removal was successful"),
    method!("supervisor.restart", "boolean", [], 0,
        "Restart the supervisor process\n\n@return boolean result always return True unless error"),
    method!("supervisor.sendProcessStdin", "boolean", [NAME, ("string", "chars")], 2,
        "Send a string of chars to the stdin of the process name. If non-7-bit data is sent (unicode), it is encoded to utf-8 before being sent to the process' stdin.\n\n@param string name The process name to send to (or 'group:name')\n@param string chars The character data to send to the process\n@return boolean result Always return True unless error"),
    method!("supervisor.sendRemoteCommEvent", "boolean", [("string", "type"), ("string", "data")], 2,
        "Send an event that will be received by event listener subprocesses subscribing to the RemoteCommunicationEvent.\n\n@param string type String for the \"type\" key in the event header\n@param string data Data for the event body\n@return boolean Always return True unless error"),
    method!("supervisor.shutdown", "boolean", [], 0,
        "Shut down the supervisor process\n\n@return boolean result always returns True unless error"),
    method!("supervisor.signalAllProcesses", "array", [SIGNAL], 1,
        "Send a signal to all processes in the process list\n\n@param string signal Signal to send, as name ('HUP') or number ('1')\n@return array An array of process status info structs"),
    method!("supervisor.signalProcess", "boolean", [NAME, SIGNAL], 2,
        "Send an arbitrary UNIX signal to the process named by name\n\n@param string name Name of the process to signal (or 'group:name')\n@param string signal Signal to send, as name ('HUP') or number ('1')\n@return boolean"),
    method!("supervisor.signalProcessGroup", "array", [NAME, SIGNAL], 2,
        "Send a signal to all processes in the group named 'name'\n\n@param string name The group name\n@param string signal Signal to send, as name ('HUP') or number ('1')\n@return array"),
    method!("supervisor.startAllProcesses", "array", [WAIT], 0,
        "Start all processes listed in the configuration file\n\n@param boolean wait Wait for each process to be fully started\n@return array result An array of process status info structs"),
    method!("supervisor.startProcess", "boolean", [NAME, WAIT], 1,
        "Start a process\n\n@param string name Process name (or 'group:name', or 'group:*')\n@param boolean wait Wait for process to be fully started\n@return boolean result Always true unless error"),
    method!("supervisor.startProcessGroup", "array", [NAME, WAIT], 1,
        "Start all processes in the group named 'name'\n\n@param string name The group name\n@param boolean wait Wait for each process to be fully started\n@return array result An array of process status info structs"),
    method!("supervisor.stopAllProcesses", "array", [WAIT], 0,
        "Stop all processes in the process list\n\n@param boolean wait Wait for each process to be fully stopped\n@return array result An array of process status info structs"),
    method!("supervisor.stopProcess", "boolean", [NAME, WAIT], 1,
        "Stop a process named by name\n\n@param string name The name of the process to stop (or 'group:name')\n@param boolean wait Wait for the process to be fully stopped\n@return boolean result Always return True unless error"),
    method!("supervisor.stopProcessGroup", "array", [NAME, WAIT], 1,
        "Stop all processes in the process group named 'name'\n\n@param string name The group name\n@param boolean wait Wait for each process to be fully stopped\n@return array result An array of process status info structs"),
    method!("supervisor.tailProcessLog", "array", [NAME, OFFSET, LENGTH], 3,
        "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog().\n\n@param string name the name of the process (or 'group:name')\n@param int offset offset to start reading from\n@param int length maximum number of bytes to return\n@return array result [string bytes, int offset, bool overflow]"),
    method!("supervisor.tailProcessStderrLog", "array", [NAME, OFFSET, LENGTH], 3,
        "Provides a more efficient way to tail the (stderr) log than readProcessStderrLog().\n\n@param string name the name of the process (or 'group:name')\n@param int offset offset to start reading from\n@param int length maximum number of bytes to return\n@return array result [string bytes, int offset, bool overflow]"),
    method!("supervisor.tailProcessStdoutLog", "array", [NAME, OFFSET, LENGTH], 3,
        "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog().\n\n@param string name the name of the process (or 'group:name')\n@param int offset offset to start reading from\n@param int length maximum number of bytes to return\n@return array result [string bytes, int offset, bool overflow]"),
    method!("system.listMethods", "array", [], 0,
        "Return an array listing the available method names\n\n@return array result An array of method names available (strings)."),
    method!("system.methodHelp", "string", [NAME], 1,
        "Return a string showing the method's documentation\n\n@param string name The name of the method.\n@return string result The documentation for the method name."),
    method!("system.methodSignature", "array", [NAME], 1,
        "Return an array describing the method signature in the form [rtype, ptype, ptype...] where rtype is the return data type of the method, and ptypes are the parameter data types that the method accepts in method argument order.\n\n@param string name The name of the method.\n@return array result The result."),
    method!("system.multicall", "array", [("array", "calls")], 1,
        "Process an array of calls, and return an array of results. Calls should be structs of the form {'methodName': string, 'params': array}. Each result will either be the result value, or a struct of the form {'faultCode': int, 'faultString': string}.\n\n@param array calls An array of call requests\n@return array result An array of results"),
];

/// The spec of a published method.
pub fn find(name: &str) -> Option<&'static MethodSpec> {
    METHODS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_helps_carry_the_signature_tags() {
        let names: Vec<_> = METHODS.iter().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for m in METHODS {
            assert!(
                m.help.contains(&format!("@return {}", m.returns)),
                "{}",
                m.name
            );
            for (ty, name) in m.params {
                assert!(
                    m.help.contains(&format!("@param {ty} {name}")),
                    "{} {name}",
                    m.name
                );
            }
            assert!(m.required <= m.params.len());
        }
    }
}
