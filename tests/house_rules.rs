//! Rules of the house that a reviewer should not have to check by hand.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn no_source_file_is_over_800_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let long: Vec<String> = rust_files(&src)
        .into_iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            (lines > 800).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}

/// The modules of src/actors/ that `file` (in module `module`) names, through `super::x` at
/// the top of the module or `crate::actors::x` anywhere.
fn actor_modules_named(file: &Path, module: &str, modules: &[String]) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let top_level = file.parent().and_then(|p| p.file_name()) == Some("actors".as_ref());
    modules
        .iter()
        .filter(|other| *other != module)
        .filter(|other| {
            text.contains(&format!("crate::actors::{other}"))
                || (top_level && text.contains(&format!("super::{other}")))
                || text.contains(&format!("super::super::{other}"))
        })
        .cloned()
        .collect()
}

#[test]
fn no_import_circle_between_the_actor_modules() {
    let actors = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/actors");
    let module_of = |path: &Path| -> String {
        let rel = path.strip_prefix(&actors).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let files: Vec<PathBuf> = rust_files(&actors)
        .into_iter()
        .filter(|p| !p.ends_with("mod.rs") || p.parent() != Some(actors.as_path()))
        .collect();
    let mut modules: Vec<String> = files.iter().map(|p| module_of(p)).collect();
    modules.sort();
    modules.dedup();
    let mut edges: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in &files {
        let module = module_of(file);
        let named = actor_modules_named(file, &module, &modules);
        edges.entry(module).or_default().extend(named);
    }
    // Depth-first search for a path that comes back to where it started.
    fn cycle_from(
        start: &str,
        at: &str,
        edges: &std::collections::BTreeMap<String, Vec<String>>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        for next in edges.get(at).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if !path.contains(next) {
                path.push(next.clone());
                if let Some(cycle) = cycle_from(start, next, edges, path) {
                    return Some(cycle);
                }
                path.pop();
            }
        }
        None
    }
    for module in &modules {
        let cycle = cycle_from(module, module, &edges, &mut vec![module.clone()]);
        assert!(
            cycle.is_none(),
            "import circle: {}",
            cycle.unwrap().join(" -> ")
        );
    }
}
