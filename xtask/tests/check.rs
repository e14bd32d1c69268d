//! `cargo xtask generate --check` against documents that changed after generated/ was
//! built: it fails, changes nothing, and names the document and the command to run. And a
//! correction that no longer matches anything fails `--strict`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A copy of the current documents in a fresh folder named `v2` (the lock records the
/// folder's name).
fn copy_of_documents(tag: &str) -> PathBuf {
    let dir = root().join(format!("target/xtask-check-{tag}/v2"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for e in std::fs::read_dir(root().join("specs/v2")).expect("specs") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
    }
    dir
}

fn xtask(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run xtask");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn check_fails_and_names_the_document_that_changed() {
    let specs = copy_of_documents("changed");
    let (ok, text) = xtask(&[
        "generate",
        "--check",
        "--specs",
        specs.to_str().expect("utf-8"),
    ]);
    assert!(ok, "unchanged copies are fresh:\n{text}");

    // A new release of one document: same content, one more space at the end.
    let crm = specs.join("crm-v2.json");
    let mut bytes = std::fs::read(&crm).expect("read");
    bytes.extend_from_slice(b" \n");
    std::fs::write(&crm, bytes).expect("write");
    let before = std::fs::read_to_string(root().join("specs/inputs.lock")).expect("lock");
    let (ok, text) = xtask(&[
        "generate",
        "--check",
        "--specs",
        specs.to_str().expect("utf-8"),
    ]);
    assert!(!ok, "a changed document must fail the check:\n{text}");
    assert!(
        text.contains("specs/inputs.lock: generated/ was built from other inputs")
            && text.contains("crm-v2.json: changed (sha256 ")
            && text.contains("run `cargo xtask generate` and commit the result"),
        "{text}"
    );
    assert!(
        !text.contains("accounting-v2.json"),
        "only crm changed:\n{text}"
    );
    let after = std::fs::read_to_string(root().join("specs/inputs.lock")).expect("lock");
    assert_eq!(before, after, "--check writes nothing");
}

#[test]
fn a_correction_that_matches_nothing_fails_strict() {
    let specs = copy_of_documents("fixed-upstream");
    // The vendor moves the operation: the CRM correction now selects nothing.
    let crm = specs.join("crm-v2.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&crm).expect("read")).expect("json");
    let paths = doc["paths"].as_object_mut().expect("paths");
    let item = paths
        .remove("/tenant/{tenant}/booking-provider/{booking_provider}/bookings/{id}/dismiss")
        .expect("item");
    paths.insert(
        "/tenant/{tenant}/booking-provider/{booking_provider}/bookings/{id}/dismissal".into(),
        item,
    );
    std::fs::write(&crm, serde_json::to_vec(&doc).expect("json")).expect("write");
    let (ok, text) = xtask(&[
        "generate",
        "--check",
        "--strict",
        "--specs",
        specs.to_str().expect("utf-8"),
    ]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("specs/corrections/crm-v2.yaml#/actions/0/target")
            && text.contains("correction matches nothing in crm-v2.json and needs review")
            && text.contains("--strict: 1 warning(s)"),
        "{text}"
    );
}
