//! Generation time: this generator on both sets of documents, against parsing them with
//! serde_json alone (the floor) and against cargo-progenitor.

use super::measure::{cargo_bin, crate_name, median, ms, timed_ok, Targets};
use crate::args::Args;
use servicetitan_codegen::{self as codegen, artifacts};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(super) const PROGENITOR_VERSION: &str = "0.15.1";

pub(super) struct Generation {
    floor: Duration,
    ours_v2: Duration,
    ours_30: Duration,
    prog_30: Duration,
    prog_generated: usize,
    documents: usize,
}

/// Times generation; also returns the 3.0.1 documents and those progenitor generated a
/// crate for (the compile rows build them).
pub(super) fn measure(
    root: &Path,
    dir: &Path,
    rounds: usize,
) -> Result<(Generation, Vec<PathBuf>, Vec<PathBuf>), String> {
    let xtask = root.join("target/release/xtask");
    let v2 = root.join(artifacts::SPECS);
    let v30 = root.join(artifacts::SPECS_OPENAPI_3_0);
    let floor = parse_floor(&xtask, &v2, rounds)?;
    let ours = |specs: &Path, out: &str| {
        median(rounds, || {
            timed_ok(
                Command::new(&xtask)
                    .args(["generate", "--specs"])
                    .arg(specs)
                    .arg("--out")
                    .arg(dir.join(out)),
            )
        })
    };
    let ours_v2 = ours(&v2, "ours-v2")?;
    let ours_30 = ours(&v30, "ours-3.0")?;
    let docs = codegen::input::load::list_documents(&v30).map_err(|d| d.to_string())?;
    let (prog_30, generated) = progenitor(dir, &docs, rounds.min(3))?;
    let g = Generation {
        floor,
        ours_v2,
        ours_30,
        prog_30,
        prog_generated: generated.len(),
        documents: docs.len(),
    };
    Ok((g, docs, generated))
}

/// cargo-progenitor on every document: the median time, and the documents it generated.
fn progenitor(
    dir: &Path,
    docs: &[PathBuf],
    rounds: usize,
) -> Result<(Duration, Vec<PathBuf>), String> {
    let prog_dir = dir.join("progenitor");
    let mut generated = Vec::new();
    let time = median(rounds, || {
        let _ = std::fs::remove_dir_all(&prog_dir);
        std::fs::create_dir_all(&prog_dir).map_err(|e| e.to_string())?;
        generated.clear();
        let t = Instant::now();
        for doc in docs {
            let name = crate_name(doc);
            let ok = Command::new(cargo_bin())
                .args(["progenitor", "--interface", "builder", "-v", "0.1.0", "-i"])
                .arg(doc)
                .arg("-o")
                .arg(prog_dir.join(&name))
                .args(["-n", &name])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| format!("cargo progenitor: {e}"))?
                .success();
            if ok {
                generated.push(doc.clone());
            }
        }
        Ok(t.elapsed())
    })?;
    Ok((time, generated))
}

/// Installs cargo-progenitor when `cargo progenitor` does not run; the time it took.
pub(super) fn ensure_progenitor() -> Result<Option<Duration>, String> {
    let present = Command::new(cargo_bin())
        .args(["progenitor", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(None);
    }
    eprintln!("   cargo install cargo-progenitor --version {PROGENITOR_VERSION} --locked");
    let t = Instant::now();
    let ok = Command::new(cargo_bin())
        .args([
            "install",
            "cargo-progenitor",
            "--version",
            PROGENITOR_VERSION,
            "--locked",
        ])
        .status()
        .map_err(|e| format!("cargo install: {e}"))?
        .success();
    if !ok {
        return Err("cargo install cargo-progenitor failed".into());
    }
    Ok(Some(t.elapsed()))
}

/// `accounting-v2.json` -> `accounting_v2` (progenitor's crate name).
fn parse_floor(xtask: &Path, specs: &Path, rounds: usize) -> Result<Duration, String> {
    let out = Command::new(xtask)
        .args(["parse-floor", "--rounds", &rounds.to_string(), "--specs"])
        .arg(specs)
        .output()
        .map_err(|e| format!("parse-floor: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let ms: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("parse-floor printed {text:?}"))?;
    Ok(Duration::from_secs_f64(ms / 1e3))
}

/// `cargo xtask parse-floor`: the median time to parse every document of a folder into
/// `serde_json::Value`, in milliseconds (run from the release build by `bench`).
pub fn parse_floor_job(args: &Args) -> Result<(), String> {
    let inputs = crate::inputs::Inputs::from_args(args);
    let rounds = args.count("--rounds", 5)?;
    let files = codegen::input::load::list_documents(&inputs.specs).map_err(|d| d.to_string())?;
    let d = median(rounds.max(1), || {
        let t = Instant::now();
        for f in &files {
            let bytes = std::fs::read(f).map_err(|e| e.to_string())?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            std::hint::black_box(v);
        }
        Ok(t.elapsed())
    })?;
    println!("{:.3}", d.as_secs_f64() * 1e3);
    Ok(())
}

impl Generation {
    pub(super) fn render(&self, s: &mut String, targets: &mut Targets) {
        let g = self;
        let _ = writeln!(s, "generation, release build, whole process, median");
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} ms",
            "serde_json parse only, 24 v2 documents (the floor)",
            ms(g.floor)
        );
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} ms   {:.1}x the floor",
            "servicetitan generate, 24 v2 documents (3.1)",
            ms(g.ours_v2),
            ms(g.ours_v2) / ms(g.floor)
        );
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} ms",
            "servicetitan generate, 24 v2-openapi-3.0 documents",
            ms(g.ours_30)
        );
        let ratio = ms(g.prog_30) / ms(g.ours_30);
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} ms   {:.1}x servicetitan's time ({} of {} generated)",
            "cargo-progenitor, the same 24 v2-openapi-3.0 documents",
            ms(g.prog_30),
            ratio,
            g.prog_generated,
            g.documents
        );
        targets.push((
            format!("generation at least 10x faster than progenitor: {ratio:.1}x"),
            ratio >= 10.0,
        ));
    }
}
