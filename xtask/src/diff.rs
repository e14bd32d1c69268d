//! `cargo xtask diff --old DIR --new DIR`: what a new set of documents changes in the
//! generated crate, as markdown for the pull request; with `--semver-checks`, checked
//! against cargo-semver-checks run on the two generated crates.

use crate::args::Args;
use crate::inputs::project_root;
use servicetitan_codegen as codegen;
use std::process::Command;
use std::time::Instant;

pub fn run(args: &Args) -> Result<(), String> {
    // The corrections apply to both sides.
    let shared = crate::inputs::Inputs::from_args(args);
    let output = args.value("--output");
    let side = |flag: &str| -> Result<crate::inputs::Inputs, String> {
        Ok(crate::inputs::Inputs {
            specs: args.required(flag)?.into(),
            corrections: shared.corrections.clone(),
        })
    };
    let (old, new) = (side("--old")?, side("--new")?);
    let report = report(&old, &new, args.flag("--semver-checks"))?;
    match output {
        Some(f) => std::fs::write(f, &report.markdown).map_err(|e| format!("{f}: {e}"))?,
        None => print!("{}", report.markdown),
    }
    report.verdict()
}

/// A change report, as markdown, with what it found.
pub struct Report {
    pub markdown: String,
    pub changes: Vec<codegen::review::diff::Change>,
    /// Items on which the report and cargo-semver-checks disagree (0 when not run).
    pub disagreements: usize,
}

impl Report {
    /// Fails when cargo-semver-checks disagreed with the report.
    pub fn verdict(&self) -> Result<(), String> {
        if self.disagreements > 0 {
            return Err(format!(
                "the report and cargo-semver-checks disagree on {} item(s), listed in the report",
                self.disagreements
            ));
        }
        Ok(())
    }
}

/// Generates both sets and compares them; with `semver`, also runs cargo-semver-checks on
/// the two crates and adds its agreement with the report.
pub fn report(
    old: &crate::inputs::Inputs,
    new: &crate::inputs::Inputs,
    semver: bool,
) -> Result<Report, String> {
    let t0 = Instant::now();
    let generate = |inputs: &crate::inputs::Inputs,
                    history: Option<Vec<codegen::tables::sync::migrations::Migration>>|
     -> Result<codegen::Output, String> {
        let mut options = inputs.options()?;
        // The new documents' tables are compared with what the old ones' lead to.
        if let Some(history) = history {
            options.migrations = history;
        }
        if semver {
            options.runtime_dependency = codegen::runtime_path_dependency(&project_root());
        }
        codegen::generate(&options).map_err(|d| {
            format!(
                "{d}cannot generate from {}: {} error(s)",
                inputs.specs.display(),
                d.errors().count()
            )
        })
    };
    let o = generate(old, None)?;
    let n = generate(new, Some(o.migrations.clone()))?;
    let changes = codegen::review::diff::diff(&o.api, &n.api);
    let mut markdown =
        codegen::review::diff::markdown(&changes, &label(&old.specs), &label(&new.specs));
    // The migration the new documents add to a copy's database, if any.
    for m in &n.migrations[o.migrations.len()..] {
        markdown += &codegen::tables::sync::migrations::markdown(m);
    }
    let elapsed = t0.elapsed();
    let mut disagreements = 0;
    if semver {
        let t1 = Instant::now();
        let (old_features, new_features) =
            codegen::review::semver::touched_features(&changes, &o.api, &n.api);
        let findings = semver_checks(&o, &n, &old_features, &new_features)?;
        let agreement = codegen::review::semver::compare(&changes, &findings);
        let mut features = old_features.clone();
        features.extend(
            new_features
                .iter()
                .filter(|f| !old_features.contains(f))
                .cloned(),
        );
        markdown +=
            &codegen::review::semver::markdown(&agreement, &features, t1.elapsed().as_secs_f64());
        disagreements = agreement.disagreements.len();
        eprintln!(
            "cargo-semver-checks: {} findings; {} items, {} agree, {} beyond the tool, {} disagreements ({:.0} s)",
            agreement.findings,
            agreement.items,
            agreement.agreements,
            agreement.beyond_the_tool.len(),
            disagreements,
            t1.elapsed().as_secs_f64()
        );
    }
    eprintln!(
        "{} changes; both sets generated and compared in {:.0} ms",
        changes.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(Report {
        markdown,
        changes,
        disagreements,
    })
}

/// Whether cargo-semver-checks is installed.
pub fn semver_checks_installed() -> bool {
    Command::new("cargo")
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Writes both generated crates under `target/semver-checks/` (version 1.0.0 on both
/// sides, so that only changes needing a major version fail) and runs
/// `cargo semver-checks` on them with the features the change touches; its findings.
fn semver_checks(
    old: &codegen::Output,
    new: &codegen::Output,
    old_features: &[String],
    new_features: &[String],
) -> Result<Vec<codegen::review::semver::Finding>, String> {
    if !semver_checks_installed() {
        return Err(
            "--semver-checks needs cargo-semver-checks: `cargo install cargo-semver-checks --locked` (about 15 minutes on 2 cores)"
                .into(),
        );
    }
    let work = project_root().join("target/semver-checks");
    for (side, out) in [("old", old), ("new", new)] {
        let dir = work.join(side);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut files = out.standalone_files();
        if let Some(manifest) = files.get_mut("Cargo.toml") {
            // The package's own version, whatever the generator writes: the first one.
            let version = manifest
                .lines()
                .find(|l| l.starts_with("version = "))
                .map(str::to_string)
                .ok_or("the generated Cargo.toml names no version")?;
            *manifest = manifest.replacen(&version, "version = \"1.0.0\"", 1);
        }
        codegen::write::write_tree(&dir, &files, &[])
            .map_err(|e| format!("writing {}: {e}", dir.display()))?;
    }
    let output = Command::new("cargo")
        .args(["semver-checks", "check-release", "--color", "never"])
        .arg("--manifest-path")
        .arg(work.join("new/Cargo.toml"))
        .arg("--baseline-root")
        .arg(work.join("old"))
        .args(["--release-type", "minor", "--only-explicit-features"])
        .args(feature_args("--baseline-features", old_features))
        .args(feature_args("--current-features", new_features))
        .env("CARGO_TARGET_DIR", work.join("target"))
        .output()
        .map_err(|e| format!("running cargo semver-checks: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + "\n"
        + &String::from_utf8_lossy(&output.stderr);
    let kept = work.join("output.txt");
    std::fs::write(&kept, &text).map_err(|e| format!("{}: {e}", kept.display()))?;
    // It exits with 1 when a check fails; without a summary it did not run at all.
    if !output.status.success() && !text.contains("Summary") {
        return Err(format!("cargo semver-checks failed:\n{text}"));
    }
    Ok(codegen::review::semver::parse_findings(&text))
}

fn feature_args(flag: &str, features: &[String]) -> Vec<String> {
    if features.is_empty() {
        vec![]
    } else {
        vec![flag.to_string(), features.join(",")]
    }
}

/// A folder as the report names it: its last two components (`specs/v2`).
fn label(p: &std::path::Path) -> String {
    let parts: Vec<String> = p
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}
