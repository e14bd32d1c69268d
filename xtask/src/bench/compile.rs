//! Compile time: `cargo check` and a debug `cargo build` of the crate generated from the
//! 3.0.1 set, each domain feature alone and all, against progenitor's crate for the same
//! document.

use super::measure::{cargo_bin, crate_name, middle, timed, Targets};
use servicetitan_codegen as codegen;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `accounting-v2.json` -> `accounting` (the generated crate's feature).
fn feature(doc: &Path) -> String {
    let stem = doc.file_stem().and_then(|s| s.to_str()).unwrap_or("doc");
    codegen::names::module_name(stem).replace('_', "-")
}

/// One row of the compile table: check and build of ours, and of progenitor's crate.
pub(super) struct CompileRow {
    domain: String,
    ours: (Duration, Duration),
    prog: ProgCompile,
}

enum ProgCompile {
    Timed(Duration, Duration),
    NotGenerated,
    DoesNotCompile,
}

fn touch(file: &Path) -> Result<(), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    std::fs::write(file, bytes).map_err(|e| format!("{}: {e}", file.display()))
}

/// Runs `cargo args` in `cwd` with its own target directory and no incremental build:
/// how long it took and whether it succeeded.
fn cargo_run(cwd: &Path, target: &Path, args: &[&str]) -> Result<(Duration, bool), String> {
    let (d, ok, _) = timed(
        Command::new(cargo_bin())
            .current_dir(cwd)
            .args(args)
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_TARGET_DIR", target),
    )?;
    Ok((d, ok))
}

/// Our generated crate and progenitor's workspace, each with its own target directory.
struct Crates {
    ours: PathBuf,
    ours_target: PathBuf,
    prog: PathBuf,
    prog_target: PathBuf,
}

