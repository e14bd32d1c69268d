//! The API surface of every domain, as an insta snapshot: one line per operation,
//! `METHOD /path` as the document writes it, then the Rust call and its response type.
//! When the documents change, reviewers read this snapshot's diff.

use servicetitan_tests::{generate, spec_documents};
use std::collections::BTreeSet;

#[test]
fn api_surface_per_domain() {
    let out = generate("v2");
    for (module, surface) in &out.surfaces {
        insta::assert_snapshot!(format!("surface_{module}"), surface);
    }
}

/// Every operation of every v2 document appears in the listing, with its method and path
/// exactly as written.
#[test]
fn every_operation_is_listed() {
    let out = generate("v2");
    let listed: BTreeSet<String> = out
        .surfaces
        .values()
        .flat_map(|s| {
            s.lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| l.split("  ").next().unwrap_or_default().to_string())
        })
        .collect();
    let mut expected = BTreeSet::new();
    let mut count = 0;
    for (_, doc) in spec_documents("v2") {
        for (p, item) in doc["paths"].as_object().expect("paths") {
            for m in ["get", "post", "put", "patch", "delete"] {
                if item.get(m).is_some() {
                    count += 1;
                    expected.insert(format!("{} {p}", m.to_uppercase()));
                }
            }
        }
    }
    assert_eq!(count, 559, "the v2 documents have 559 operations");
    let missing: Vec<_> = expected.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "operations missing from the API surface: {missing:?}"
    );
    let ops: usize = out
        .surfaces
        .values()
        .map(|s| s.lines().filter(|l| !l.starts_with('#')).count())
        .sum();
    assert_eq!(ops, 559);
}
