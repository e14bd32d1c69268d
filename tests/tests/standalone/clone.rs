//! A clone of the repository in a temporary folder with nothing beside it: `cargo xtask
//! generate --check` passes there; then `cargo xtask update` takes a document of a 25th
//! domain, named unlike its server path, and the crate built with that feature alone
//! streams the domain's POST list (paged in its body) from the stand-in.
//!
//! The clone is of the committed HEAD. Its builds share one target folder,
//! `target/standalone` of this workspace: a cache of compiled dependencies, not an input.

use servicetitan_tests::workspace_root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cargo args` in `dir` with the shared target folder; what it printed, or a panic
/// saying what failed.
fn cargo(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env(
            "CARGO_TARGET_DIR",
            workspace_root().join("target/standalone"),
        )
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "cargo {args:?} in {} failed:\n{text}",
        dir.display()
    );
    text
}

/// A fresh temporary folder holding only a clone of this repository, `repo`.
fn clone() -> PathBuf {
    let base = std::env::temp_dir().join(format!("servicetitan-clone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("temporary folder");
    let repo = base.join("repo");
    let status = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(workspace_root())
        .arg(&repo)
        .status()
        .expect("git must be installed to clone the repository");
    assert!(status.success(), "git clone failed");
    let beside: Vec<_> = std::fs::read_dir(&base).expect("list").collect();
    assert_eq!(beside.len(), 1, "the clone has nothing beside it");
    repo
}

const PROBE_MAIN: &str = r#"
use futures_util::StreamExt;
use servicetitan::fleet_pro::{PaginationRequest, VehicleSearchRequest};

#[tokio::main]
async fn main() {
    let m = servicetitan_mock::MockServer::start(servicetitan_mock::Settings::default()).await.expect("stand-in");
    let runtime = servicetitan::runtime::Runtime::new(m.builder()).expect("client");
    let tenant = m.settings().tenants.first().copied().unwrap_or(1);
    let st = servicetitan::Client::new(runtime, tenant);
    let search = || st.fleet_pro().vehicles().search(
        VehicleSearchRequest::default().with_pagination(PaginationRequest::default().with_page_size(7)),
    );
    let mut pages = search().pages();
    let mut numbers = Vec::new();
    while let Some(p) = pages.next().await {
        numbers.push(p.expect("a page").page);
    }
    let mut items = search().items();
    let (mut count, mut ids) = (0, std::collections::BTreeMap::new());
    while let Some(v) = items.next().await {
        let v = v.expect("a vehicle");
        count += 1;
        ids.insert(v.id.expect("an id"), v.vin.expect("a vin"));
    }
    // The list's records are the collection's: each read back by its id, the same.
    let (id, vin) = ids.iter().nth(41).expect("42 vehicles or more");
    let one = st.fleet_pro().vehicles().get(*id).await.expect("read one");
    println!("pages {numbers:?}");
    println!("vehicles {count} distinct {} of {}", ids.len(), m.settings().records);
    println!("read {}", one.id == Some(*id) && one.vin.as_ref() == Some(vin));
}
"#;

/// A crate beside the clone using its `servicetitan` with the new domain's feature alone,
/// and its stand-in; locked to the clone's `Cargo.lock`.
fn probe(repo: &Path) -> PathBuf {
    let dir = repo.parent().expect("base").join("probe");
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    let manifest = format!(
        r#"[package]
name = "probe"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
servicetitan = {{ path = {generated:?}, default-features = false, features = ["fleet-pro"] }}
servicetitan-mock = {{ path = {mock:?} }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
futures-util = "0.3"

[workspace]
"#,
        generated = repo.join("generated").display().to_string(),
        mock = repo.join("mock").display().to_string(),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("manifest");
    std::fs::write(dir.join("src/main.rs"), PROBE_MAIN).expect("main");
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock");
    dir
}

#[test]
fn a_clone_with_nothing_beside_it_generates_and_an_update_adds_a_whole_new_domain() {
    let repo = clone();
    let checked = cargo(&repo, &["xtask", "generate", "--check", "--strict"]);
    assert!(checked.contains("generated/ is up to date"), "{checked}");

    let downloads = repo.parent().unwrap().join("downloads");
    std::fs::create_dir_all(&downloads).expect("mkdir");
    std::fs::copy(
        workspace_root().join("tests/fixtures/new-domain/st-download-7f3a.json"),
        downloads.join("st-download-7f3a.json"),
    )
    .expect("copy");
    let from = downloads.display().to_string();
    let report = cargo(
        &repo,
        &["xtask", "update", "--from", &from, "--no-semver-checks"],
    );
    for expected in [
        "fleet-pro-v2.json <- ",
        "(a new domain)",
        "domain added: module `fleet_pro`, feature `fleet-pro` (2 operations)",
        "`Vehicles_Search`: `POST /fleetpro/v2/tenant/{tenant}/vehicles/search`, scope `tn.flt.vehicles:r`",
        "`Vehicles_Get`: `GET /fleetpro/v2/tenant/{tenant}/vehicles/{id}`, scope `tn.flt.vehicles:r`",
    ] {
        assert!(report.contains(expected), "the update printed no `{expected}`:\n{report}");
    }
    let read =
        |p: &str| std::fs::read_to_string(repo.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert!(
        read("specs/domains.lock").contains("/fleetpro/v2 fleet_pro fleet-pro fleet-pro-v2.json")
    );
    assert!(read("specs/provenance.yaml").contains("specs/v2/fleet-pro-v2.json"));
    assert!(read("CHANGELOG.md").contains("domain added: module `fleet_pro`"));
    assert!(read("generated/Cargo.toml").contains("fleet-pro = []"));
    assert!(read("api-model/api.json").contains("Vehicles_Search"));
    assert!(read("specs/names.lock").contains("fleet_pro "));
    let scopes = cargo(&repo, &["xtask", "scopes", "--domains", "fleet-pro"]);
    assert!(scopes.contains("tn.flt.vehicles:r"), "{scopes}");
    // The regenerated clone is what its documents give.
    cargo(&repo, &["xtask", "generate", "--check", "--strict"]);

    let probe = probe(&repo);
    let out = cargo(&probe, &["run", "--quiet", "--offline"]);
    // 120 records, 7 a page: 18 pages, each asked for by its number in the body.
    let pages: Vec<String> = (1..=18).map(|n| n.to_string()).collect();
    assert!(
        out.contains(&format!("pages [{}]", pages.join(", "))),
        "{out}"
    );
    assert!(out.contains("vehicles 120 distinct 120 of 120"), "{out}");
    assert!(out.contains("read true"), "{out}");
    let _ = std::fs::remove_dir_all(repo.parent().expect("base"));
}