pub(super) fn compile_times(
    dir: &Path,
    docs: &[PathBuf],
    generated: &[PathBuf],
) -> Result<Vec<CompileRow>, String> {
    let c = Crates {
        ours: dir.join("ours-3.0"),
        ours_target: dir.join("target-ours"),
        prog: dir.join("progenitor"),
        prog_target: dir.join("target-progenitor"),
    };
    let members: Vec<String> = generated
        .iter()
        .map(|d| format!("{:?}", crate_name(d)))
        .collect();
    std::fs::write(
        c.prog.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    // Dependencies first, for both crates and both commands (untimed). A crate that does
    // not compile still gets its dependencies built.
    eprintln!("   building dependencies");
    for cmd in ["check", "build"] {
        let (_, ok) = cargo_run(&c.ours, &c.ours_target, &[cmd, "--no-default-features"])?;
        if !ok {
            return Err(format!("cargo {cmd} of {} failed", c.ours.display()));
        }
        if let Some(first) = generated.first() {
            cargo_run(&c.prog, &c.prog_target, &[cmd, "-p", &crate_name(first)])?;
        }
    }
    // "none": the crate with no domain, the floor of every row (cargo, rustc, and loading
    // the dependencies' metadata).
    let mut features: Vec<(String, Option<PathBuf>)> = vec![("none".into(), None)];
    features.extend(docs.iter().map(|d| (feature(d), Some(d.clone()))));
    features.push(("all".into(), None));
    let mut rows = Vec::new();
    for (f, doc) in features {
        eprintln!("   {f}");
        let prog_name = doc
            .filter(|d| generated.contains(d))
            .map(|d| crate_name(&d));
        rows.push(c.row(f, prog_name)?);
    }
    Ok(rows)
}

impl Crates {
    /// The compile times of feature `f` of our crate and of progenitor's crate `prog_name`.
    /// Rounds interleave the two crates (ours check, ours build, progenitor check,
    /// progenitor build), so a slow spell of the machine hits both; small crates, where a
    /// tenth of a second is a large share, get more rounds. Medians are kept.
    fn row(&self, f: String, prog_name: Option<String>) -> Result<CompileRow, String> {
        let feature_args: Vec<&str> = match f.as_str() {
            "all" => vec!["--features", "full"],
            "none" => vec!["--no-default-features"],
            _ => vec!["--no-default-features", "--features", &f],
        };
        let ours_lib = self.ours.join("src/lib.rs");
        let mut samples: [Vec<Duration>; 4] = Default::default();
        let mut prog_compiles = prog_name.is_some();
        let mut rounds = 1;
        let mut round = 0;
        while round < rounds {
            for (i, cmd) in ["check", "build"].iter().enumerate() {
                touch(&ours_lib)?;
                let mut args = vec![*cmd];
                args.extend(&feature_args);
                let (d, ok) = cargo_run(&self.ours, &self.ours_target, &args)?;
                if !ok {
                    return Err(format!("cargo {cmd} --features {f} of our crate failed"));
                }
                samples[i].push(d);
            }
            if let (Some(name), true) = (&prog_name, prog_compiles) {
                let lib = self.prog.join(name).join("src/lib.rs");
                for (i, cmd) in ["check", "build"].iter().enumerate() {
                    touch(&lib)?;
                    let (d, ok) = cargo_run(&self.prog, &self.prog_target, &[cmd, "-p", name])?;
                    if !ok {
                        prog_compiles = false;
                        break;
                    }
                    samples[2 + i].push(d);
                }
            }
            if round == 0 {
                let slowest = samples.iter().flatten().max().copied().unwrap_or_default();
                rounds = if f == "all" || slowest > Duration::from_secs(3) {
                    1
                } else if slowest > Duration::from_millis(1500) {
                    3
                } else {
                    5
                };
            }
            round += 1;
        }
        let [ours_check, ours_build, prog_check, prog_build] = &mut samples;
        let prog = match (&prog_name, prog_compiles) {
            (None, _) => ProgCompile::NotGenerated,
            (Some(_), false) => ProgCompile::DoesNotCompile,
            (Some(_), true) => ProgCompile::Timed(middle(prog_check), middle(prog_build)),
        };
        Ok(CompileRow {
            domain: f,
            ours: (middle(ours_check), middle(ours_build)),
            prog,
        })
    }
}

pub(super) fn render(rows: &[CompileRow], s: &mut String, targets: &mut Targets) {
    let _ = writeln!(
        s,
        "\ncompile time of the crate alone (CARGO_INCREMENTAL=0, dependencies built first), v2-openapi-3.0 documents,\nmedian of 5 rounds where the slowest command is under 1.5 s, 3 under 3 s, else 1"
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>8} {:>8} {:>7}   {:>8} {:>8} {:>7}",
        "feature", "check", "prog", "ratio", "build", "prog", "ratio"
    );
    let mut missed: Vec<String> = Vec::new();
    let mut compared = 0;
    for r in rows {
        let (oc, ob) = (r.ours.0.as_secs_f64(), r.ours.1.as_secs_f64());
        match &r.prog {
            ProgCompile::Timed(pc, pb) => {
                let (pc, pb) = (pc.as_secs_f64(), pb.as_secs_f64());
                let (rc, rb) = (oc / pc, ob / pb);
                compared += 1;
                if rc > 0.5 || rb > 0.5 {
                    missed.push(format!("{} ({rc:.2} check, {rb:.2} build)", r.domain));
                }
                let _ = writeln!(
                    s,
                    "  {:<22} {:>7.2}s {:>7.2}s {:>7.2}   {:>7.2}s {:>7.2}s {:>7.2}",
                    r.domain, oc, pc, rc, ob, pb, rb
                );
            }
            other => {
                let why = match other {
                    ProgCompile::NotGenerated if r.domain == "all" => {
                        "progenitor: one crate per document"
                    }
                    ProgCompile::NotGenerated if r.domain == "none" => {
                        "the floor of every row: no domain at all"
                    }
                    ProgCompile::NotGenerated => "progenitor: not generated",
                    _ => "progenitor: does not compile",
                };
                let _ = writeln!(
                    s,
                    "  {:<22} {:>7.2}s {:>17}   {:>7.2}s   {why}",
                    r.domain, oc, "", ob
                );
            }
        }
    }
    let met = compared - missed.len();
    let mut text = format!(
        "compile at most half of progenitor's time: met on {met} of the {compared} domains whose progenitor crate compiles"
    );
    if !missed.is_empty() {
        text.push_str(&format!("; missed on {}", missed.join(", ")));
    }
    targets.push((text, missed.is_empty() && compared > 0));
}
