//! The structure ARCHITECTURE.md states, checked: the generator's stages import only
//! earlier stages and the vocabulary (`ir`, `names`, `diag`); no crate's modules, and no
//! folder's files, import each other in a circle; each kind of change has one room; and
//! (`layers/sizes.rs`) no hand-written file or function is over the size limits. Test code (`#[cfg(test)]` and `tests.rs`) and
//! comments are left out, and so is what the emitter writes into generated code
//! (`crate::common::..` inside `quote!`): only references to the crate's own modules
//! count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[path = "layers/sizes.rs"]
mod sizes;
use sizes::hand_written;

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
    // Rank of each stage (a folder: its files are one stage); the vocabulary is rank 0.
    // Stages of one rank are independent. The order: the documents read (`input`), the
    // model built from them (into the `ir` vocabulary), the client crate written (`emit`),
    // what other crates read (`tables`, through emit's tokens), what a person reviews
    // (`review`), and the driver that writes or checks it all.
    let rank: BTreeMap<&str, u32> = [
        ("diag", 0),
        ("names", 0),
        ("ir", 0),
        ("input", 1),
        ("model", 2),
        ("emit", 3),
        ("tables", 4),
        ("review", 4),
        ("write", 5),
        ("artifacts", 6),
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

/// Text inside `quote!(..)`, `quote! {..}` and `quote![..]` left out: paths the emitter
/// writes into generated code (`super::models::X`) are not imports of the generator.
fn without_quotes(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find("quote!") {
        out.push_str(&rest[..i]);
        let after = rest[i + 6..].trim_start();
        let Some(open) = after.chars().next().filter(|c| "({[".contains(*c)) else {
            out.push_str("quote!");
            rest = &rest[i + 6..];
            continue;
        };
        let close = match open {
            '(' => ')',
            '{' => '}',
            _ => ']',
        };
        let mut depth = 0usize;
        let mut end = after.len();
        for (j, c) in after.char_indices() {
            if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    end = j + 1;
                    break;
                }
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A circle in `edges`, if there is one, as the path that closes it.
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut circle = path[i..].to_vec();
            circle.push(n.to_string());
            return Some(circle);
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
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

/// The imports between a crate's top-level modules. `roots` are the files whose
/// `pub use crate::m::{A, B}` make `crate::A` a reference to `m`; they are left out as
/// importers (a root declares and re-exports every module).
fn module_edges(src: &Path, roots: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let sources: BTreeMap<String, String> = sources(src)
        .into_iter()
        .map(|(m, code)| (m, without_quotes(&code)))
        .collect();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for root_file in roots {
        let Some(code) = sources.get(*root_file) else {
            panic!("{}: no {root_file}.rs", src.display());
        };
        for stmt in code.split("pub use ").skip(1) {
            let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
            let Some(path) = stmt.strip_prefix("crate::") else {
                continue;
            };
            let (module, names) = path.split_once("::").unwrap_or((path, ""));
            let names = names.trim_start_matches('{').trim_end_matches('}');
            for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                owner.insert(n.to_string(), module.to_string());
            }
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &sources {
        if roots.contains(&module.as_str()) {
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
    edges
}

/// The hand-written crates, their source folders and root files.
const CRATES: &[(&str, &[&str])] = &[
    ("runtime/src", &["lib", "contract"]),
    ("codegen/src", &["lib"]),
    ("mock/src", &["lib", "main"]),
    ("xtask/src", &["main"]),
    ("api-model/src", &["lib"]),
    ("tests/src", &["lib"]),
    ("cli/src", &["lib", "main"]),
    ("commands/src", &["lib"]),
    ("reports/src", &["lib"]),
];

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let root = servicetitan_tests::workspace_root();
    for (dir, roots) in CRATES {
        let edges = module_edges(&root.join(dir), roots);
        if let Some(circle) = find_circle(&edges) {
            panic!("{dir}: modules import each other: {}", circle.join(" -> "));
        }
    }
    // The scan sees imports, and sees a circle where there is one.
    let runtime = module_edges(&root.join("runtime/src"), &["lib", "contract"]);
    assert!(runtime.len() >= 12, "the runtime's modules: {runtime:?}");
    assert!(
        runtime["client"].contains("budget") && runtime["budget"].contains("response"),
        "the scan sees imports: {runtime:?}"
    );
    let mut closed = runtime.clone();
    closed
        .entry("response".into())
        .or_default()
        .insert("client".into());
    assert!(find_circle(&closed).is_some());
    assert_eq!(
        without_quotes("a quote!(super::x::#n) b quote! { c } d"),
        "a  b  d"
    );
}

/// The files of one folder (its `mod.rs` aside, which declares them) and what each takes
/// from its siblings (`super::x`, `crate::folder::x`).
fn sibling_edges(folder: &Path, module_path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(folder).expect("read dir") {
        let p = e.expect("entry").path();
        let stem = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if p.extension().is_some_and(|x| x == "rs") && stem != "mod" && stem != "tests" {
            let text = std::fs::read_to_string(&p).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            files.insert(stem, without_quotes(code));
        } else if p.is_dir() && p.join("mod.rs").exists() {
            files.insert(
                stem,
                without_quotes(&std::fs::read_to_string(p.join("mod.rs")).expect("read")),
            );
        }
    }
    let prefixes = ["super::".to_string(), format!("crate::{module_path}::")];
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, code) in &files {
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut refs = BTreeSet::new();
        for prefix in &prefixes {
            for (i, _) in code.match_indices(prefix.as_str()) {
                let rest = &code[i + prefix.len()..];
                match rest.strip_prefix('{') {
                    Some(list) => {
                        let list = &list[..list.find('}').unwrap_or(list.len())];
                        refs.extend(
                            list.split(',')
                                .map(|x| x.trim().split("::").next().unwrap_or("").to_string()),
                        );
                    }
                    None => {
                        refs.insert(
                            rest.chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect(),
                        );
                    }
                }
            }
        }
        let targets = refs
            .into_iter()
            .filter(|r| r != file && files.contains_key(r));
        edges.entry(file.clone()).or_default().extend(targets);
    }
    edges
}

#[test]
fn no_folder_has_files_that_import_each_other_in_a_circle() {
    let root = servicetitan_tests::workspace_root();
    let mut folders_seen = 0;
    for (dir, _) in CRATES {
        let src = root.join(dir);
        let mut stack = vec![src.clone()];
        while let Some(folder) = stack.pop() {
            for e in std::fs::read_dir(&folder).expect("read dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                }
            }
            if folder == src {
                continue; // the crate's top level: the test above
            }
            folders_seen += 1;
            let module_path = folder
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('/', "::");
            if let Some(circle) = find_circle(&sibling_edges(&folder, &module_path)) {
                panic!(
                    "{}: files import each other: {}",
                    folder.display(),
                    circle.join(" -> ")
                );
            }
        }
    }
    assert!(
        folders_seen >= 8,
        "the scan found the folders: {folders_seen}"
    );
    let dir = std::env::temp_dir().join(format!("st-layers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("a.rs"), "use super::b::X;\n").expect("write");
    std::fs::write(dir.join("b.rs"), "fn f() -> super::a::Y { g() }\n").expect("write");
    std::fs::write(dir.join("mod.rs"), "use a::Y;\n").expect("write");
    let two = sibling_edges(&dir, "two");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        find_circle(&two).is_some(),
        "a circle of two files is seen: {two:?}"
    );
    let emit = sibling_edges(&root.join("codegen/src/emit"), "emit");
    assert!(
        emit["models"].contains("tokens"),
        "the scan sees imports: {emit:?}"
    );
}

/// Lines of a source, comments and test code left out.
fn code_of(path: &str) -> String {
    let text = std::fs::read_to_string(servicetitan_tests::workspace_root().join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_kind_of_change_has_one_room() {
    let in_dir = |dir: &str| -> Vec<String> {
        hand_written()
            .into_iter()
            .map(|(f, _)| f)
            .filter(|f| f.starts_with(dir))
            .collect()
    };
    // A fault's effect is in the faults room: nothing else matches on a fault's kind or
    // builds a delivery other than the whole answer.
    for f in in_dir("mock/src/") {
        if f.starts_with("mock/src/faults/") || f == "mock/src/answer.rs" {
            continue;
        }
        let code = code_of(&f);
        for forbidden in [
            "Delivery::Truncate",
            "Delivery::Reset",
            "Delivery::Trickle",
            "Fault::Delay(",
            "Fault::Truncate =>",
            "Fault::Reset =>",
        ] {
            assert!(
                !code.contains(forbidden),
                "{f} names `{forbidden}`: a fault's effect belongs in mock/src/faults/"
            );
        }
    }
    // Retrying: the one decision is taken in one place, for calls and tokens alike.
    for f in in_dir("runtime/src/") {
        if f == "runtime/src/retry.rs" || f == "runtime/src/retrying.rs" {
            continue;
        }
        assert!(
            !code_of(&f).contains("decide("),
            "{f} decides about retrying itself: use crate::retrying"
        );
    }
    // Streams: what lists and exports add to a builder is emitted from one room.
    for f in in_dir("codegen/src/") {
        if f == "codegen/src/emit/streams.rs" {
            continue;
        }
        for t in [
            "impl rt::PagedRequest",
            "impl rt::ExportRequest",
            "impl rt::IncrementalRequest",
        ] {
            assert!(
                !code_of(&f).contains(t),
                "{f} emits `{t}`: streams are emitted from emit/streams.rs"
            );
        }
    }
    // xtask: the jobs share their inputs through inputs.rs, never through main.rs.
    let main = code_of("xtask/src/main.rs");
    assert!(
        !main.contains("pub fn") && !main.contains("pub struct"),
        "xtask's main.rs defines what jobs import"
    );
    // The client: its attempt loop and admission in rooms of their own.
    for room in [
        "runtime/src/client/attempt.rs",
        "runtime/src/client/admission.rs",
    ] {
        assert!(!code_of(room).is_empty(), "{room}");
    }
}

/// The API's description is defined once, in servicetitan-api-model.
#[test]
fn the_api_is_described_once() {
    // The API's description is defined once, in servicetitan-api-model: the generator fills
    // it, the stand-in and the command line read it, the runtime takes its `Method`, and the
    // stand-in never depends on the generator.
    let manifest =
        |p: &str| std::fs::read_to_string(servicetitan_tests::workspace_root().join(p)).expect(p);
    for m in [
        "codegen/Cargo.toml",
        "mock/Cargo.toml",
        "commands/Cargo.toml",
        "runtime/Cargo.toml",
    ] {
        assert!(
            manifest(m).contains("servicetitan-api-model"),
            "{m} does not use the API model crate"
        );
    }
    assert!(
        !manifest("mock/Cargo.toml").contains("servicetitan-codegen"),
        "the stand-in depends on the generator"
    );
    assert!(
        !manifest("api-model/Cargo.toml").contains("path ="),
        "the API model crate depends on the project"
    );
    for (f, code) in hand_written()
        .iter()
        .filter(|(f, _)| f.starts_with("mock/src/") || f.starts_with("codegen/src/"))
    {
        assert!(
            !code.contains("derive(Deserialize)]\npub enum Ty"),
            "{f} defines the model's types again"
        );
        assert!(
            !code.contains("json!({\"kind\""),
            "{f} writes the model untyped"
        );
    }
    for (f, code) in hand_written()
        .iter()
        .filter(|(f, _)| !f.starts_with("api-model/"))
    {
        assert!(
            !code.contains(concat!("pub enum ", "Method {")),
            "{f} defines the HTTP methods again"
        );
    }
}

/// Every path ARCHITECTURE.md's "Where to change what" names exists, so the map stays
/// true when code moves.
#[test]
fn where_to_change_what_names_files_that_exist() {
    let root = servicetitan_tests::workspace_root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = &text[text.find("## Where to change what").expect("the section")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let tops = [
        "api-model",
        "cli",
        "codegen",
        "commands",
        "generated",
        "mock",
        "readme",
        "reports",
        "runtime",
        "specs",
        "tests",
        "xtask",
    ];
    let mut checked = 0;
    for (i, quoted) in section.split('`').enumerate() {
        let top = quoted.split('/').next().unwrap_or_default();
        if i % 2 == 0 || !quoted.contains('/') || !tops.contains(&top) || quoted.contains('<') {
            continue;
        }
        assert!(
            root.join(quoted).exists(),
            "ARCHITECTURE.md names `{quoted}`, which does not exist"
        );
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} paths found");
}
