//! The generator's promise on any input: a clear error, or a crate that compiles. Real
//! documents are mutated where types are decided (a property's type, format or
//! nullability, a `$ref` pointed at another schema or at the schema itself, array items,
//! maps, enums with awkward values, properties with awkward names, a response pointed
//! elsewhere); each mutated document the generator accepts is written as a crate of its
//! own and must pass `cargo check`. (`codegen/tests/mutations.rs` mutates at random and
//! requires only that the generator never panics.)
//!
//! Bounded for CI (3 accepted crates). Longer runs, with figures:
//! `ST_MUTATED_CRATES=40 ST_MUTATION_SEED=7 cargo test -p servicetitan-tests --test mutated_crates -- --nocapture`

use serde_json::{json, Value};
use servicetitan_codegen::{generate_from, input::load, names::NameLock, Options};
use servicetitan_tests::workspace_root;
use std::time::Instant;

/// Deterministic, so a failure replays from its seed (the stand-in's splitmix64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        (servicetitan_mock::data::splitmix(&mut self.0) % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const AWKWARD_NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "crate",
    "fn",
    "1st",
    "a-b",
    "with space",
    "Ünïcode",
    "_",
    "r#x",
    "data",
    "id",
    "Id",
    "ID",
];
const AWKWARD_VALUES: &[&str] = &["A", "a", "1", "Type", "self", "with space", "None", "_"];
const SCALARS: &[(&str, Option<&str>)] = &[
    ("string", None),
    ("string", Some("date-time")),
    ("string", Some("date")),
    ("string", Some("uuid")),
    ("string", Some("binary")),
    ("integer", Some("int32")),
    ("integer", Some("int64")),
    ("number", Some("double")),
    ("number", Some("decimal")),
    ("boolean", None),
];

/// One mutation where the generator decides a type; a description of what it did.
fn mutate(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let schemas: Vec<String> = doc
        .pointer("/components/schemas")?
        .as_object()?
        .keys()
        .cloned()
        .collect();
    let target = rng.pick(&schemas).clone();
    let other = rng.pick(&schemas).clone();
    let reference = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let schema = doc.pointer_mut(&format!(
        "/components/schemas/{}",
        target.replace('~', "~0").replace('/', "~1")
    ))?;
    let props = schema.get_mut("properties").and_then(Value::as_object_mut);
    let what = rng.below(9);
    match (what, props) {
        (0, Some(p)) if !p.is_empty() => {
            let k = p.keys().nth(rng.below(p.len()))?.clone();
            p.insert(k.clone(), reference(&other));
            Some(format!("{target}.{k} -> $ref {other}"))
        }
        (1, Some(p)) if !p.is_empty() => {
            let k = p.keys().nth(rng.below(p.len()))?.clone();
            p.insert(
                k.clone(),
                json!({"type": "array", "items": reference(&other)}),
            );
            Some(format!("{target}.{k} -> array of {other}"))
        }
        (2, Some(p)) if !p.is_empty() => {
            let k = p.keys().nth(rng.below(p.len()))?.clone();
            let (ty, format) = *rng.pick(SCALARS);
            let mut s =
                json!({ "type": if rng.below(2) == 0 { json!(ty) } else { json!([ty, "null"]) } });
            if let Some(f) = format {
                s["format"] = json!(f);
            }
            p.insert(k.clone(), s.clone());
            Some(format!("{target}.{k} -> {s}"))
        }
        (3, Some(p)) if !p.is_empty() => {
            let k = p.keys().nth(rng.below(p.len()))?.clone();
            let v = p.remove(&k)?;
            let name = rng.pick(AWKWARD_NAMES).to_string();
            p.insert(name.clone(), v);
            Some(format!("{target}.{k} renamed `{name}`"))
        }
        (4, Some(p)) => {
            let n = 1 + rng.below(4);
            let values: Vec<&str> = (0..n).map(|_| *rng.pick(AWKWARD_VALUES)).collect();
            p.insert("kind".into(), json!({"type": "string", "enum": values}));
            Some(format!("{target}.kind -> enum {values:?}"))
        }
        (5, Some(p)) if !p.is_empty() => {
            let k = p.keys().nth(rng.below(p.len()))?.clone();
            p.insert(
                k.clone(),
                json!({"oneOf": [reference(&other), {"type": "null"}]}),
            );
            Some(format!("{target}.{k} -> nullable {other}"))
        }
        (6, Some(p)) => {
            p.insert("child".into(), reference(&target));
            p.insert(
                "children".into(),
                json!({"type": "array", "items": reference(&target)}),
            );
            Some(format!("{target} refers to itself"))
        }
        (7, Some(p)) => {
            p.insert(
                "extra".into(),
                json!({"type": "object", "additionalProperties": reference(&other)}),
            );
            Some(format!("{target}.extra -> map of {other}"))
        }
        _ => {
            // A response pointed at another schema.
            let paths = doc.get_mut("paths")?.as_object_mut()?;
            let keys: Vec<String> = paths.keys().cloned().collect();
            let path = rng.pick(&keys).clone();
            let item = paths.get_mut(&path)?.as_object_mut()?;
            let method = item.keys().next()?.clone();
            let content = item
                .get_mut(&method)?
                .pointer_mut("/responses/200/content/application~1json")?;
            content["schema"] = reference(&other);
            Some(format!("{method} {path} answers {other}"))
        }
    }
}

