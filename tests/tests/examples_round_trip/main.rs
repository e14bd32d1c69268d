//! Every media-type example in the documents, read into the generated type of its
//! operation (request body, success response, or the error body), written back, and read
//! again to the same value. Both spec sets: `v2` (OpenAPI 3.1) against the committed crate,
//! in process; `v2-openapi-3.0` against a crate generated from it into `target/`, built and
//! run there (which also proves that crate compiles).
//!
//! A failure names the document, the example's JSON pointer, the operation and the JSON
//! path of the value that did not read. The number of examples checked is printed, and
//! the test fails if it drops below what the documents hold today.

#[rustfmt::skip]
mod types;
mod runner;

use serde_json::Value;
use servicetitan_codegen::names::module_name;
use servicetitan_codegen::tables::examples::{
    collect, replacement_counts, Applies, OtherExample, Placeholders,
};
use servicetitan_tests::{generate, options, workspace_root};

/// JSON examples in the corrected `v2` documents. The documents hold 1,509; four are the
/// JSON forms of the file uploads, which the corrections replace with multipart bodies.
const V2_EXAMPLES: usize = 1505;
/// JSON examples in the corrected 3.0.1 documents (1,535, less the four uploads).
const V30_EXAMPLES: usize = 1531;

/// The corrected documents' examples, placeholders replaced, as the runner reads them.
fn examples(set: &str) -> (Vec<Value>, Vec<OtherExample>) {
    let inputs =
        servicetitan_codegen::load_inputs(&options(set)).unwrap_or_else(|d| panic!("{set}: {d}"));
    let rules = Placeholders::read(&workspace_root().join("specs/example-placeholders.yaml"))
        .unwrap_or_else(|d| panic!("{d}"));
    let mut json = Vec::new();
    let mut other = Vec::new();
    for doc in &inputs.documents {
        let (j, o) =
            collect(doc, &module_name(&doc.stem), &rules).unwrap_or_else(|d| panic!("{d}"));
        json.extend(j);
        other.extend(o);
    }
    let with = json.iter().filter(|e| !e.replaced.is_empty()).count();
    let counts = replacement_counts(&json);
    println!(
        "{set}: {with} of {} examples had placeholders replaced (specs/example-placeholders.yaml):",
        json.len()
    );
    for (i, rule) in rules.rules.iter().enumerate() {
        println!(
            "  rule {i} ({} -> {}): {} values",
            rule.placeholder,
            match &rule.applies {
                Applies::Formats { formats, .. } => formats.join("/"),
                Applies::Enum => "enum".to_string(),
            },
            counts.get(&i).copied().unwrap_or(0)
        );
    }
    let json = json
        .into_iter()
        .map(|e| serde_json::to_value(e).expect("example"))
        .collect();
    (json, other)
}

fn assert_report(set: &str, report: &Value, floor: usize) {
    let checked = report["checked"].as_u64().unwrap_or(0) as usize;
    let failures = report["failures"].as_array().cloned().unwrap_or_default();
    println!(
        "{set}: {checked} examples checked, {} failed",
        failures.len()
    );
    let listing: Vec<String> = failures
        .iter()
        .map(|f| {
            format!(
                "{}#{} ({} {}): {}",
                f["file"].as_str().unwrap_or_default(),
                f["pointer"].as_str().unwrap_or_default(),
                f["operation"].as_str().unwrap_or_default(),
                f["part"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{set}: {} of {checked} examples do not round-trip:\n{}",
        failures.len(),
        listing.join("\n")
    );
    assert!(
        checked >= floor,
        "{set}: only {checked} examples were checked; the documents hold {floor}"
    );
}

/// The examples on media types that are not JSON (a text answer, two audio downloads)
/// are `null`: the documents give no example there. A real one would need a decision.
fn assert_other_examples_are_empty(set: &str, other: &[OtherExample]) {
    for o in other {
        assert!(
            o.value.is_null(),
            "{set}: {}#{} ({} {}): a non-JSON example with a value; check it against the operation's type",
            o.file,
            o.pointer,
            o.operation,
            o.media_type
        );
    }
    println!(
        "{set}: {} examples on non-JSON media types, all null",
        other.len()
    );
}

#[test]
fn v2_examples_round_trip_through_the_committed_crate() {
    let (json, other) = examples("v2");
    let report = runner::run(&json, types::check);
    assert_other_examples_are_empty("v2", &other);
    assert_report("v2", &report, V2_EXAMPLES);
}

#[test]
fn openapi_30_examples_round_trip_through_a_crate_generated_from_them() {
    let set = "v2-openapi-3.0";
    let out = generate(set);
    let (domains, ops, _) = servicetitan_codegen::stats(&out.api);
    assert_eq!(
        (domains, ops),
        (24, 571),
        "the 3.0.1 set has 571 operations"
    );
    let dir = workspace_root().join("target/generated-openapi-3.0");
    let mut files = out.standalone_files();
    files.insert(
        "examples/round_trip/types.rs".into(),
        out.example_table.clone(),
    );
    files.insert(
        "examples/round_trip/runner.rs".into(),
        include_str!("runner.rs").to_string(),
    );
    files.insert(
        "examples/round_trip/main.rs".into(),
        "mod runner;\nmod types;\n\nfn main() {\n    runner::cli(types::check);\n}\n".into(),
    );
    servicetitan_codegen::write::write_tree(&dir, &files, &[]).expect("write the crate");

    let (json, other) = examples(set);
    let input = workspace_root().join("target/examples-openapi-3.0.json");
    std::fs::write(&input, serde_json::to_vec(&json).expect("json")).expect("write examples");
    // The workspace's own profile (little debug info: a faster build of a large crate).
    let run = std::process::Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "round_trip"])
        .args(["--features", "deserialize-requests"])
        .args(["--config", "profile.dev.debug=\"line-tables-only\""])
        .args(["--config", "profile.dev.package.\"*\".debug=false"])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--")
        .arg(&input)
        .env("CARGO_TARGET_DIR", workspace_root().join("target"))
        .output()
        .expect("cargo run");
    assert!(
        run.status.success(),
        "the crate generated from the 3.0.1 set does not build or run:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).expect("report");
    assert_other_examples_are_empty(set, &other);
    assert_report(set, &report, V30_EXAMPLES);
}
