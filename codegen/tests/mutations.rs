//! No input makes the generator panic: real documents, randomly mutated, each generated
//! inside `catch_unwind`. Every outcome must be output or diagnostics.
//!
//! Bounded for CI (15 s by default). Longer runs:
//! `ST_MUTATION_SECONDS=600 ST_MUTATION_SEED=7 cargo test --release -p servicetitan-codegen --test mutations -- --nocapture`

use serde_json::{json, Value};
use servicetitan_codegen::{generate_from, input::load, names::NameLock, Options};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const ODD_VALUES: &[&str] = &[
    "null",
    "0",
    "-1",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "true",
    "\"#/components/schemas/Nope\"",
    "\"1bad name\"",
    "[\"string\", \"integer\"]",
    "{\"$ref\": \"#/components/schemas/Nope\"}",
    "{\"allOf\": []}",
    "\"_\"",
    "\"type\"",
];

fn mutate(v: &mut Value, rng: &mut Rng, depth: usize) {
    let stop = depth > 12 || rng.below(4) == 0;
    match v {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = keys[rng.below(keys.len())].clone();
            if stop {
                match rng.below(5) {
                    0 => {
                        map.remove(&key);
                    }
                    1 => {
                        let odd: Value =
                            serde_json::from_str(ODD_VALUES[rng.below(ODD_VALUES.len())])
                                .expect("odd value");
                        map.insert(key, odd);
                    }
                    2 => {
                        // A key the generator reads, with an odd value.
                        let k = [
                            "type",
                            "$ref",
                            "enum",
                            "properties",
                            "items",
                            "oneOf",
                            "anyOf",
                            "required",
                            "operationId",
                            "servers",
                            "x-enumNames",
                            "format",
                            "additionalProperties",
                            "nullable",
                            "parameters",
                            "responses",
                            "content",
                            "schema",
                        ][rng.below(18)];
                        let odd: Value =
                            serde_json::from_str(ODD_VALUES[rng.below(ODD_VALUES.len())])
                                .expect("odd value");
                        map.insert(k.to_string(), odd);
                    }
                    3 => {
                        if let Some(val) = map.get(&key).cloned() {
                            map.insert(format!("{key}{{x}}"), val);
                        }
                    }
                    _ => {
                        let val = map.remove(&key).unwrap_or(Value::Null);
                        map.insert(format!("{key}_Of_{}", rng.below(3)), val);
                    }
                }
            } else if let Some(child) = map.get_mut(&key) {
                mutate(child, rng, depth + 1);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = rng.below(items.len());
            if stop {
                if rng.below(2) == 0 {
                    items.remove(i);
                } else {
                    let copy = items[i].clone();
                    items.push(copy);
                }
            } else {
                mutate(&mut items[i], rng, depth + 1);
            }
        }
        other => *other = json!(ODD_VALUES[rng.below(ODD_VALUES.len())]),
    }
}

#[test]
fn mutated_documents_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(servicetitan_codegen::artifacts::SPECS);
    let files = load::list_documents(&dir).expect("specs");
    // Small documents mutate and generate fastest; the big ones are in the longer runs.
    let mut docs: Vec<(PathBuf, Value)> = files
        .iter()
        .map(|f| {
            (
                f.clone(),
                serde_json::from_slice(&std::fs::read(f).expect("read")).expect("json"),
            )
        })
        .collect();
    docs.sort_by_key(|(f, _)| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0));
    let limit = std::env::var("ST_MUTATION_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15u64);
    let seed = std::env::var("ST_MUTATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1u64);
    let all = std::env::var("ST_MUTATION_SECONDS").is_ok();
    let pool = if all { docs.len() } else { 12 };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let started = Instant::now();
    let (mut runs, mut generated, mut refused) = (0u64, 0u64, 0u64);
    let opts = Options {
        specs: dir.clone(),
        names: NameLock::default(),
        domains: Default::default(),
        corrections: None,
        runtime_dependency: String::new(),
        example_placeholders: None,
        migrations: Vec::new(),
    };
    while started.elapsed() < Duration::from_secs(limit) {
        let (path, original) = &docs[rng.below(pool)];
        let mut doc = original.clone();
        for _ in 0..1 + rng.below(4) {
            mutate(&mut doc, &mut rng, 0);
        }
        let bytes = serde_json::to_vec(&doc).expect("serialize");
        let state = rng.0;
        let outcome = std::panic::catch_unwind(|| match load::parse_document(path, &bytes) {
            Ok(d) => generate_from(&[d], &opts).is_ok(),
            Err(_) => false,
        });
        match outcome {
            Ok(true) => generated += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!(
                "the generator panicked on a mutation of {} (seed {seed}, state {state})",
                path.display()
            ),
        }
        runs += 1;
    }
    println!("{runs} mutated documents in {:.1} s: {generated} generated, {refused} refused with diagnostics, 0 panics (seed {seed})", started.elapsed().as_secs_f64());
    assert!(runs > 20, "too few runs to mean anything: {runs}");
}
