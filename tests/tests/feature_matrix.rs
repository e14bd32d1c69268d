//! The generated crate compiles with each domain feature alone, and with none (without
//! `deserialize-requests` and `redis`, which are not domains; `--all-features` builds
//! elsewhere cover them).

use servicetitan_tests::workspace_root;
use std::time::Instant;

fn features() -> Vec<String> {
    let manifest =
        std::fs::read_to_string(workspace_root().join("generated/Cargo.toml")).expect("manifest");
    let section = manifest
        .split("[features]")
        .nth(1)
        .expect("features")
        .split("\n[")
        .next()
        .expect("section");
    section
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
        .filter(|k| !["default", "full", "deserialize-requests", "redis"].contains(&k.as_str()))
        .collect()
}

#[test]
fn each_domain_feature_builds_alone() {
    let features = features();
    let table = servicetitan_codegen::artifacts::read_domain_table(
        &workspace_root().join(servicetitan_codegen::artifacts::DOMAINS_LOCK),
    )
    .expect("the domain table");
    let mut known: Vec<String> = table.entries.values().map(|d| d.feature.clone()).collect();
    known.sort();
    let mut listed = features.clone();
    listed.sort();
    assert_eq!(
        listed, known,
        "one feature per domain of specs/domains.lock"
    );
    let mut failed = Vec::new();
    for f in std::iter::once(String::new()).chain(features) {
        let t = Instant::now();
        let mut cmd = std::process::Command::new(env!("CARGO"));
        cmd.current_dir(workspace_root()).args([
            "check",
            "--quiet",
            "-p",
            "servicetitan",
            "--no-default-features",
        ]);
        if !f.is_empty() {
            cmd.args(["--features", &f]);
        }
        let status = cmd.status().expect("cargo check");
        println!(
            "feature {:<22} {} in {:.1} s",
            if f.is_empty() { "(none)" } else { &f },
            if status.success() { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        if !status.success() {
            failed.push(f);
        }
    }
    assert!(
        failed.is_empty(),
        "the generated crate does not build with features {failed:?} alone"
    );
}
