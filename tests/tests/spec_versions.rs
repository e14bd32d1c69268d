//! The two spec sets: OpenAPI 3.1 (today's portal) and 3.0.1 (the older export). A schema
//! that means the same in both sets gives the same Rust type. (That the 3.0.1 set
//! generates a crate that compiles is shown by `examples_round_trip`, which builds and
//! runs it.)

use servicetitan_codegen::input::schema::{self, Node, NodeKind};
use servicetitan_codegen::ir::{Api, TypeDef, TypeDefKind};
use servicetitan_tests::{generate, spec_documents};
use std::collections::BTreeMap;
use std::path::Path;

/// A type without its docs: what users compile against.
fn signature(t: &TypeDef) -> String {
    match &t.kind {
        TypeDefKind::Struct(fields) => {
            let f: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {:?} req={} null={} box={}",
                        f.name, f.wire, f.ty, f.required, f.nullable, f.boxed
                    )
                })
                .collect();
            format!("struct {} usage={:?} {{{}}}", t.name, t.usage, f.join("; "))
        }
        TypeDefKind::StringEnum { variants, flags } => {
            format!(
                "enum {} flags={flags} {:?}",
                t.name,
                variants
                    .iter()
                    .map(|v| (&v.name, &v.value))
                    .collect::<Vec<_>>()
            )
        }
        TypeDefKind::IntEnum(v) => format!(
            "enum {} {:?}",
            t.name,
            v.iter().map(|v| (&v.name, v.value)).collect::<Vec<_>>()
        ),
        TypeDefKind::Union(v) => format!(
            "union {} {:?}",
            t.name,
            v.iter().map(|v| (&v.name, &v.ty)).collect::<Vec<_>>()
        ),
        TypeDefKind::Alias(ty) => format!("type {} = {ty:?}", t.name),
    }
}

fn types_by_schema(api: &Api) -> BTreeMap<(String, String), &TypeDef> {
    let mut m = BTreeMap::new();
    for t in &api.common {
        m.insert(("common".to_string(), t.schema.clone()), t);
    }
    for d in &api.domains {
        for t in &d.types {
            if !t.schema.starts_with("(inline)") {
                m.insert((d.module.clone(), t.schema.clone()), t);
            }
        }
    }
    m
}

/// The normalised schema without prose and locations: what the generator reads.
fn strip(mut n: Node) -> Node {
    n.description = None;
    n.pointer = String::new();
    n.kind = match n.kind {
        NodeKind::Array(i) => NodeKind::Array(Box::new(strip(*i))),
        NodeKind::Object(mut o) => {
            o.properties = o
                .properties
                .into_iter()
                .map(|(k, v)| (k, strip(v)))
                .collect();
            o.additional = o.additional.map(|a| Box::new(strip(*a)));
            NodeKind::Object(o)
        }
        NodeKind::Union(m) => NodeKind::Union(m.into_iter().map(strip).collect()),
        k => k,
    };
    n
}

fn normalised_schemas(set: &str) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    for (path, doc) in spec_documents(set) {
        for (name, s) in doc["components"]["schemas"].as_object().expect("schemas") {
            let n = schema::read(Path::new("x"), "", s).expect("schema");
            out.insert(
                format!("{}|{name}", path.file_name().unwrap().to_string_lossy()),
                strip(n),
            );
        }
    }
    out
}

#[test]
fn same_schema_same_rust_type_in_both_versions() {
    let v31 = generate("v2");
    let v30 = generate("v2-openapi-3.0");
    let a = types_by_schema(&v31.api);
    let b = types_by_schema(&v30.api);
    let n31 = normalised_schemas("v2");
    let n30 = normalised_schemas("v2-openapi-3.0");
    // Schema name -> whether its normalised form is the same in every file of both sets.
    let mut same_schema: BTreeMap<String, bool> = BTreeMap::new();
    for (k, n) in &n31 {
        if let Some(m) = n30.get(k) {
            let name = k.split('|').nth(1).unwrap().to_string();
            let e = same_schema.entry(name).or_insert(true);
            *e &= n == m;
        }
    }
    let mut compared = 0;
    let mut identical = 0;
    let mut unexplained = Vec::new();
    let mut explained = 0;
    for (key, ta) in &a {
        let Some(tb) = b.get(key) else { continue };
        compared += 1;
        if signature(ta) == signature(tb) {
            identical += 1;
            continue;
        }
        // Types differ: acceptable only where the documents themselves differ (a field
        // added, retyped, or used differently by the operations of each set).
        let schema_same = same_schema.get(&key.1).copied().unwrap_or(false);
        let usage_differs = ta.usage != tb.usage;
        if schema_same && !usage_differs && !refs_differ(ta, tb) {
            unexplained.push(format!(
                "{key:?}\n  3.1: {}\n  3.0: {}",
                signature(ta),
                signature(tb)
            ));
        } else {
            explained += 1;
            let why = if !schema_same {
                "schema differs"
            } else if usage_differs {
                "usage differs"
            } else {
                "referenced types differ"
            };
            println!("differs ({why}): {key:?}");
        }
    }
    println!("schemas in both sets: {compared}; identical Rust types: {identical}; differing where the documents differ: {explained}");
    assert!(
        compared > 850,
        "expected most schemas to be in both sets, got {compared}"
    );
    assert!(
        unexplained.is_empty(),
        "{} types differ although their schemas are the same:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

/// Types can differ because a type they refer to is named differently (a wrapper in one
/// set, a struct in the other) or is common in one set only.
fn refs_differ(a: &TypeDef, b: &TypeDef) -> bool {
    fn tys(t: &TypeDef) -> Vec<String> {
        match &t.kind {
            TypeDefKind::Struct(f) => f.iter().map(|f| format!("{:?}", f.ty)).collect(),
            TypeDefKind::Union(v) => v.iter().map(|v| format!("{:?}", v.ty)).collect(),
            TypeDefKind::Alias(t) => vec![format!("{t:?}")],
            _ => vec![],
        }
    }
    tys(a) != tys(b)
}
