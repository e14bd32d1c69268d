//! Everything generation writes into the repository: the crate in `generated/`, the name
//! lock, the inputs lock, the examples table of the round-trip test, and the stand-in
//! server's model and call table. One function,
//! [`ensure`], writes them or checks that they are current (as rust-analyzer's
//! `ensure_file_contents`); `cargo xtask generate`, `generate --check` and the freshness
//! test all call it, so they cannot disagree. The inputs lock's format lives here too.

use crate::input::domains::DomainTable;
use crate::names::NameLock;
use crate::tables::sync::{self, migrations::Migration};
use crate::tables::{self, examples};
use crate::{write, Options, Output};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The generated crate, relative to the repository root.
pub const GENERATED: &str = "generated";
/// Hand-written parts of `generated/` that generation leaves alone.
pub const KEEP: &[&str] = &["examples/", "tests/", "benches/"];
/// The Rust names given to schemas ([`NameLock`]).
pub const NAMES_LOCK: &str = "specs/names.lock";
/// The known domains and their names ([`crate::input::domains::DomainTable`]).
pub const DOMAINS_LOCK: &str = "specs/domains.lock";
/// The sha256 of every input `generated/` was built from ([`inputs_lock`]).
pub const INPUTS_LOCK: &str = "specs/inputs.lock";
/// ServiceTitan's documents the crate is generated from (OpenAPI 3.1, the portal's
/// current downloads); where they came from is in [`PROVENANCE`].
pub const SPECS: &str = "specs/v2";
/// The older OpenAPI 3.0.1 export of the same API, a test fixture the tests compare
/// generations against.
pub const SPECS_OPENAPI_3_0: &str = "tests/fixtures/v2-openapi-3.0";
/// Source, date, upstream commit and sha256 of every document of [`SPECS`] and
/// [`SPECS_OPENAPI_3_0`].
pub const PROVENANCE: &str = "specs/provenance.yaml";
/// The project's corrections to the documents.
pub const CORRECTIONS: &str = "specs/corrections";
/// The rules that make the documents' example placeholders real values.
pub const PLACEHOLDERS: &str = "specs/example-placeholders.yaml";
/// The schema's history for a copy of a tenant's data, one `NNNN.json` per migration
/// (with each dialect's script beside it), written by generation under
/// [`sync::CLI_GENERATED_DIR`].
pub const MIGRATIONS: &str = "cli/generated/migrations";
/// How the generated crate, inside the workspace, depends on the runtime.
pub const RUNTIME_IN_WORKSPACE: &str = "{ path = \"../runtime\", version = \"0.1.0\" }";

/// Options to generate the workspace's crate at `root` from the documents in `specs`,
/// corrected by `corrections`, keeping the committed names.
pub fn workspace_options(
    root: &Path,
    specs: PathBuf,
    corrections: Option<PathBuf>,
) -> Result<Options, String> {
    Ok(Options {
        specs,
        corrections,
        names: read_name_lock(&root.join(NAMES_LOCK))?,
        domains: read_domain_table(&root.join(DOMAINS_LOCK))?,
        runtime_dependency: RUNTIME_IN_WORKSPACE.into(),
        example_placeholders: Some(root.join(PLACEHOLDERS)),
        migrations: read_migrations(&root.join(MIGRATIONS))?,
    })
}

/// The name lock at `path`; empty when the file does not exist yet, an error when it does
/// not parse.
pub fn read_name_lock(path: &Path) -> Result<NameLock, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => NameLock::parse(&t).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(NameLock::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The domain table at `path`; empty when the file does not exist yet (every domain is
/// then named from its document), an error when it does not parse.
pub fn read_domain_table(path: &Path) -> Result<DomainTable, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => DomainTable::parse(&t).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DomainTable::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The migrations in `dir`, oldest first; none when it does not exist yet. Their
/// versions must run 1, 2, 3, ... as their file names say.
pub fn read_migrations(dir: &Path) -> Result<Vec<Migration>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut out: Vec<Migration> = Vec::new();
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let m = Migration::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let expected = out.len() as u32 + 1;
        if m.version != expected || path.file_stem() != Some(m.stem().as_ref()) {
            return Err(format!(
                "{}: migration {} where {expected:04}.json was expected (versions run 1, 2, 3, ...                  and name their files)",
                path.display(),
                m.version
            ));
        }
        out.push(m);
    }
    Ok(out)
}

