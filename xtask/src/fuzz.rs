//! `cargo xtask fuzz --minutes N`: the property tests of every reader of outside input
//! (`tests/tests/properties/`) run longer than CI runs them: round after round until the
//! time is up, each with a new random seed and `--scale` times CI's case counts. A failing
//! case is shrunk and written by proptest to `tests/tests/proptest-regressions/<module>.txt`
//! (which every later run replays first: commit it with the fix); this job names the file
//! and the lines it gained, and stops.

use crate::args::Args;
use crate::inputs::project_root;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

/// Where proptest keeps the failing cases of the tests in `tests/tests/properties/`.
pub const REGRESSIONS: &str = "tests/tests/proptest-regressions";

pub fn run(args: &Args) -> Result<(), String> {
    let minutes = args.count("--minutes", 10)?;
    let scale = args.count("--scale", 10)?;
    let filter = args.value("--target").unwrap_or_default().to_owned();
    let root = project_root();
    let regressions = root.join(REGRESSIONS);
    let deadline = Instant::now() + Duration::from_secs(60 * minutes as u64);
    build(&root)?;
    let mut round = 0;
    let mut state = seed_from_clock();
    while Instant::now() < deadline {
        round += 1;
        let seed = splitmix(&mut state);
        let before = files(&regressions);
        let started = Instant::now();
        println!("round {round}: seed {seed}, {scale} times CI's cases");
        let passed = cargo_test(&root, &filter)
            .env("ST_PROPERTY_SCALE", scale.to_string())
            .env("PROPTEST_RNG_SEED", seed.to_string())
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?
            .success();
        if !passed {
            return Err(failure(&regressions, &before, round, seed));
        }
        println!(
            "round {round} passed in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    println!("{round} rounds, no failure");
    Ok(())
}

fn cargo_test(root: &Path, filter: &str) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root)
        .args([
            "test",
            "-p",
            "servicetitan-tests",
            "--test",
            "properties",
            "--",
        ])
        .arg(filter);
    c
}

/// Builds the test binary first, so that no round's time goes to compiling it.
fn build(root: &Path) -> Result<(), String> {
    let mut c = cargo_test(root, "");
    c.args(["--list"]);
    let out = c.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "the property tests do not build:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// What a failed round says: the regression files that gained lines, and those lines.
fn failure(dir: &Path, before: &BTreeMap<PathBuf, String>, round: u32, seed: u64) -> String {
    let mut out = format!("round {round} (PROPTEST_RNG_SEED={seed}) failed");
    let mut written = false;
    for (file, text) in files(dir) {
        let old = before.get(&file).map(String::as_str).unwrap_or_default();
        let new: Vec<&str> = text
            .lines()
            .filter(|l| !old.lines().any(|o| o == *l))
            .collect();
        if !new.is_empty() {
            written = true;
            out.push_str(&format!(
                "\nthe failing case is kept in {} (commit it; every run replays it first):\n  {}",
                file.display(),
                new.join("\n  ")
            ));
        }
    }
    if !written {
        out.push_str(&format!(
            "; no case was written to {} (a failure outside a property, or one that \
             ended the process): run the round again with the seed above",
            dir.display()
        ));
    }
    out
}

fn files(dir: &Path) -> BTreeMap<PathBuf, String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (p, text)
        })
        .collect()
}

fn seed_from_clock() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// splitmix64: the next of a sequence of well-spread seeds.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_file_and_the_case_it_gained() {
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("answers.txt");
        std::fs::write(&file, "# Seeds\n").expect("write");
        let before = files(&dir);
        std::fs::write(&file, "# Seeds\ncc 12ab # shrinks to m = Mutation { .. }\n")
            .expect("write");
        let said = failure(&dir, &before, 3, 42);
        assert!(
            said.starts_with("round 3 (PROPTEST_RNG_SEED=42) failed"),
            "{said}"
        );
        assert!(said.contains(&file.display().to_string()), "{said}");
        assert!(said.contains("cc 12ab # shrinks to"), "{said}");
        assert!(!said.contains("# Seeds"), "{said}");
        let nothing = failure(&dir, &files(&dir), 1, 7);
        assert!(nothing.contains("no case was written"), "{nothing}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn seeds_differ_from_round_to_round() {
        let mut s = 1;
        let a = splitmix(&mut s);
        let b = splitmix(&mut s);
        assert_ne!(a, b);
    }
}
