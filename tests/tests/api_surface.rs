//! The API surface of every domain, as an insta snapshot: one line per operation,
//! `METHOD /path` as the document writes it, then the Rust call and its response type.
//! When the documents change, reviewers read this snapshot's diff.

use servicetitan_codegen::review::surface::ID_LINKS_HEADING;
use servicetitan_tests::{generate, spec_documents};
use std::collections::BTreeSet;

/// The operation lines of a listing (before its typed ids).
fn operations(surface: &str) -> std::str::Lines<'_> {
    surface
        .split(ID_LINKS_HEADING)
        .next()
        .unwrap_or_default()
        .lines()
}

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
            operations(s)
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
        .map(|s| operations(s).filter(|l| !l.starts_with('#')).count())
        .sum();
    assert_eq!(ops, 559);
}

/// Every typed id in the model (fields, path, query and multipart parameters) is a line
/// of the listing's "Typed ids", and the heading counts them.
#[test]
fn the_listing_shows_every_typed_id() {
    use servicetitan_codegen::ir::{Body, TypeDefKind};
    let out = generate("v2");
    let api = &out.api;
    let fields = |types: &[servicetitan_codegen::ir::TypeDef]| -> usize {
        types
            .iter()
            .map(|t| match &t.kind {
                TypeDefKind::Struct(f) => f.iter().filter(|f| f.ty.holds_id()).count(),
                _ => 0,
            })
            .sum()
    };
    let mut in_model = fields(&api.common);
    for d in &api.domains {
        in_model += fields(&d.types);
        for o in d.operations() {
            in_model += o
                .path_params
                .iter()
                .chain(&o.query)
                .chain(match &o.body {
                    Some(Body::Multipart(p)) => p.as_slice(),
                    _ => &[],
                })
                .filter(|p| p.ty.holds_id())
                .count();
        }
    }
    let mut listed = 0;
    for surface in out.surfaces.values() {
        let (_, links) = surface
            .split_once(ID_LINKS_HEADING)
            .expect("a typed ids section");
        let (count, lines) = links.split_once(")\n").expect("a count");
        let n = lines.lines().count();
        assert_eq!(count.parse::<usize>().expect("a number"), n);
        listed += n;
    }
    assert_eq!(
        listed, in_model,
        "typed ids in the model and in the listing"
    );
    assert!(listed > 500, "{listed} typed ids");
}