/// Whether [`ensure`] writes what is stale or only reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// Writes every artifact of `out` (generated from the documents in `specs`) under the
/// repository `root`, or, with [`Mode::Check`], changes nothing and fails naming each
/// stale one.
pub fn ensure(root: &Path, specs: &Path, out: &Output, mode: Mode) -> Result<(), String> {
    let files = [
        (root.join(NAMES_LOCK), out.names.render()),
        (root.join(DOMAINS_LOCK), out.domains.render()),
        (root.join(INPUTS_LOCK), inputs_lock(specs, &out.inputs)),
        (root.join(examples::TABLE_PATH), out.example_table.clone()),
        (root.join(tables::API_MODEL_PATH), out.api_model.clone()),
        (root.join(tables::LINKS_TABLE_PATH), out.links_table.clone()),
    ];
    // Generated trees: the crate, and the stand-in's call table.
    let trees = [
        (root.join(GENERATED), &out.files, KEEP),
        (
            root.join(tables::CALLS_TABLE_DIR),
            &out.calls_table,
            &[][..],
        ),
        (root.join(sync::CLI_GENERATED_DIR), &out.cli_files, &[][..]),
    ];
    if mode == Mode::Write {
        for (dir, tree, keep) in &trees {
            write::write_tree(dir, tree, keep)
                .map_err(|e| format!("writing {}: {e}", dir.display()))?;
        }
        for (path, text) in &files {
            write::write_if_changed(path, text)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        return Ok(());
    }
    let mut problems = Vec::new();
    for (path, text) in &files {
        let now = std::fs::read_to_string(path).unwrap_or_default();
        if now == *text {
            continue;
        }
        if path.ends_with(INPUTS_LOCK) {
            problems.push(format!(
                "{}: generated/ was built from other inputs:\n    {}",
                path.display(),
                lock_changes(&now, text).join("\n    ")
            ));
        } else {
            problems.push(format!("{} is out of date", path.display()));
        }
    }
    for (dir, tree, keep) in &trees {
        let stale =
            write::check_tree(dir, tree, keep).map_err(|e| format!("{}: {e}", dir.display()))?;
        problems.extend(stale.iter().map(ToString::to_string));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "generated code is stale:\n  {}\nrun `cargo xtask generate` and commit the result",
        problems.join("\n  ")
    ))
}

/// The inputs lock: the sha256 of each document (and correction file) generated/ was
/// built from, and the name of the documents' folder.
pub fn inputs_lock(specs: &Path, inputs: &BTreeMap<String, String>) -> String {
    let mut s = String::from("# sha256 of each document generated/ was built from. Maintained by `cargo xtask generate`.\n");
    let folder = specs.file_name().and_then(|f| f.to_str()).unwrap_or("");
    s.push_str(&format!("# folder: {folder}\n"));
    for (f, h) in inputs {
        s.push_str(&format!("{h}  {f}\n"));
    }
    s
}

/// What differs between the committed inputs lock and the inputs now, one line per file.
pub fn lock_changes(locked: &str, now: &str) -> Vec<String> {
    let entries = |text: &str| -> BTreeMap<String, String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once("  "))
            .map(|(h, f)| (f.to_string(), h.to_string()))
            .collect()
    };
    let (old, new) = (entries(locked), entries(now));
    let mut out = Vec::new();
    if old.is_empty() {
        out.push("the lock is missing or empty".to_string());
    }
    let folder = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("# folder: "))
            .map(str::to_owned)
    };
    if let (Some(a), Some(b)) = (folder(locked), folder(now)) {
        if a != b {
            out.push(format!("documents folder `{a}` is now `{b}`"));
        }
    }
    let short = |h: &str| h[..12.min(h.len())].to_string();
    for (f, h) in &new {
        match old.get(f) {
            None if !old.is_empty() => out.push(format!("{f}: new")),
            Some(o) if o != h => out.push(format!(
                "{f}: changed (sha256 {} -> {})",
                short(o),
                short(h)
            )),
            _ => {}
        }
    }
    for f in old.keys().filter(|f| !new.contains_key(*f)) {
        out.push(format!("{f}: gone"));
    }
    out
}
