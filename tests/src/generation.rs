//! The repository's documents and generation from them, for tests: where the sets are,
//! their parsed JSON, options with the committed corrections, locks and domain table,
//! and cargo run in a folder with a target of its own.

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A set of ServiceTitan's documents in the repository: `v2` (the generator's input,
/// `specs/v2`) or `v2-openapi-3.0` (the older 3.0.1 export, a test fixture).
pub fn specs_dir(set: &str) -> PathBuf {
    use servicetitan_codegen::artifacts::{SPECS, SPECS_OPENAPI_3_0};
    match set {
        "v2" => workspace_root().join(SPECS),
        "v2-openapi-3.0" => workspace_root().join(SPECS_OPENAPI_3_0),
        other => panic!("no document set `{other}` (v2, v2-openapi-3.0)"),
    }
}

/// Runs the cargo running the tests, in `dir`, with a target folder of its own (`target`):
/// whether it succeeded, and what it printed (standard output, then standard error).
pub fn cargo_in(dir: &std::path::Path, target: &std::path::Path, args: &[&str]) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cannot start cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every document of a set ([`specs_dir`]: `v2`, `v2-openapi-3.0`), parsed as
/// JSON, with its path, in file-name order.
pub fn spec_documents(set: &str) -> Vec<(PathBuf, serde_json::Value)> {
    let dir = specs_dir(set);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a folder entry").path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let doc = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
            (p, doc)
        })
        .collect()
}

/// Generation options for one folder of documents, with the committed corrections and
/// name lock.
pub fn options(set: &str) -> servicetitan_codegen::Options {
    let lock =
        std::fs::read_to_string(workspace_root().join("specs/names.lock")).unwrap_or_default();
    servicetitan_codegen::Options {
        specs: specs_dir(set),
        corrections: Some(workspace_root().join("specs/corrections")),
        names: servicetitan_codegen::names::NameLock::parse(&lock).expect("names.lock parses"),
        domains: servicetitan_codegen::artifacts::read_domain_table(
            &workspace_root().join(servicetitan_codegen::artifacts::DOMAINS_LOCK),
        )
        .expect("domains.lock parses"),
        runtime_dependency: servicetitan_codegen::runtime_path_dependency(&workspace_root()),
        example_placeholders: Some(
            workspace_root().join(servicetitan_codegen::artifacts::PLACEHOLDERS),
        ),
        migrations: servicetitan_codegen::artifacts::read_migrations(
            &workspace_root().join(servicetitan_codegen::artifacts::MIGRATIONS),
        )
        .expect("the committed migrations parse"),
    }
}

/// Generates from one folder of documents with the committed corrections and name lock.
pub fn generate(set: &str) -> servicetitan_codegen::Output {
    servicetitan_codegen::generate(&options(set))
        .unwrap_or_else(|d| panic!("generation of {set} failed:\n{d}"))
}
