//! `cargo xtask bench`: the performance figures of the project, each measured side by
//! side with what it is compared to, in one run, and printed as one table of ratios.
//!
//! 1. Generation (release build, whole processes, median of several rounds): this
//!    generator on the 24 `v2` documents and on the 24 `v2-openapi-3.0` documents, against
//!    parsing the `v2` documents with serde_json alone (the floor) and against
//!    `cargo-progenitor` (builder interface) on the 3.0.1 set.
//! 2. Compile time (`CARGO_INCREMENTAL=0`, dependencies built first, only the crate itself
//!    timed): `cargo check` and a debug `cargo build` of the crate generated from the 3.0.1
//!    set, for each domain feature alone and for all, against progenitor's crate for the
//!    same document where that crate compiles.
//! 3. Runtime overhead, decoding and streaming memory: the benchmarks of
//!    `tests/benches/` (`overhead`, `decode`, `stream_memory`).
//! 4. The stand-in server: requests a second, start-up, its own build time (`mock`).
//!
//! `cargo-progenitor` is installed with `cargo install` when it is missing (its install
//! time is printed apart). Everything is written under `target/bench/`.

//!
//! Files: `generation` (1), `compile` (2), `runtime` (3), `mock` (4), each importing only
//! `measure` (timings, medians, bench figures); this one runs them and prints the table.

mod compile;
pub mod generation;
mod measure;
pub mod mock;
mod runtime;

use crate::args::Args;
use crate::inputs::project_root;
use measure::{cargo_bin, timed_ok, Targets};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

pub fn run(args: &Args) -> Result<(), String> {
    let rounds = args.count("--rounds", 5)?;
    let started = Instant::now();
    let root = project_root();
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut report = Report::default();

    eprintln!("== tools");
    if let Some(d) = generation::ensure_progenitor()? {
        report.notes.push(format!(
            "cargo-progenitor {} was installed first ({:.0} s, not counted)",
            generation::PROGENITOR_VERSION,
            d.as_secs_f64()
        ));
    }
    timed_ok(Command::new(cargo_bin()).current_dir(&root).args([
        "build",
        "--quiet",
        "--release",
        "-p",
        "xtask",
    ]))?;

    eprintln!("== generation");
    let (g, docs, generated) = generation::measure(&root, &dir, rounds)?;
    report.generation = Some(g);
    if !args.flag("--no-compile") {
        eprintln!("== compile time");
        report.compile = compile::compile_times(&dir, &docs, &generated)?;
    }
    if !args.flag("--no-runtime") {
        report.figures = runtime::run_benches(&root)?;
    }
    if !args.flag("--no-mock") {
        report.figures.extend(mock::measure(&root, rounds)?);
    }
    report.total = started.elapsed();
    print!("{}", report.render());
    Ok(())
}

/// Every figure of a run, and what it prints.
#[derive(Default)]
struct Report {
    generation: Option<generation::Generation>,
    compile: Vec<compile::CompileRow>,
    figures: BTreeMap<String, f64>,
    notes: Vec<String>,
    total: Duration,
}

impl Report {
    fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let mut targets: Targets = Vec::new();
        let _ = writeln!(s, "\n# cargo xtask bench\n");
        if let Some(g) = &self.generation {
            g.render(&mut s, &mut targets);
        }
        if !self.compile.is_empty() {
            compile::render(&self.compile, &mut s, &mut targets);
        }
        runtime::render(&self.figures, &mut s, &mut targets);
        mock::render(&self.figures, &mut s, &mut targets);
        let _ = writeln!(s, "\ntargets");
        for (t, met) in &targets {
            let _ = writeln!(s, "  [{}] {t}", if *met { "met" } else { "MISSED" });
        }
        for n in &self.notes {
            let _ = writeln!(s, "\nnote: {n}");
        }
        let _ = writeln!(
            s,
            "\nthe whole run took {:.1} min",
            self.total.as_secs_f64() / 60.0
        );
        s
    }
}
