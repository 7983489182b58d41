//! `depends_on = a, b, group:c` (an extension): the processes a program waits for. Each entry
//! is a program name (all of its processes), a process name, `group:name` (that process of
//! that group), `group:*` or `group:c` (every process of group c). The loader checks, once
//! every group is read, that each entry names something and that no process waits on
//! itself through a chain; the Registry resolves the same entries into its start graph.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;

use super::parse::Ini;
use super::section::{section_error, section_file, value_problem};
use super::{ConfigError, GroupConfig, ProcessConfig};

/// One process, by its group and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessKey {
    pub group: String,
    pub name: String,
}

/// As supervisorctl names it: `name` when the group has the process's name, else `group:name`.
impl fmt::Display for ProcessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group == self.name {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{}:{}", self.group, self.name)
        }
    }
}

/// The processes one entry names; `None` when it names nothing.
fn resolve<G: Borrow<GroupConfig>>(groups: &[G], entry: &str) -> Option<Vec<ProcessKey>> {
    let key = |g: &GroupConfig, p: &ProcessConfig| ProcessKey {
        group: g.name.clone(),
        name: p.name.clone(),
    };
    let matching = |pick: &dyn Fn(&GroupConfig, &ProcessConfig) -> bool| {
        let found: Vec<ProcessKey> = groups
            .iter()
            .map(Borrow::borrow)
            .flat_map(|g| g.processes.iter().filter(|p| pick(g, p)).map(|p| key(g, p)))
            .collect();
        (!found.is_empty()).then_some(found)
    };
    let whole_group = |name: &str| {
        let group = groups.iter().map(Borrow::borrow).find(|g| g.name == name)?;
        Some(group.processes.iter().map(|p| key(group, p)).collect())
    };
    match entry.split_once(':') {
        Some((group, "*")) => whole_group(group),
        // A process named so wins over the `group:` prefix (a group may be called "group").
        Some((group, name)) => {
            matching(&|g, p| g.name == group && p.name == name).or_else(|| match group {
                "group" => whole_group(name),
                _ => None,
            })
        }
        None => {
            matching(&|_, p| p.program_name == entry).or_else(|| matching(&|_, p| p.name == entry))
        }
    }
}

/// Every process with a `depends_on`, and the processes it waits for, each once, in the
/// order written. Entries that name nothing are left out (the loader refuses them).
pub fn graph<G: Borrow<GroupConfig>>(groups: &[G]) -> BTreeMap<ProcessKey, Vec<ProcessKey>> {
    let mut graph = BTreeMap::new();
    for group in groups.iter().map(Borrow::borrow) {
        for process in group.processes.iter().filter(|p| !p.depends_on.is_empty()) {
            let mut deps: Vec<ProcessKey> = Vec::new();
            for dep in process
                .depends_on
                .iter()
                .filter_map(|entry| resolve(groups, entry))
                .flatten()
            {
                if !deps.contains(&dep) {
                    deps.push(dep);
                }
            }
            let key = ProcessKey {
                group: group.name.clone(),
                name: process.name.clone(),
            };
            graph.insert(key, deps);
        }
    }
    graph
}

/// The loader's check, once every group is read: every entry names something, and no chain
/// of dependencies comes back to where it started. An error names the program's section.
pub(super) fn check<G: Borrow<GroupConfig>>(groups: &[G], ini: &Ini) -> Result<(), ConfigError> {
    let refuse = |process: &ProcessConfig, message: String| {
        let plain = format!("program:{}", process.program_name);
        let section = if ini.has_section(&plain) {
            plain
        } else {
            format!("fcgi-program:{}", process.program_name)
        };
        let file = section_file(ini, &section);
        section_error(value_problem("depends_on", message), &section, file)
    };
    let mut sections = BTreeMap::new();
    for group in groups.iter().map(Borrow::borrow) {
        for process in &group.processes {
            if let Some(entry) = process
                .depends_on
                .iter()
                .find(|e| resolve(groups, e).is_none())
            {
                let message = format!("depends_on names no program, process or group: '{entry}'");
                return Err(refuse(process, message));
            }
            let key = ProcessKey {
                group: group.name.clone(),
                name: process.name.clone(),
            };
            sections.insert(key, process);
        }
    }
    let graph = graph(groups);
    match find_cycle(&graph) {
        Some(cycle) => {
            let path: Vec<String> = cycle.iter().map(ToString::to_string).collect();
            let message = format!("depends_on cycle: {}", path.join(" -> "));
            Err(refuse(sections[&cycle[0]], message))
        }
        None => Ok(()),
    }
}

