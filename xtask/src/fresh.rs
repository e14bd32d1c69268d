//! `cargo xtask fresh-resolve`: the workspace checked against the newest versions its
//! dependency ranges allow, as a user without our Cargo.lock gets them: a copy of the
//! working tree (`git ls-files`, untracked files not ignored included, so that uncommitted
//! work is what is checked) in `target/fresh-resolve/`, its Cargo.lock made again by
//! `cargo update`, then `cargo check` with `-D warnings` (target folder
//! `target/fresh-resolve-target/`, kept between runs). It reaches the registry: not in CI.

use crate::args::Args;
use crate::inputs::project_root;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

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
    succeed(cargo(&copy).arg("update"))?;
    let updated = t.elapsed();
    let old = Lock::read(&root.join("Cargo.lock"))?;
    let new = Lock::read(&lock)?;

    eprintln!("== cargo check --workspace --all-targets --all-features (-D warnings)");
    let t = Instant::now();
    let (ok, stderr) = check(&copy, &root.join("target/fresh-resolve-target"))?;
    let checked = t.elapsed();

    println!("fresh-resolve: {files} files copied to {}", copy.display());
    print!("{}", changes(&old, &new));
    let verdict = match (ok, stderr.contains("implied by `-D warnings`")) {
        (true, _) => "warning-free",
        (false, true) => "NOT warning-free (warnings denied by -D warnings; see above)",
        (false, false) => "FAILED (see the errors above)",
    };
    println!("build (-D warnings): {verdict}");
    let [all, copied, updated, checked] =
        [started.elapsed(), copied, updated, checked].map(|d| format!("{:.0} s", d.as_secs_f64()));
    println!("wall time: {all} (copy {copied}, update {updated}, check {checked})");
    ok.then_some(())
        .ok_or_else(|| format!("fresh-resolve: the build is {verdict}"))
}

/// Recreates `to` with the files `git ls-files` lists in `root` (tracked, and untracked
/// but not ignored; listed files deleted from the working tree are skipped); their count.
fn copy_worktree(root: &Path, to: &Path) -> Result<usize, String> {
    let ls = "ls-files -z --cached --others --exclude-standard".split(' ');
    let listed = succeed(Command::new("git").current_dir(root).args(ls))?;
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
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
    let stderr = child
        .stderr
        .take()
        .ok_or("cargo check: no standard error")?;
    for line in BufReader::new(stderr).lines() {
        let line = line.map_err(|e| format!("reading cargo check's output: {e}"))?;
        eprintln!("{line}");
        kept.push_str(&line);
        kept.push('\n');
    }
    let status = child.wait().map_err(|e| format!("cargo check: {e}"))?;
    Ok((status.success(), kept))
}

/// The standard output of a command that must succeed.
fn succeed(c: &mut Command) -> Result<String, String> {
    let out = c.output().map_err(|e| format!("{c:?}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("{c:?} failed:\n{err}"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo(dir: &Path) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(dir);
    c
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
                    let versions = lock.versions.entry(name.clone()).or_default();
                    versions.insert(version);
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
        let a = old.versions.get(name).unwrap_or(&none);
        let b = new.versions.get(name).unwrap_or(&none);
        match (a.is_empty(), b.is_empty()) {
            (true, _) => added += 1,
            (_, true) => removed += 1,
            _ if a != b => changed += 1,
            _ => continue,
        }
        if old.direct.contains(name) || new.direct.contains(name) {
            let list = |s: &BTreeSet<String>| match s.is_empty() {
                true => "(none)".to_string(),
                false => s.iter().cloned().collect::<Vec<_>>().join(", "),
            };
            direct.push_str(&format!("  {name} {} -> {}\n", list(a), list(b)));
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
