//! The stand-in server (`servicetitan-mock`): requests a second on loopback for a
//! 50-record page, its start-up time with all 24 domains, the crate's own build time, and
//! that a user of the client does not build it. Serving figures come from the `serve`
//! benchmark of `mock/benches/`.

use super::measure::{bench_figures, cargo_bin, median, timed_ok, Targets};
use crate::args::Args;
use crate::inputs::project_root;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// The figures of the mock, by name (`mock.rps`, `mock.build_s`, ...).
pub(super) fn measure(root: &Path, rounds: usize) -> Result<BTreeMap<String, f64>, String> {
    let mut figures = BTreeMap::new();
    eprintln!("== mock: build time");
    let build = |c: &mut Command| {
        c.current_dir(root).env("CARGO_INCREMENTAL", "0").args([
            "build",
            "--quiet",
            "-p",
            "servicetitan-mock",
        ]);
    };
    let mut first = Command::new(cargo_bin());
    build(&mut first);
    timed_ok(&mut first)?;
    let lib = root.join("mock/src/lib.rs");
    let own = median(rounds.max(1), || {
        touch(&lib)?;
        let mut c = Command::new(cargo_bin());
        build(&mut c);
        timed_ok(&mut c)
    })?;
    figures.insert("mock.build_s".into(), own.as_secs_f64());

    let tree = Command::new(cargo_bin())
        .current_dir(root)
        .args([
            "tree",
            "--quiet",
            "-p",
            "servicetitan",
            "--all-features",
            "-e",
            "normal,build",
        ])
        .output()
        .map_err(|e| format!("cargo tree: {e}"))?;
    let text = String::from_utf8_lossy(&tree.stdout);
    if !tree.status.success() || text.is_empty() {
        return Err("cargo tree -p servicetitan failed".into());
    }
    figures.insert(
        "mock.in_client_tree".into(),
        f64::from(u8::from(text.contains("servicetitan-mock"))),
    );

    figures.extend(bench_figures(root, "servicetitan-mock", "serve")?);
    Ok(figures)
}

/// Marks a file changed, so that cargo builds its crate again.
fn touch(path: &Path) -> Result<(), String> {
    let f = std::fs::File::options()
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.set_modified(std::time::SystemTime::now())
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub(super) fn render(figures: &BTreeMap<String, f64>, s: &mut String, targets: &mut Targets) {
    let f = |k: &str| figures.get(k).copied();
    let Some(rps) = f("mock.rps") else {
        return;
    };
    let _ = writeln!(s, "\nstand-in server (servicetitan-mock), on this machine's cores shared with the load generator");
    if let Some(b) = f("mock.page_bytes") {
        let _ = writeln!(
            s,
            "  {:<58} {:>9.0} /s",
            format!(
                "GET a 50-customer page ({:.0} KB), 32 connections",
                b / 1024.0
            ),
            rps
        );
    }
    if let Some(ms) = f("mock.startup_ms") {
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} ms",
            "start-up in process, 24 domains (median of 20)", ms
        );
    }
    if let Some(ms) = f("mock.process_ready_ms") {
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} ms",
            "start-up as a process, until its ready line (median of 5)", ms
        );
    }
    if let Some(b) = f("mock.build_s") {
        let _ = writeln!(
            s,
            "  {:<58} {:>9.1} s",
            "debug build of the crate alone, dependencies built", b
        );
    }
    targets.push((
        format!("mock serves at least 5,000 pages a second: {rps:.0}"),
        rps >= 5000.0,
    ));
    if let Some(t) = f("mock.in_client_tree") {
        targets.push((
            "the client's dependency tree does not contain the mock".into(),
            t == 0.0,
        ));
    }
}

/// `cargo xtask bench-mock`: only the mock's figures.
pub fn run(args: &Args) -> Result<(), String> {
    let figures = measure(&project_root(), args.count("--rounds", 3)?)?;
    let mut s = String::from("\n# cargo xtask bench-mock\n");
    let mut targets = Targets::new();
    render(&figures, &mut s, &mut targets);
    let _ = writeln!(s, "\ntargets");
    for (t, met) in &targets {
        let _ = writeln!(s, "  [{}] {t}", if *met { "met" } else { "MISSED" });
    }
    print!("{s}");
    Ok(())
}
