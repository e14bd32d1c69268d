//! The structure ARCHITECTURE.md states, checked: the generator's stages import only
//! earlier stages and the vocabulary (`ir`, `names`, `diag`), and the runtime's modules
//! import each other without a cycle. Test code (`#[cfg(test)]` and `tests.rs`) and
//! comments are left out, and so is what the emitter writes into generated code
//! (`crate::common::..` inside `quote!`): only references to the crate's own modules
//! count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module a source file belongs to: `model/types.rs` -> `model`, `emit.rs` -> `emit`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// Every `.rs` file under `dir`, without test code, by module.
fn sources(src: &Path) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs") {
                let text = std::fs::read_to_string(&p).expect("read");
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                // Comments (doc links included) name items without importing them.
                let code: String = code
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                out.entry(module_of(src, &p)).or_default().push_str(&code);
            }
        }
    }
    out
}

/// The names that follow `crate::` in `code`: `crate::a::b` gives `a`, `crate::{a, b::c}`
/// gives `a` and `b`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        if let Some(list) = rest.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap_or(list.len())];
            out.extend(list.split(',').map(|x| ident(x.trim())));
        } else {
            out.insert(ident(rest));
        }
    }
    out.remove("");
    out
}

#[test]
fn generator_stages_import_only_earlier_stages_and_the_vocabulary() {
    let src = servicetitan_tests::workspace_root().join("codegen/src");
    // Rank of each stage; the vocabulary is rank 0. Modules of one rank are independent.
    let rank: BTreeMap<&str, u32> = [
        ("diag", 0),
        ("names", 0),
        ("ir", 0),
        ("load", 1),
        ("domains", 2),
        ("overlay", 3),
        ("schema", 3),
        ("model", 4),
        ("examples", 4),
        ("emit", 5),
        ("surface", 5),
        ("diff", 5),
        ("scopes", 5),
        ("semver", 6),
        ("write", 6),
        ("artifacts", 7),
    ]
    .into();
    let mut wrong = Vec::new();
    let sources = sources(&src);
    for (module, code) in &sources {
        if module == "lib" {
            continue; // the orchestrator: it calls every stage
        }
        let Some(&mine) = rank.get(module.as_str()) else {
            panic!("codegen module `{module}` has no place in the pipeline; add it here and to ARCHITECTURE.md");
        };
        for r in crate_refs(code) {
            if r == *module || !sources.contains_key(&r) {
                continue; // itself, an item of the crate root, or generated code's path
            }
            let theirs = rank.get(r.as_str()).copied().unwrap_or(u32::MAX);
            // The vocabulary may use itself (`ir` names types with `names`).
            if !(theirs == 0 || theirs < mine) {
                wrong.push(format!("{module} imports {r}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the pipeline's order: {wrong:?}"
    );
}

#[test]
fn runtime_modules_have_no_cycle() {
    let src = servicetitan_tests::workspace_root().join("runtime/src");
    let sources = sources(&src);
    // Items the crate root re-exports, by the module that defines them.
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for root_file in ["lib", "contract"] {
        for stmt in sources[root_file].split("pub use ").skip(1) {
            let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
            let path = stmt.trim_start_matches("crate::");
            let (module, names) = path.split_once("::").unwrap_or((path, ""));
            let names = names.trim_start_matches('{').trim_end_matches('}');
            for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                owner.insert(n.to_string(), module.to_string());
            }
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &sources {
        if module == "lib" || module == "contract" {
            continue;
        }
        let targets = crate_refs(code)
            .into_iter()
            .filter_map(|r| match owner.get(&r) {
                Some(m) => Some(m.clone()),
                None => sources.contains_key(&r).then_some(r),
            })
            .filter(|r| r != module);
        edges.entry(module.clone()).or_default().extend(targets);
    }
    // Depth-first search for a back edge.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        if let Some(cycle) = visit(n, &edges, &mut Vec::new(), &mut done) {
            panic!("runtime modules import each other: {}", cycle.join(" -> "));
        }
    }
    assert!(
        edges.len() >= 12,
        "the scan found the runtime's modules: {edges:?}"
    );
    assert!(
        edges["client"].contains("auth") && edges["auth"].contains("response"),
        "the scan sees imports: {edges:?}"
    );
}
