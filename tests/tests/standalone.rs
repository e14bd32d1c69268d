//! The repository stands alone: a clone with nothing beside it generates; no tracked file
//! but Markdown names a folder outside it; the documents' provenance matches them; the
//! portal's download names (and YAML conversions) give exactly the crate the canonical
//! names give; and a new domain, added by `cargo xtask update` from a download named
//! unlike its server path, builds alone with its feature and streams its list paged in a
//! POST body against the stand-in.

use servicetitan_codegen::{self as codegen, artifacts};
use servicetitan_tests::{generate, options, specs_dir, workspace_root};
use std::path::{Path, PathBuf};
use std::process::Command;

fn git_files() -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(workspace_root())
        .output()
        .expect("git must be installed to list the tracked files");
    assert!(
        out.status.success(),
        "git ls-files failed: the tests need a git checkout"
    );
    String::from_utf8(out.stdout)
        .expect("utf-8 names")
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn no_tracked_file_but_markdown_reads_the_folder_beside_the_repository() {
    // Built at run time, so that this file does not name it.
    let needle = ["..", "shared"].join("/");
    let files = git_files();
    assert!(files.len() > 100, "{} tracked files", files.len());
    let naming: Vec<&String> = files
        .iter()
        .filter(|f| !f.ends_with(".md"))
        .filter(|f| {
            std::fs::read(workspace_root().join(f))
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        })
        .collect();
    assert!(
        naming.is_empty(),
        "tracked files naming `{needle}`: {naming:?}"
    );
}

#[test]
fn every_document_has_its_provenance_and_the_recorded_sha256() {
    let text = std::fs::read_to_string(workspace_root().join(artifacts::PROVENANCE))
        .expect("specs/provenance.yaml");
    let parsed: serde_json::Value = serde_norway::from_str(&text).expect("provenance parses");
    let entries = parsed["documents"].as_array().expect("a list of documents");
    let mut listed = std::collections::BTreeSet::new();
    for e in entries {
        let file = e["file"].as_str().expect("file");
        for key in ["date", "source", "sha256"] {
            assert!(
                e[key].as_str().is_some_and(|v| !v.is_empty()),
                "{file}: no {key}"
            );
        }
        let bytes =
            std::fs::read(workspace_root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            e["sha256"].as_str(),
            Some(codegen::input::load::sha256_hex(&bytes).as_str()),
            "{file}"
        );
        listed.insert(file.to_string());
    }
    for set in [artifacts::SPECS, artifacts::SPECS_OPENAPI_3_0] {
        for f in
            codegen::input::load::list_documents(&workspace_root().join(set)).expect("documents")
        {
            let name = format!("{set}/{}", f.file_name().unwrap().to_string_lossy());
            assert!(listed.contains(&name), "{name} has no provenance entry");
        }
    }
}

/// The current documents under other names, written by `write` into a fresh folder.
fn renamed(tag: &str, write: impl Fn(&Path, &serde_json::Value, &str)) -> PathBuf {
    let dir = workspace_root().join(format!("target/standalone-names/{tag}/v2"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for f in codegen::input::load::list_documents(&specs_dir("v2")).expect("documents") {
        let stem = f.file_stem().unwrap().to_string_lossy();
        let domain = stem.trim_end_matches("-v2");
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&f).expect("read")).expect("json");
        write(&dir, &doc, &format!("tenant-{domain}-v2"));
    }
    dir
}

