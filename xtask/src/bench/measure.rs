//! What every figure of `cargo xtask bench` is measured with: timing commands, medians,
//! the figures a `cargo bench` prints, and the list of targets a run met or missed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A target of the project, and whether this run met it.
pub(super) type Targets = Vec<(String, bool)>;

pub(super) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The median of `rounds` timings of `f`.
pub(super) fn median(
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
pub(super) fn middle(v: &mut [Duration]) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The wall time of a command that must succeed (its output is discarded).
pub(super) fn timed_ok(c: &mut Command) -> Result<Duration, String> {
    let (d, ok, err) = timed(c)?;
    if ok {
        Ok(d)
    } else {
        Err(format!("{c:?} failed:\n{err}"))
    }
}

/// The wall time of a command, whether it succeeded, and its standard error.
pub(super) fn timed(c: &mut Command) -> Result<(Duration, bool, String), String> {
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

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The crate name progenitor is given for a document: its file stem, `-` as `_`.
pub(super) fn crate_name(doc: &Path) -> String {
    doc.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("doc")
        .replace('-', "_")
}

/// Runs `cargo bench -p package --bench bench` and reads its `figure: NAME VALUE` lines;
/// other lines are shown as they come.
pub(super) fn bench_figures(
    root: &Path,
    package: &str,
    bench: &str,
) -> Result<BTreeMap<String, f64>, String> {
    eprintln!("== cargo bench -p {package} --bench {bench}");
    let out = Command::new(cargo_bin())
        .current_dir(root)
        .args(["bench", "--quiet", "-p", package, "--bench", bench])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cargo bench: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("cargo bench --bench {bench} failed:\n{text}"));
    }
    let mut figures = BTreeMap::new();
    for line in text.lines() {
        match line
            .strip_prefix("figure: ")
            .and_then(|f| f.split_once(' '))
        {
            Some((k, v)) => {
                if let Ok(v) = v.trim().parse::<f64>() {
                    figures.insert(k.to_string(), v);
                }
            }
            None => eprintln!("   {line}"),
        }
    }
    Ok(figures)
}
