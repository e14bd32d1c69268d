//! The generator's document loader: two small real documents, mutated, as JSON and as
//! YAML (whose aliases can expand and whose nesting serde_json's limit does not cover),
//! loaded (`load::parse_document`: parsed, version checked) and, when they load, some of
//! them generated from (`codegen/tests/mutations.rs` mutates documents for the generator
//! at length; here the loader is the reader under test).

use crate::guard;
use crate::mutate::mutation;
use proptest::prelude::*;
use serde_json::Value;
use servicetitan_codegen::input::load;
use servicetitan_codegen::{generate_from, Options};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

const CASES: u32 = 600;
const LIMIT: Duration = Duration::from_secs(30);
/// The documents: small ones, so that a case is quick.
const FILES: [&str; 2] = ["jbce-v2.json", "marketing-reputation-v2.json"];

fn documents() -> &'static [Value] {
    static DOCS: OnceLock<Vec<Value>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let dir = servicetitan_tests::specs_dir("v2");
        FILES
            .iter()
            .map(|f| {
                let bytes = std::fs::read(dir.join(f)).expect("a document");
                serde_json::from_slice(&bytes).expect("JSON")
            })
            .collect()
    })
}

fn options() -> &'static Options {
    static OPTIONS: OnceLock<Options> = OnceLock::new();
    OPTIONS.get_or_init(|| servicetitan_tests::options("v2"))
}

/// Loads `bytes` as the file `name`; generates from it when it loads and `generate`.
/// Whether it loaded.
fn check(name: &str, bytes: Vec<u8>, generate: bool) -> bool {
    let path = PathBuf::from(name);
    let len = bytes.len();
    let loaded = guard::run_within(LIMIT, len, move || load::parse_document(&path, &bytes));
    match loaded {
        Ok(doc) if generate => {
            let opts = options();
            guard::run(LIMIT, move || drop(generate_from(&[doc], opts)));
            true
        }
        other => other.is_ok(),
    }
}

proptest! {
    #![proptest_config(crate::config(CASES, 0x41_07))]

    #[test]
    fn documents_load_or_are_refused(
        doc in 0..FILES.len(),
        yaml in any::<bool>(),
        generate in prop::bool::weighted(0.1),
        m in mutation(),
    ) {
        let start = documents()[doc].clone();
        let (name, bytes) = if yaml {
            let text = serde_norway::to_string(&m.value(start)).expect("YAML");
            (FILES[doc].replace(".json", ".yaml"), m.apply_to_text(text.into_bytes()))
        } else {
            (FILES[doc].to_owned(), m.apply(start))
        };
        check(&name, bytes, generate);
    }
}

/// What YAML adds to JSON: aliases, which can expand a few lines into billions of values,
/// and nesting, bounded by serde_norway's recursion limit as JSON's is by serde_json's.
/// Neither overflows the stack; nesting takes memory in proportion to the input (up to
/// about 170 bytes a level in flow style, the parser's tokens). Aliases do not: serde_norway replays at most a fixed multiple of a document's events through
/// them before refusing it, so ten lines of nested aliases (a "billion laughs") are
/// refused after about 15 MB, well beyond [`guard::allowance`], and bounded at 64 MiB here.
#[test]
fn yaml_aliases_and_nesting_are_bounded() {
    let mut laughs =
        String::from("openapi: 3.1.0\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (i, prev) in ('b'..='j').zip('a'..='i') {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        laughs.push_str(&format!("{i}: &{i} [{refs}]\n"));
    }
    let path = PathBuf::from("laughs.yaml");
    let (loaded, peak) = guard::run(LIMIT, move || {
        load::parse_document(&path, laughs.as_bytes()).is_ok()
    });
    assert!(!loaded, "refused");
    assert!(peak < 64 << 20, "{peak} bytes for ten lines of aliases");
    let deep_flow = format!(
        "openapi: 3.1.0\nx: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let mut deep_block = String::from("openapi: 3.1.0\n");
    for i in 0..5_000 {
        deep_block.push_str(&" ".repeat(i));
        deep_block.push_str("a:\n");
    }
    // The YAML parser's queue of tokens holds about 170 bytes for each level.
    for text in [deep_flow, deep_block] {
        let len = text.len();
        let path = PathBuf::from("deep.yaml");
        let (loaded, peak) = guard::run(LIMIT, move || {
            load::parse_document(&path, text.as_bytes()).is_ok()
        });
        assert!(!loaded, "refused");
        assert!(
            peak <= 256 * len + (4 << 20),
            "{peak} bytes held for {len} bytes of YAML"
        );
    }
    let json = format!(
        "{{\"openapi\": \"3.1.0\", \"x\": {}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert!(!check("deep.json", json.into_bytes(), false), "refused");
}
