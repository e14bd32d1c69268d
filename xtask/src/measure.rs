//! `cargo xtask measure`: generation time against the parse-only floor, and `cargo check`
//! time of the generated crate with all features against one domain, side by side.
//! Run it in release for generation figures: `cargo run --release -p xtask -- measure`.

use crate::project_root;
use servicetitan_codegen as codegen;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn run(args: &[String]) -> Result<(), String> {
    let root = project_root();
    let mut inputs = crate::Inputs::default();
    let mut rounds = 5;
    let mut compile = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            _ if inputs.take(a, &mut it)? => {}
            "--rounds" => {
                rounds = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--rounds needs a number")?
            }
            "--no-compile" => compile = false,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let mut options = inputs.options()?;
    options.names = Default::default();
    let files = codegen::load::list_documents(&inputs.specs).map_err(|d| d.to_string())?;
    let mut parse = Vec::new();
    let mut generate = Vec::new();
    let mut lines = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        for f in &files {
            let bytes = std::fs::read(f).map_err(|e| e.to_string())?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            std::hint::black_box(v);
        }
        parse.push(t.elapsed());
        let t = Instant::now();
        let out = codegen::generate(&options).map_err(|d| d.to_string())?;
        generate.push(t.elapsed());
        lines = out.files.values().map(|f| f.lines().count()).sum::<usize>();
    }
    let (p, g) = (median(parse), median(generate));
    println!(
        "generation ({profile} build, {} documents, median of {rounds})",
        files.len()
    );
    println!(
        "  parse only (serde_json::Value, the floor)  {:>8.1} ms",
        p.as_secs_f64() * 1e3
    );
    println!(
        "  generate end to end ({lines} lines)      {:>8.1} ms   {:.1}x the floor",
        g.as_secs_f64() * 1e3,
        g.as_secs_f64() / p.as_secs_f64()
    );
    if !compile {
        return Ok(());
    }
    println!("cargo check of the generated crate (only the crate itself recompiles; dependencies are built first)");
    check(&root, &["--all-features"])?;
    let mut all = Vec::new();
    let mut crm = Vec::new();
    for _ in 0..2 {
        all.push(check(&root, &["--all-features"])?);
        crm.push(check(
            &root,
            &["--no-default-features", "--features", "crm"],
        )?);
    }
    let (a, c) = (median(all), median(crm));
    println!("  all 24 domains   {:>6.1} s", a.as_secs_f64());
    println!(
        "  crm alone        {:>6.1} s   {:.1}x faster",
        c.as_secs_f64(),
        a.as_secs_f64() / c.as_secs_f64()
    );
    Ok(())
}

/// Touches the generated crate's root so that only it recompiles, then times `cargo check`.
fn check(root: &Path, features: &[&str]) -> Result<Duration, String> {
    let lib = root.join("generated/src/lib.rs");
    let text = std::fs::read(&lib).map_err(|e| e.to_string())?;
    std::fs::write(&lib, text).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(["check", "--quiet", "-p", "servicetitan"])
        .args(features)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("cargo check {features:?} failed"));
    }
    Ok(t.elapsed())
}
