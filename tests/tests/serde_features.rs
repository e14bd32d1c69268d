//! The runtime's value types and generated models decode under serde_json's
//! `arbitrary_precision`, `preserve_order` and `float_roundtrip` (a user's dependency
//! graph may turn any of them on; Cargo unifies features). They are turned on in a crate
//! of its own, `tests/serde-features`, which this test builds and runs with the same
//! cargo, in its own target folder, and which must pass.

#[test]
fn decoding_survives_serde_json_features() {
    let root = servicetitan_tests::workspace_root();
    let (ok, text) = servicetitan_tests::cargo_in(
        &root.join("tests/serde-features"),
        &root.join("target/serde-features"),
        &["test", "--locked", "--quiet"],
    );
    assert!(
        ok,
        "tests/serde-features failed (after a change to the runtime's dependencies, its own \
         lock needs `cargo update --workspace` in tests/serde-features):\n{text}"
    );
    assert!(
        text.contains("4 passed"),
        "tests/serde-features ran its four tests:\n{text}"
    );
}