#[test]
fn downloads_named_as_the_portal_names_them_and_yaml_give_the_same_crate() {
    let canonical = generate("v2");
    let json = renamed("json", |dir, doc, name| {
        let text = serde_json::to_string_pretty(doc).expect("json");
        std::fs::write(dir.join(format!("{name}.json")), text).expect("write");
    });
    let yaml = renamed("yaml", |dir, doc, name| {
        let text = serde_norway::to_string(doc).expect("yaml");
        std::fs::write(dir.join(format!("{name}.yaml")), text).expect("write");
    });
    for dir in [json, yaml] {
        let mut o = options("v2");
        o.specs = dir.clone();
        let out = codegen::generate(&o).unwrap_or_else(|d| panic!("{}:\n{d}", dir.display()));
        assert_eq!(out.surfaces, canonical.surfaces, "{}", dir.display());
        let rs = |files: &codegen::emit::Files| -> Vec<(String, String)> {
            files
                .iter()
                .filter(|(k, _)| k.ends_with(".rs"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let (got, want) = (rs(&out.files), rs(&canonical.files));
        assert_eq!(got.len(), want.len());
        for ((gk, gv), (wk, wv)) in got.iter().zip(&want) {
            assert_eq!(gk, wk);
            assert!(gv == wv, "{}: {gk} differs", dir.display());
        }
        assert_eq!(
            out.files.get("Cargo.toml"),
            canonical.files.get("Cargo.toml")
        );
        assert_eq!(out.domains, canonical.domains, "no new domain row");
        assert_eq!(
            out.inputs.keys().collect::<Vec<_>>(),
            canonical.inputs.keys().collect::<Vec<_>>()
        );
        // The corrections found their documents under the new names.
        assert_eq!(out.corrections.len(), canonical.corrections.len());
    }
}

/// A folder holding copies of `files` of the current set, under these names, and `extra`.
fn folder(tag: &str, files: &[(&str, &str)], extra: &[(&str, serde_json::Value)]) -> PathBuf {
    let dir = workspace_root().join(format!("target/standalone-names/{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (from, to) in files {
        std::fs::copy(specs_dir("v2").join(from), dir.join(to)).expect("copy");
    }
    for (name, doc) in extra {
        std::fs::write(dir.join(name), doc.to_string()).expect("write");
    }
    dir
}

fn refusal(dir: &Path) -> String {
    let mut o = options("v2");
    o.specs = dir.to_path_buf();
    match codegen::generate(&o) {
        Ok(_) => panic!("{} generated", dir.display()),
        Err(d) => d.to_string(),
    }
}

#[test]
fn two_documents_of_one_domain_or_one_of_no_domain_are_refused_naming_the_files() {
    let dir = folder(
        "twice",
        &[
            ("crm-v2.json", "crm-v2.json"),
            ("crm-v2.json", "tenant-crm-v2.json"),
        ],
        &[],
    );
    let e = refusal(&dir);
    assert!(
        e.contains("two documents of the domain `/crm/v2`")
            && e.contains("tenant-crm-v2.json")
            && e.contains("/crm-v2.json"),
        "{e}"
    );
    let petstore = serde_json::json!({"openapi": "3.1.0", "info": {"title": "Petstore"},
        "servers": [{"url": "https://pets.example/v1"}], "paths": {"/pets": {}}});
    let dir = folder(
        "foreign",
        &[("jbce-v2.json", "a.json")],
        &[("pets.json", petstore)],
    );
    let e = refusal(&dir);
    assert!(
        e.contains("pets.json") && e.contains("not a ServiceTitan domain"),
        "{e}"
    );
}

#[test]
fn a_hand_edited_document_without_a_server_path_is_known_by_its_paths() {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(specs_dir("v2").join("telecom.json")).expect("read"))
            .expect("json");
    doc["servers"] = serde_json::json!([{"url": "https://api.servicetitan.io"}]);
    let paths = doc["paths"].as_object().expect("paths").clone();
    doc["paths"] = paths
        .into_iter()
        .map(|(k, v)| (format!("/telecom{k}"), v))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let table = options("v2").domains;
    let mut docs = vec![codegen::input::load::parse_document(
        Path::new("calls.yaml"),
        doc.to_string().as_bytes(),
    )
    .expect("parses")];
    codegen::input::domains::identify(&mut docs, &table).expect("identified");
    let d = docs[0].domain.as_ref().expect("a domain");
    assert_eq!(
        (d.module.as_str(), d.feature.as_str(), d.file.as_str()),
        ("telecom", "telecom", "telecom.json")
    );
    for name in [
        "marketing-ads",
        "marketing_ads",
        "marketing-ads-v2.json",
        "/marketingads/v2",
    ] {
        assert_eq!(
            table.find(name).map(|d| d.module.as_str()),
            Some("marketing_ads"),
            "{name}"
        );
    }
}

#[path = "standalone/clone.rs"]
mod clone;
