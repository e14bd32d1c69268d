//! The runtime's value types and generated models decode under serde_json's
//! `arbitrary_precision`, `preserve_order` and `float_roundtrip` (a user's dependency
//! graph may turn any of them on; Cargo unifies features). They are turned on in a crate
//! of its own, `tests/serde-features`, which this test builds and runs with the same
//! cargo, in its own target folder, and which must pass.

use std::process::Command;

#[test]
fn decoding_survives_serde_json_features() {
    let root = servicetitan_tests::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root.join("tests/serde-features"))
        .args(["test", "--locked", "--quiet"])
        .env("CARGO_TARGET_DIR", root.join("target/serde-features"))
        .output()
        .expect("cannot start cargo to build tests/serde-features");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "tests/serde-features failed (after a change to the runtime's dependencies, its own \
         lock needs `cargo update --workspace` in tests/serde-features):\n{text}"
    );
    assert!(
        text.contains("4 passed"),
        "tests/serde-features ran its four tests:\n{text}"
    );
}
