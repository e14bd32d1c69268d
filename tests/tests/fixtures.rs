//! One small fixture document per generator feature, written by hand in OpenAPI 3.1 and
//! 3.0 form (`tests/fixtures/openapi-3.{0,1}/<feature>.yaml`). The generated code is the
//! snapshot; both forms must generate exactly the same code.

use servicetitan_codegen::{generate_from, input::load, names::NameLock, Options};
use servicetitan_tests::workspace_root;

fn generate_fixture(version: &str, feature: &str) -> String {
    let path = workspace_root().join(format!("tests/fixtures/openapi-{version}/{feature}.yaml"));
    let bytes = std::fs::read(&path).expect("fixture");
    let doc = load::parse_document(&path, &bytes).unwrap_or_else(|d| panic!("{d}"));
    let opts = Options {
        specs: path.clone(),
        names: NameLock::default(),
        domains: Default::default(),
        corrections: None,
        runtime_dependency: "{ path = \"../runtime\" }".into(),
        example_placeholders: None,
        migrations: Vec::new(),
    };
    let out =
        generate_from(&[doc], &opts).unwrap_or_else(|d| panic!("{feature} ({version}):\n{d}"));
    let mut text = String::new();
    for (file, content) in &out.files {
        if file.starts_with(&format!("src/{feature}/")) || file == "src/common.rs" {
            text.push_str(&format!("=== {file}\n{content}"));
        }
    }
    text.push_str(&format!("=== API surface\n{}", out.surfaces[feature]));
    for w in &out.warnings {
        text.push_str(&format!("=== warning: {}\n", w.message));
    }
    text
}

fn check(feature: &str) {
    let v31 = generate_fixture("3.1", feature);
    let v30 = generate_fixture("3.0", feature);
    assert!(
        v31 == v30,
        "3.0 and 3.1 forms of `{feature}` generate different code"
    );
    insta::assert_snapshot!(feature, v31);
}

#[test]
fn nullable_and_required() {
    check("nullable");
}

#[test]
fn enums_int_names_flags_and_fallbacks() {
    check("enums");
}

#[test]
fn formats_maps_and_inline_objects() {
    check("formats");
}

#[test]
fn wrappers_by_shape() {
    check("wrappers");
}

#[test]
fn recursive_schema_and_union() {
    check("shapes");
}

#[test]
fn operations_params_bodies_and_responses() {
    check("operations");
}

#[test]
fn names_collisions_and_keywords() {
    check("names");
}

#[test]
fn multipart_uploads_downloads_and_inline_pages() {
    check("uploads");
}