/// A chain that comes back to its start (`a, b, a`), searched from each process in order.
fn find_cycle(graph: &BTreeMap<ProcessKey, Vec<ProcessKey>>) -> Option<Vec<ProcessKey>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        OnPath,
        Done,
    }
    fn visit<'g>(
        key: &'g ProcessKey,
        graph: &'g BTreeMap<ProcessKey, Vec<ProcessKey>>,
        marks: &mut BTreeMap<&'g ProcessKey, Mark>,
        path: &mut Vec<&'g ProcessKey>,
    ) -> Option<Vec<ProcessKey>> {
        match marks.get(key) {
            Some(Mark::Done) => return None,
            Some(Mark::OnPath) => {
                let start = path.iter().position(|k| *k == key).unwrap_or(0);
                let mut cycle: Vec<ProcessKey> =
                    path[start..].iter().map(|k| (*k).clone()).collect();
                cycle.push(key.clone());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(key, Mark::OnPath);
        path.push(key);
        for dep in graph.get(key).into_iter().flatten() {
            if let Some(cycle) = visit(dep, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(key, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|key| visit(key, graph, &mut marks, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::config::expand::Expansions;
    use crate::config::programs;

    /// The groups of a config of program sections (`programs::groups` runs the check).
    fn load(text: &str) -> Result<Vec<Arc<GroupConfig>>, ConfigError> {
        let mut ini = Ini::default();
        ini.read_str(text, "t.conf", Path::new("t.conf")).unwrap();
        programs::groups(&ini, "/tmp", &Expansions::new(), false, &mut Vec::new())
    }

    const SAMPLE: &str = "[program:db]\ncommand=db\n\
        [program:w]\ncommand=w\nnumprocs=2\nprocess_name=w_%(process_num)s\n\
        [group:workers]\nprograms=w\n\
        [program:web]\ncommand=web\ndepends_on=db, group:workers\n\
        [program:api]\ncommand=api\ndepends_on=workers:w_1,web:*,workers:w_1\n";

    fn key(group: &str, name: &str) -> ProcessKey {
        ProcessKey {
            group: group.into(),
            name: name.into(),
        }
    }

    #[test]
    fn entries_name_programs_processes_and_groups() {
        let groups = load(SAMPLE).unwrap();
        assert_eq!(resolve(&groups, "db"), Some(vec![key("db", "db")]));
        let workers = Some(vec![key("workers", "w_0"), key("workers", "w_1")]);
        assert_eq!(resolve(&groups, "w"), workers);
        assert_eq!(resolve(&groups, "group:workers"), workers);
        assert_eq!(resolve(&groups, "workers:*"), workers);
        assert_eq!(resolve(&groups, "w_0"), Some(vec![key("workers", "w_0")]));
        assert_eq!(resolve(&groups, "nope"), None);
        assert_eq!(resolve(&groups, "workers:nope"), None);
        assert_eq!(resolve(&groups, "group:nope"), None);
    }

    #[test]
    fn the_graph_lists_each_dependency_once() {
        let graph = graph(&load(SAMPLE).unwrap());
        assert_eq!(
            graph[&key("web", "web")],
            [
                key("db", "db"),
                key("workers", "w_0"),
                key("workers", "w_1")
            ]
        );
        assert_eq!(
            graph[&key("api", "api")],
            [key("workers", "w_1"), key("web", "web")]
        );
        assert!(!graph.contains_key(&key("db", "db")));
    }

    #[test]
    fn a_cycle_is_refused_with_its_path() {
        let text = "[program:c]\ncommand=c\ndepends_on=a\n\
            [program:b]\ncommand=b\ndepends_on=c\n\
            [program:a]\ncommand=a\ndepends_on=b\n";
        assert_eq!(
            load(text).unwrap_err().message,
            "depends_on cycle: a -> b -> c -> a (option 'depends_on') in section 'program:a' \
             (file: 't.conf')"
        );
    }

    #[test]
    fn a_process_waiting_on_itself_is_a_cycle() {
        let text = "[fcgi-program:f]\ncommand=f\nsocket=tcp://localhost:9\ndepends_on=f\n";
        assert_eq!(
            load(text).unwrap_err().message,
            "depends_on cycle: f -> f (option 'depends_on') in section 'fcgi-program:f' \
             (file: 't.conf')"
        );
    }
}
