//! `cargo xtask update --from DIR`: a folder of fresh portal downloads (any file names,
//! JSON or YAML, OpenAPI 3.0 or 3.1) becomes the repository's documents. Each download is
//! identified by its domain (`codegen::input::domains`), written to `specs/v2` under the name the
//! domain table gives it, and recorded in `specs/provenance.yaml`; then the crate, the
//! locks and the stand-in's model are regenerated, the change report against the
//! documents before is printed (with cargo-semver-checks' agreement where the tool is
//! installed), and its summary becomes an entry of `CHANGELOG.md`.
//!
//! Nothing in the repository is written unless the new set generates: the set is
//! assembled and generated in `target/update/` first.

use crate::args::Args;
use crate::diff;
use crate::inputs::{project_root, Inputs};
use servicetitan_codegen::review::diff::{Change, Impact};
use servicetitan_codegen::{
    self as codegen, artifacts,
    input::{domains, load},
};
use std::path::{Path, PathBuf};

pub fn run(args: &Args) -> Result<(), String> {
    let root = project_root();
    let from = PathBuf::from(args.required("--from")?);
    let specs = root.join(artifacts::SPECS);
    let work = root.join("target/update");
    let staged = stage(&from, &specs, &work, &root)?;
    // Everything is worked out before anything in the repository changes: the new set
    // generated, the report made, the provenance and the changelog written in memory.
    let corrections = Some(root.join(artifacts::CORRECTIONS));
    let inputs = |specs: &Path| Inputs {
        specs: specs.to_path_buf(),
        corrections: corrections.clone(),
    };
    let out = codegen::generate(&inputs(&staged.after).options()?).map_err(|d| {
        format!(
            "{d}the downloads do not generate: {} error(s); nothing in the repository was changed",
            d.errors().count()
        )
    })?;
    for w in &out.warnings {
        eprintln!("{w}");
    }
    let semver = !args.flag("--no-semver-checks") && diff::semver_checks_installed();
    let report = diff::report(&inputs(&staged.before), &inputs(&staged.after), semver)?;
    let provenance_path = root.join(artifacts::PROVENANCE);
    let provenance = provenance(&provenance_path, &staged, args.value("--source"))?;
    let changelog_path = root.join("CHANGELOG.md");
    let changelog = match report.changes.is_empty() {
        true => None,
        false => Some(with_changelog_entry(
            &changelog_path,
            &report.changes,
            &today(),
        )?),
    };
    // Then written.
    replace_documents(&specs, &staged.after)?;
    artifacts::ensure(&root, &specs, &out, artifacts::Mode::Write)?;
    write(&provenance_path, &provenance)?;
    if let Some(text) = &changelog {
        write(&changelog_path, text)?;
    }
    let kept = work.join("report.md");
    write(&kept, &report.markdown)?;
    for w in &staged.written {
        let new = if w.new_domain { " (a new domain)" } else { "" };
        println!("{} <- {}{new}", w.file, w.from.display());
    }
    print!("{}", report.markdown);
    if !semver {
        eprintln!("cargo-semver-checks is not installed (or --no-semver-checks): the report is not checked against it");
    }
    eprintln!(
        "{} document(s) written to {}; the report is in {}{}",
        staged.written.len(),
        specs.display(),
        kept.display(),
        if changelog.is_some() {
            ", and its summary in CHANGELOG.md"
        } else {
            ""
        }
    );
    report.verdict()
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The documents before and after the update, assembled in `work`, and what was written.
struct Staged {
    before: PathBuf,
    after: PathBuf,
    written: Vec<Written>,
    /// Files of `specs/v2` whose domain now comes under another name.
    removed: Vec<String>,
}

/// Copies the current documents to `work/before/v2` and `work/after/v2`, then writes each
/// download of `from` into `after` under its domain's canonical name, replacing the
/// domain's earlier file.
fn stage(from: &Path, specs: &Path, work: &Path, root: &Path) -> Result<Staged, String> {
    let table = artifacts::read_domain_table(&root.join(artifacts::DOMAINS_LOCK))?;
    let mut incoming = read_identified(from, &table)?;
    // The documents as they are, kept for the report, and the new set assembled beside.
    let before = fresh_dir(&work.join("before/v2"))?;
    let after = fresh_dir(&work.join("after/v2"))?;
    for f in load::list_documents(specs).map_err(|d| d.to_string())? {
        let name = f.file_name().ok_or("a document without a name")?;
        for dir in [&before, &after] {
            std::fs::copy(&f, dir.join(name)).map_err(|e| format!("{}: {e}", f.display()))?;
        }
    }
    let current = read_identified(&after, &table)?;
    let mut written = Vec::new();
    let mut removed = Vec::new();
    for doc in &mut incoming {
        let canonical = doc.canonical_file().to_string();
        // The domain's earlier file, when it was kept under another name.
        for old in current.iter().filter(|c| same_domain(c, doc)) {
            if old.path.file_name() != Some(canonical.as_ref()) {
                remove(&old.path)?;
                removed.extend(
                    old.path
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned()),
                );
            }
        }
        let bytes = canonical_bytes(doc)?;
        let target = after.join(&canonical);
        std::fs::write(&target, &bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        written.push(Written {
            file: canonical,
            from: doc.path.clone(),
            sha256: load::sha256_hex(&bytes),
            new_domain: !table.entries.contains_key(
                &doc.domain
                    .as_ref()
                    .map(|d| d.key.clone())
                    .unwrap_or_default(),
            ),
        });
    }
    Ok(Staged {
        before,
        after,
        written,
        removed,
    })
}

/// A document written by the update.
struct Written {
    file: String,
    from: PathBuf,
    sha256: String,
    new_domain: bool,
}

/// Every document of `dir`, identified by `table` (two of one domain, or one that is not a
/// ServiceTitan domain's, are refused naming the files).
fn read_identified(
    dir: &Path,
    table: &domains::DomainTable,
) -> Result<Vec<load::Document>, String> {
    let files = load::list_documents(dir).map_err(|d| d.to_string())?;
    let mut docs = Vec::new();
    for f in files {
        docs.push(load::read_document(&f).map_err(|d| d.to_string())?);
    }
    domains::identify(&mut docs, table).map_err(|d| {
        format!(
            "{d}{}: {} error(s); nothing was changed",
            dir.display(),
            d.errors().count()
        )
    })?;
    Ok(docs)
}

fn same_domain(a: &load::Document, b: &load::Document) -> bool {
    matches!((&a.domain, &b.domain), (Some(x), Some(y)) if x.key == y.key)
}

/// The bytes a document is kept as: a JSON download as it came, a YAML one as JSON
/// (key order kept), so `specs/v2` holds one format under the canonical names.
fn canonical_bytes(doc: &load::Document) -> Result<Vec<u8>, String> {
    let ext = doc.path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "json" {
        return std::fs::read(&doc.path).map_err(|e| format!("{}: {e}", doc.path.display()));
    }
    let mut bytes =
        serde_json::to_vec_pretty(&doc.root).map_err(|e| format!("{}: {e}", doc.path.display()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn fresh_dir(dir: &Path) -> Result<PathBuf, String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir.to_path_buf())
}

fn remove(path: &Path) -> Result<(), String> {
    std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Makes `specs` hold exactly the documents of `assembled`: each copied in (replacing the
/// file of the same name), then the files it does not hold removed.
fn replace_documents(specs: &Path, assembled: &Path) -> Result<(), String> {
    let mut keep = std::collections::BTreeSet::new();
    for f in load::list_documents(assembled).map_err(|d| d.to_string())? {
        let name = f.file_name().ok_or("a document without a name")?;
        std::fs::copy(&f, specs.join(name)).map_err(|e| format!("{}: {e}", f.display()))?;
        keep.insert(name.to_os_string());
    }
    for f in load::list_documents(specs).map_err(|d| d.to_string())? {
        if !f.file_name().is_some_and(|n| keep.contains(n)) {
            remove(&f)?;
        }
    }
    Ok(())
}

/// The provenance file with the entry of every written document replaced or added
/// (today's date, where it came from: `--source`, else the download's file name, its
/// sha256), and the entries of removed files gone.
fn provenance(path: &Path, staged: &Staged, source: Option<&str>) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut blocks = crate::provenance::Blocks::parse(&text);
    for name in &staged.removed {
        blocks.remove(&format!("{}/{name}", artifacts::SPECS));
    }
    for w in &staged.written {
        let file = format!("{}/{}", artifacts::SPECS, w.file);
        if blocks.sha256(&file) == Some(w.sha256.as_str()) {
            continue; // the same bytes as recorded: the entry says where they came from
        }
        let from = w
            .from
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = source.map_or_else(
            || format!("portal download `{from}` (cargo xtask update)"),
            |s| format!("{s} (`{from}`)"),
        );
        blocks.set(&file, &today(), &source, &w.sha256);
    }
    Ok(blocks.render())
}

/// The changelog with the report's summary added under `## Unreleased` at its top (a
/// new changelog when there is none).
fn with_changelog_entry(path: &Path, changes: &[Change], date: &str) -> Result<String, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Changelog\n".into(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let entry = changelog_entry(changes, date);
    let unreleased = "## Unreleased\n";
    Ok(match text.find(unreleased) {
        Some(i) => {
            let at = i + unreleased.len();
            format!("{}\n{}{}", &text[..at], entry, &text[at..])
        }
        None => {
            let at = text.find("\n## ").map_or(text.len(), |i| i + 1);
            format!("{}{unreleased}\n{entry}\n{}", &text[..at], &text[at..])
        }
    })
}

/// One changelog entry: the report's changes, breaking first, one line each.
pub fn changelog_entry(changes: &[Change], date: &str) -> String {
    let count = |i: Impact| changes.iter().filter(|c| c.impact == i).count();
    let mut s = format!(
        "### ServiceTitan documents updated ({date})\n\n{} breaking, {} additive, {} other (the change report of `cargo xtask update`).\n",
        count(Impact::Breaking),
        count(Impact::Additive),
        count(Impact::Other)
    );
    for (impact, title) in [
        (Impact::Breaking, "Breaking"),
        (Impact::Additive, "Added"),
        (Impact::Other, "Other"),
    ] {
        let of: Vec<&Change> = changes.iter().filter(|c| c.impact == impact).collect();
        if of.is_empty() {
            continue;
        }
        s.push_str(&format!("\n{title}:\n\n"));
        for c in of {
            s.push_str(&format!("- `{}`: {}\n", c.module, c.text));
        }
    }
    s
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}
