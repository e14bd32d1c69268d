//! Stage 5: write the generated files, or check that they are current.
//!
//! Writing is all-or-nothing: files go to a temporary folder beside the target, which
//! replaces the target only when every file was written.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A generated file that differs from what is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    Changed(PathBuf),
    Missing(PathBuf),
    Extra(PathBuf),
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::Changed(p) => write!(f, "{} is out of date", p.display()),
            Stale::Missing(p) => write!(f, "{} is missing", p.display()),
            Stale::Extra(p) => write!(f, "{} is no longer generated", p.display()),
        }
    }
}

/// Lists every file under `dir` (relative paths, `/`-separated), skipping `target/`.
pub fn list_tree(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for e in fs::read_dir(dir)? {
            let e = e?;
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            if p.is_dir() {
                if rel != "target" {
                    walk(root, &p, out)?;
                }
            } else {
                out.push(rel);
            }
        }
        Ok(())
    }
    if dir.exists() {
        walk(dir, dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Compares `files` with the tree at `dir`. Files under `keep` prefixes (hand-written
/// parts of the crate, such as `examples/` or `tests/`) are not compared.
pub fn check_tree(
    dir: &Path,
    files: &BTreeMap<String, String>,
    keep: &[&str],
) -> std::io::Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for (rel, content) in files {
        let p = dir.join(rel);
        match fs::read_to_string(&p) {
            Ok(existing) if existing == *content => {}
            Ok(_) => stale.push(Stale::Changed(p)),
            Err(_) => stale.push(Stale::Missing(p)),
        }
    }
    for rel in list_tree(dir)? {
        if !files.contains_key(&rel) && !keep.iter().any(|k| rel.starts_with(k)) {
            stale.push(Stale::Extra(dir.join(rel)));
        }
    }
    Ok(stale)
}

/// Replaces the generated files under `dir` with `files`, leaving `keep` prefixes alone.
/// Everything is first written to a staging folder; on any error nothing in `dir` changes.
pub fn write_tree(
    dir: &Path,
    files: &BTreeMap<String, String>,
    keep: &[&str],
) -> std::io::Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("generated");
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    let result = (|| {
        for (rel, content) in files {
            let p = staging.join(rel);
            if let Some(d) = p.parent() {
                fs::create_dir_all(d)?;
            }
            fs::write(&p, content)?;
        }
        // Carry over hand-written parts.
        for rel in list_tree(dir)? {
            if keep.iter().any(|k| rel.starts_with(k)) && !files.contains_key(&rel) {
                let to = staging.join(&rel);
                if let Some(d) = to.parent() {
                    fs::create_dir_all(d)?;
                }
                fs::copy(dir.join(&rel), to)?;
            }
        }
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    // Swap: move the old tree aside (keeping its target/ out of the way), move the new in.
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if dir.exists() {
        fs::rename(dir, &old)?;
        if old.join("target").exists() {
            let _ = fs::rename(old.join("target"), staging.join("target"));
        }
    }
    if let Err(e) = fs::rename(&staging, dir) {
        if old.exists() {
            let _ = fs::rename(&old, dir);
        }
        return Err(e);
    }
    if old.exists() {
        fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// Writes one file only if its content changed (keeps mtimes, and so builds, stable).
pub fn write_if_changed(path: &Path, content: &str) -> std::io::Result<bool> {
    if fs::read_to_string(path).ok().as_deref() == Some(content) {
        return Ok(false);
    }
    if let Some(d) = path.parent() {
        fs::create_dir_all(d)?;
    }
    fs::write(path, content)?;
    Ok(true)
}
