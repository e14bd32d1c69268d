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
//!
//! `cargo-progenitor` is installed with `cargo install` when it is missing (its install
//! time is printed apart). Everything is written under `target/bench/`.

use crate::project_root;
use servicetitan_codegen as codegen;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROGENITOR_VERSION: &str = "0.15.1";

struct Opts {
    rounds: usize,
    compile: bool,
    runtime: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut o = Opts {
        rounds: 5,
        compile: true,
        runtime: true,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rounds" => {
                o.rounds = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--rounds needs a number above 0")?
            }
            "--no-compile" => o.compile = false,
            "--no-runtime" => o.runtime = false,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let started = Instant::now();
    let root = project_root();
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let v2 = root.join("../shared/specs/v2");
    let v30 = root.join("../shared/specs/v2-openapi-3.0");
    let mut report = Report::default();

    eprintln!("== tools");
    let install = ensure_progenitor()?;
    if let Some(d) = install {
        report.notes.push(format!(
            "cargo-progenitor {PROGENITOR_VERSION} was installed first ({:.0} s, not counted)",
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
    let xtask = root.join("target/release/xtask");

    eprintln!("== generation");
    let floor = parse_floor(&xtask, &v2, o.rounds)?;
    let ours = |specs: &Path, out: &str| {
        median(o.rounds, || {
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
    let docs = codegen::load::list_documents(&v30).map_err(|d| d.to_string())?;
    let prog_dir = dir.join("progenitor");
    let mut generated = Vec::new();
    let prog_rounds = o.rounds.min(3);
    let prog_30 = median(prog_rounds, || {
        let _ = std::fs::remove_dir_all(&prog_dir);
        std::fs::create_dir_all(&prog_dir).map_err(|e| e.to_string())?;
        generated.clear();
        let t = Instant::now();
        for doc in &docs {
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
    report.generation = Some(Generation {
        floor,
        ours_v2,
        ours_30,
        prog_30,
        prog_generated: generated.len(),
        documents: docs.len(),
    });

    if o.compile {
        eprintln!("== compile time");
        report.compile = compile_times(&dir, &docs, &generated)?;
    }
    if o.runtime {
        for bench in ["overhead", "decode", "stream_memory"] {
            eprintln!("== cargo bench --bench {bench}");
            let out = Command::new(cargo_bin())
                .current_dir(&root)
                .args([
                    "bench",
                    "--quiet",
                    "-p",
                    "servicetitan-tests",
                    "--bench",
                    bench,
                ])
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| format!("cargo bench: {e}"))?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if !out.status.success() {
                return Err(format!("cargo bench --bench {bench} failed:\n{text}"));
            }
            for line in text.lines() {
                match line.strip_prefix("figure: ") {
                    Some(f) => {
                        if let Some((k, v)) = f.split_once(' ') {
                            if let Ok(v) = v.trim().parse::<f64>() {
                                report.figures.insert(k.to_string(), v);
                            }
                        }
                    }
                    None => eprintln!("   {line}"),
                }
            }
        }
    }
    report.total = started.elapsed();
    print!("{}", report.render());
    Ok(())
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Installs cargo-progenitor when `cargo progenitor` does not run; the time it took.
fn ensure_progenitor() -> Result<Option<Duration>, String> {
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
fn crate_name(doc: &Path) -> String {
    doc.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("doc")
        .replace('-', "_")
}

/// `accounting-v2.json` -> `accounting` (the generated crate's feature).
fn feature(doc: &Path) -> String {
    let stem = doc.file_stem().and_then(|s| s.to_str()).unwrap_or("doc");
    codegen::names::module_name(stem).replace('_', "-")
}

/// The median of `rounds` timings of `f`.
fn median(
    rounds: usize,
    mut f: impl FnMut() -> Result<Duration, String>,
) -> Result<Duration, String> {
    let mut v = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        v.push(f()?);
    }
    Ok(middle(&mut v))
}

/// The median of timings already taken (zero for none).
fn middle(v: &mut [Duration]) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The wall time of a command that must succeed (its output is discarded).
fn timed_ok(c: &mut Command) -> Result<Duration, String> {
    let (d, ok, err) = timed(c)?;
    if ok {
        Ok(d)
    } else {
        Err(format!("{c:?} failed:\n{err}"))
    }
}

/// The wall time of a command, whether it succeeded, and its standard error.
fn timed(c: &mut Command) -> Result<(Duration, bool, String), String> {
    let t = Instant::now();
    let out = c
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{c:?}: {e}"))?;
    Ok((
        t.elapsed(),
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

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
pub fn parse_floor_job(args: &[String]) -> Result<(), String> {
    let mut inputs = crate::Inputs::default();
    let mut rounds = 5;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rounds" => rounds = it.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            _ if inputs.take(a, &mut it)? => {}
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let files = codegen::load::list_documents(&inputs.specs).map_err(|d| d.to_string())?;
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

/// One row of the compile table: check and build of ours, and of progenitor's crate.
struct CompileRow {
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

fn compile_times(
    dir: &Path,
    docs: &[PathBuf],
    generated: &[PathBuf],
) -> Result<Vec<CompileRow>, String> {
    let ours = dir.join("ours-3.0");
    let ours_target = dir.join("target-ours");
    let prog = dir.join("progenitor");
    let prog_target = dir.join("target-progenitor");
    let members: Vec<String> = generated
        .iter()
        .map(|d| format!("{:?}", crate_name(d)))
        .collect();
    std::fs::write(
        prog.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    let run = |cwd: &Path, target: &Path, args: &[&str]| -> Result<(Duration, bool), String> {
        let (d, ok, _) = timed(
            Command::new(cargo_bin())
                .current_dir(cwd)
                .args(args)
                .env("CARGO_INCREMENTAL", "0")
                .env("CARGO_TARGET_DIR", target),
        )?;
        Ok((d, ok))
    };
    // Dependencies first, for both crates and both commands (untimed). A crate that does
    // not compile still gets its dependencies built.
    eprintln!("   building dependencies");
    for cmd in ["check", "build"] {
        let (_, ok) = run(&ours, &ours_target, &[cmd, "--no-default-features"])?;
        if !ok {
            return Err(format!("cargo {cmd} of {} failed", ours.display()));
        }
        if let Some(first) = generated.first() {
            run(&prog, &prog_target, &[cmd, "-p", &crate_name(first)])?;
        }
    }
    let mut rows = Vec::new();
    let ours_lib = ours.join("src/lib.rs");
    // "none": the crate with no domain, the floor of every row (cargo, rustc, and loading
    // the dependencies' metadata).
    let mut features: Vec<(String, Option<PathBuf>)> = vec![("none".into(), None)];
    features.extend(docs.iter().map(|d| (feature(d), Some(d.clone()))));
    features.push(("all".into(), None));
    for (f, doc) in features {
        eprintln!("   {f}");
        let feature_args: Vec<&str> = match f.as_str() {
            "all" => vec!["--features", "full"],
            "none" => vec!["--no-default-features"],
            _ => vec!["--no-default-features", "--features", &f],
        };
        let prog_name = doc
            .filter(|d| generated.contains(d))
            .map(|d| crate_name(&d));
        // Rounds interleave the two crates (ours check, ours build, progenitor check,
        // progenitor build), so a slow spell of the machine hits both; small crates,
        // where a tenth of a second is a large share, get more rounds. Medians are kept.
        let mut samples: [Vec<Duration>; 4] = Default::default();
        let mut prog_compiles = prog_name.is_some();
        let mut rounds = 1;
        let mut round = 0;
        while round < rounds {
            for (i, cmd) in ["check", "build"].iter().enumerate() {
                touch(&ours_lib)?;
                let mut args = vec![*cmd];
                args.extend(&feature_args);
                let (d, ok) = run(&ours, &ours_target, &args)?;
                if !ok {
                    return Err(format!("cargo {cmd} --features {f} of our crate failed"));
                }
                samples[i].push(d);
            }
            if let (Some(name), true) = (&prog_name, prog_compiles) {
                let lib = prog.join(name).join("src/lib.rs");
                for (i, cmd) in ["check", "build"].iter().enumerate() {
                    touch(&lib)?;
                    let (d, ok) = run(&prog, &prog_target, &[cmd, "-p", name])?;
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
        let prog_times = match (&prog_name, prog_compiles) {
            (None, _) => ProgCompile::NotGenerated,
            (Some(_), false) => ProgCompile::DoesNotCompile,
            (Some(_), true) => ProgCompile::Timed(middle(prog_check), middle(prog_build)),
        };
        rows.push(CompileRow {
            domain: f,
            ours: (middle(ours_check), middle(ours_build)),
            prog: prog_times,
        });
    }
    Ok(rows)
}

struct Generation {
    floor: Duration,
    ours_v2: Duration,
    ours_30: Duration,
    prog_30: Duration,
    prog_generated: usize,
    documents: usize,
}

#[derive(Default)]
struct Report {
    generation: Option<Generation>,
    compile: Vec<CompileRow>,
    figures: BTreeMap<String, f64>,
    notes: Vec<String>,
    total: Duration,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Report {
    fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let mut targets: Vec<(String, bool)> = Vec::new();
        let _ = writeln!(s, "\n# cargo xtask bench\n");
        if let Some(g) = &self.generation {
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
        if !self.compile.is_empty() {
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
            for r in &self.compile {
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
        let f = |k: &str| self.figures.get(k).copied();
        if let (Some(h), Some(g), Some(ratio), Some(rounds)) = (
            f("overhead.hand_written_us"),
            f("overhead.generated_us"),
            f("overhead.ratio"),
            f("overhead.rounds"),
        ) {
            let _ = writeln!(
                s,
                "\nruntime overhead: GET a 50-customer page from 127.0.0.1, sequential calls,\nmedians of {rounds} rounds in alternating order; the percentage is the median of the paired rounds' ratios"
            );
            let _ = writeln!(
                s,
                "  {:<58} {:>9.1} us",
                "hand-written reqwest + serde_json", h
            );
            let pct = (ratio - 1.0) * 100.0;
            let _ = writeln!(s, "  {:<58} {:>9.1} us   {pct:+.1}%", "generated client", g);
            targets.push((
                format!("runtime overhead at most 5%: {pct:+.1}%"),
                pct <= 5.0,
            ));
        }
        if let (Some(v), Some(t)) = (f("decode.value_ms"), f("decode.typed_ms")) {
            let _ = writeln!(s, "\ndecode a 5,000-customer page");
            let _ = writeln!(s, "  {:<58} {:>9.1} ms", "serde_json::Value", v);
            let _ = writeln!(
                s,
                "  {:<58} {:>9.1} ms   {:.2}x the time of Value",
                "Paged<crm::CustomerResponse>",
                t,
                t / v
            );
            targets.push((
                format!("decode faster than Value: {:.2}x its time", t / v),
                t < v,
            ));
        }
        let peaks: Vec<(u64, f64)> = self
            .figures
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("stream.peak_mib.")
                    .and_then(|n| n.parse().ok())
                    .map(|n| (n, *v))
            })
            .collect();
        if peaks.len() >= 2 {
            let _ = writeln!(
                s,
                "\nstreaming memory: peak RSS of a fresh process streaming every item"
            );
            for (n, mib) in &peaks {
                let _ = writeln!(s, "  {:<58} {:>9.1} MiB", format!("{n} items"), mib);
            }
            let small = peaks.iter().find(|(n, _)| *n == 10_000).map(|p| p.1);
            let million = peaks.iter().find(|(n, _)| *n == 1_000_000).map(|p| p.1);
            if let (Some(a), Some(b)) = (small, million) {
                targets.push((
                    format!("flat memory: 1,000,000 items peak at {:.2}x the peak of 10,000 (100x the items)", b / a),
                    b / a <= 2.0,
                ));
            }
        }
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
