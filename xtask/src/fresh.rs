//! `cargo xtask fresh-resolve`: the workspace checked against the newest versions its
//! dependency ranges allow, as a user without our Cargo.lock gets them. A copy of the
//! working tree (`git ls-files`: tracked files and untracked ones not ignored, so that work
//! not yet committed is what is checked) goes to `target/fresh-resolve/`, its Cargo.lock is
//! resolved again by `cargo update`, and `cargo check` runs there with `-D warnings`
//! (target folder `target/fresh-resolve-target/`, kept between runs). It reaches the
//! registry, so it is not part of CI.

use crate::args::Args;
use crate::project_root;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn run(_args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let root = project_root();
    let copy = root.join("target/fresh-resolve");
    let files = copy_worktree(&root, &copy)?;
    let copied = started.elapsed();
    let lock = copy.join("Cargo.lock");
    std::fs::remove_file(&lock).map_err(|e| format!("{}: {e}", lock.display()))?;

    eprintln!("== cargo update (newest versions the ranges allow)");
    let t = Instant::now();
    let out = cargo(&copy)
        .arg("update")
        .output()
        .map_err(|e| format!("running cargo update: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo update failed in {}:\n{}",
            copy.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let updated = t.elapsed();
    let old = Lock::read(&root.join("Cargo.lock"))?;
    let new = Lock::read(&lock)?;

    eprintln!("== cargo check --workspace --all-targets --all-features (-D warnings)");
    let t = Instant::now();
    let (ok, stderr) = check(&copy, &root.join("target/fresh-resolve-target"))?;
    let checked = t.elapsed();

    println!("fresh-resolve: {files} files copied to {}", copy.display());
    print!("{}", changes(&old, &new));
    let verdict = if ok {
        "warning-free".to_string()
    } else if stderr.contains("implied by `-D warnings`") {
        format!(
            "NOT warning-free ({} error(s), warnings among them)",
            errors(&stderr)
        )
    } else {
        format!("FAILED ({} error(s))", errors(&stderr))
    };
    println!("build (-D warnings): {verdict}");
    println!(
        "wall time: {} (copy {}, update {}, check {})",
        secs(started.elapsed()),
        secs(copied),
        secs(updated),
        secs(checked)
    );
    if ok {
        Ok(())
    } else {
        Err(format!("fresh-resolve: the build is {verdict}"))
    }
}

/// Recreates `to` with the files `git ls-files` lists in `root` (tracked, and untracked
/// but not ignored; listed files deleted from the working tree are skipped); their count.
fn copy_worktree(root: &Path, to: &Path) -> Result<usize, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .map_err(|e| format!("running git ls-files: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git ls-files failed in {}:\n{}",
            root.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    let listed = String::from_utf8(out.stdout).map_err(|e| format!("git ls-files: {e}"))?;
    let mut count = 0;
    for rel in listed.split('\0').filter(|p| !p.is_empty()) {
        let (from, dest) = (root.join(rel), to.join(rel));
        if !from.is_file() {
            continue;
        }
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::copy(&from, &dest)
            .map_err(|e| format!("copying {} to {}: {e}", from.display(), dest.display()))?;
        count += 1;
    }
    Ok(count)
}

/// `cargo check` of the copy with warnings denied, its standard error passed through as it
/// comes (the check takes minutes) and kept; whether it succeeded.
fn check(copy: &Path, target: &Path) -> Result<(bool, String), String> {
    let mut child = cargo(copy)
        .args(["check", "--workspace", "--all-targets", "--all-features"])
        .env("RUSTFLAGS", "-D warnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("CARGO_TARGET_DIR", target)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running cargo check: {e}"))?;
    let mut kept = String::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line.map_err(|e| format!("reading cargo check's output: {e}"))?;
            eprintln!("{line}");
            kept.push_str(&line);
            kept.push('\n');
        }
    }
    let status = child.wait().map_err(|e| format!("cargo check: {e}"))?;
    Ok((status.success(), kept))
}

fn cargo(dir: &Path) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(dir);
    c
}

/// The compiler's errors in cargo's output (not its "could not compile" lines).
fn errors(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.starts_with("error") && !l.starts_with("error: could not compile"))
        .count()
}

/// What a Cargo.lock says: each package's versions, and the packages the workspace's own
/// (those without a `source`) depend on directly.
#[derive(Default)]
struct Lock {
    versions: BTreeMap<String, BTreeSet<String>>,
    direct: BTreeSet<String>,
}

impl Lock {
    fn read(path: &Path) -> Result<Lock, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut lock = Lock::default();
        let mut own = BTreeSet::new();
        // The package being read: name, version, whether it has a source, its dependencies.
        let mut pkg: Option<(String, String, bool, Vec<String>)> = None;
        let quoted = |l: &str| l.split('"').nth(1).unwrap_or_default().to_string();
        for line in text.lines().chain(["[[package]]"]) {
            if line == "[[package]]" {
                if let Some((name, version, sourced, deps)) = pkg.take() {
                    lock.versions
                        .entry(name.clone())
                        .or_default()
                        .insert(version);
                    if !sourced {
                        own.insert(name);
                        lock.direct.extend(deps);
                    }
                }
                pkg = Some(Default::default());
            } else if let Some((name, version, sourced, deps)) = pkg.as_mut() {
                if line.starts_with("name = ") {
                    *name = quoted(line);
                } else if line.starts_with("version = ") {
                    *version = quoted(line);
                } else if line.starts_with("source = ") {
                    *sourced = true;
                } else if line.starts_with(" \"") {
                    // ` "name"`, ` "name version"` or ` "name version (source)"`.
                    let entry = quoted(line);
                    deps.push(entry.split(' ').next().unwrap_or_default().to_string());
                }
            }
        }
        lock.direct.retain(|d| !own.contains(d));
        Ok(lock)
    }
}

/// The summary of what fresh resolution changed against the working tree's Cargo.lock.
fn changes(old: &Lock, new: &Lock) -> String {
    let names: BTreeSet<&String> = old.versions.keys().chain(new.versions.keys()).collect();
    let none = BTreeSet::new();
    let (mut changed, mut added, mut removed, mut direct) = (0, 0, 0, String::new());
    for name in names {
        let (a, b) = (
            old.versions.get(name).unwrap_or(&none),
            new.versions.get(name).unwrap_or(&none),
        );
        match (a.is_empty(), b.is_empty()) {
            (true, _) => added += 1,
            (_, true) => removed += 1,
            _ if a != b => changed += 1,
            _ => continue,
        }
        if old.direct.contains(name) || new.direct.contains(name) {
            let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
            let (a, b) = (list(a), list(b));
            direct.push_str(&format!("  {name} {} -> {}\n", or_none(&a), or_none(&b)));
        }
    }
    let mut s = format!(
        "{} packages resolved; against Cargo.lock {changed} changed version, {added} added, {removed} removed\n",
        new.versions.values().map(BTreeSet::len).sum::<usize>()
    );
    if direct.is_empty() {
        s.push_str("direct dependencies: none changed\n");
    } else {
        s.push_str("direct dependencies changed (Cargo.lock -> fresh):\n");
        s.push_str(&direct);
    }
    s
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{}m {:02}s", s as u64 / 60, s as u64 % 60)
    }
}