#[test]
fn mutated_documents_the_generator_accepts_give_crates_that_compile() {
    let wanted: usize = std::env::var("ST_MUTATED_CRATES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("ST_MUTATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let specs = workspace_root().join(servicetitan_codegen::artifacts::SPECS);
    let small = [
        "jbce-v2.json",
        "marketing-reputation-v2.json",
        "customer-interactions-v2.json",
        "reporting-v2.json",
    ];
    let originals: Vec<(String, Value)> = small
        .iter()
        .map(|f| {
            let text = std::fs::read(specs.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            (f.to_string(), serde_json::from_slice(&text).expect("json"))
        })
        .collect();
    let base = workspace_root().join("target/mutated-crates");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let (mut accepted, mut refused) = (0usize, 0usize);
    for attempt in 0..wanted * 20 {
        if accepted == wanted {
            break;
        }
        let (file, original) = &originals[attempt % originals.len()];
        let mut doc = original.clone();
        let changes: Vec<String> = (0..1 + rng.below(6))
            .filter_map(|_| mutate(&mut doc, &mut rng))
            .collect();
        let path = specs.join(file);
        let bytes = serde_json::to_vec(&doc).expect("json");
        let Ok(parsed) = load::parse_document(&path, &bytes) else {
            refused += 1;
            continue;
        };
        let opts = Options {
            specs: specs.clone(),
            corrections: None,
            names: NameLock::default(),
            domains: servicetitan_codegen::artifacts::read_domain_table(
                &workspace_root().join(servicetitan_codegen::artifacts::DOMAINS_LOCK),
            )
            .expect("domains.lock"),
            runtime_dependency: servicetitan_codegen::runtime_path_dependency(&workspace_root()),
            example_placeholders: None,
            migrations: Vec::new(),
        };
        let out = match generate_from(&[parsed], &opts) {
            Ok(out) => out,
            Err(diagnostics) => {
                // Refused is a valid outcome; it must say where.
                assert!(
                    diagnostics.to_string().contains(file.as_str()),
                    "a refusal names the file: {diagnostics}"
                );
                refused += 1;
                continue;
            }
        };
        let dir = base.join(format!("sample-{accepted}"));
        let _ = std::fs::remove_dir_all(&dir);
        servicetitan_codegen::write::write_tree(&dir, &out.standalone_files(), &[])
            .expect("write the crate");
        let check = std::process::Command::new(env!("CARGO"))
            .args(["check", "--quiet", "--all-features", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", base.join("target"))
            .output()
            .expect("cargo check");
        assert!(
            check.status.success(),
            "seed {seed}, attempt {attempt}, {file} with {changes:?}: the generator accepted the \
             document and wrote a crate that does not compile:\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        accepted += 1;
    }
    println!(
        "{accepted} mutated documents accepted and compiled, {refused} refused with a diagnostic, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        accepted, wanted,
        "enough mutated documents were accepted to check"
    );
}
