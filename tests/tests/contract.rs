//! The contract between generated code and the runtime is one file,
//! `runtime/src/contract.rs`: every runtime item the emitter writes (`codegen/src/emit`)
//! or the generated crate and examples table name as `rt::Item` is listed there, and
//! nothing else is.

use std::collections::BTreeSet;
use std::path::Path;

/// The names `rt::<Name>` that the Rust files under `dir` use.
fn named_in(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            named_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read");
            for (i, _) in text.match_indices("rt::") {
                let before = text[..i].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue; // `start::` and the like
                }
                let name: String = text[i + 4..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
}

/// The names `contract.rs` re-exports (`pub use crate::x::{A, B};`).
fn listed(contract: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for stmt in contract.split("pub use ").skip(1) {
        let stmt = &stmt[..stmt.find(';').expect("a `pub use` ends with `;`")];
        let names = match stmt.find('{') {
            Some(open) => &stmt[open + 1..stmt.rfind('}').expect("closing brace")],
            None => stmt.rsplit("::").next().unwrap_or_default(),
        };
        for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            out.insert(n.to_string());
        }
    }
    out
}

#[test]
fn generated_code_names_exactly_the_items_of_the_contract() {
    let root = servicetitan_tests::workspace_root();
    let mut used = BTreeSet::new();
    named_in(&root.join("generated/src"), &mut used);
    named_in(&root.join("tests/tests/examples_round_trip"), &mut used);
    named_in(&root.join("codegen/src/emit"), &mut used);
    named_in(&root.join("codegen/src/tables"), &mut used);
    let contract =
        std::fs::read_to_string(root.join("runtime/src/contract.rs")).expect("contract.rs");
    let listed = listed(&contract);
    let missing: Vec<_> = used.difference(&listed).collect();
    let unused: Vec<_> = listed.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "generated code names runtime items that runtime/src/contract.rs does not list: {missing:?}"
    );
    assert!(
        unused.is_empty(),
        "runtime/src/contract.rs lists items generated code no longer names: {unused:?}"
    );
    assert!(
        used.len() > 40,
        "the scan found the generated code ({} names)",
        used.len()
    );
}
