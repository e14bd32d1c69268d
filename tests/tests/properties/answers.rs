//! The generated decoders and the drift observer: answers built from the documents'
//! examples and from the stand-in's generator, mutated, decoded as `table.rs`'s
//! operations' types, plainly (`rt::decode`, what a call does) and under observation
//! (`drift::observe_decode`, what a runtime observing drift does).

use crate::guard;
use crate::mutate::mutation;
use crate::table::{check_error, Target, TARGETS};
use proptest::prelude::*;
use serde_json::Value;
use servicetitan_mock::data::{error_body, Gen};
use servicetitan_mock::model::{Api, Response};
use std::sync::OnceLock;
use std::time::Duration;

const CASES: u32 = 2500;
const LIMIT: Duration = Duration::from_secs(20);

pub fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| Api::embedded().expect("the stand-in's model"))
}

/// An answer of `t`'s operation: the document's example, or what the stand-in's
/// generator makes of its type for seed `generated`.
fn answer(t: &Target, generated: Option<u64>) -> Value {
    let op = api()
        .operation(t.module, t.id)
        .unwrap_or_else(|| panic!("{}.{} is not in the model", t.module, t.id));
    match (generated, &op.example) {
        (None, Some(example)) => example.clone(),
        (seed, _) => match &op.response {
            Response::Json(ty) => Gen::new(api(), seed.unwrap_or(1), "properties").value(ty, ""),
            other => panic!("{} answers {other:?}, not JSON", t.id),
        },
    }
}

/// The error answer the stand-in gives a request it refuses.
fn refusal() -> Value {
    let errors = [(
        "name".to_string(),
        "The Name field is required.".to_string(),
    )];
    error_body(400, "One or more validation errors occurred.", &errors)
}

proptest! {
    #![proptest_config(crate::config(CASES, 0x41_01))]

    /// The last index stands for the error answer.
    #[test]
    fn answers_decode_to_a_value_or_an_error(
        target in 0..=TARGETS.len(),
        generated in prop::option::of(0u64..8),
        m in mutation(),
    ) {
        let (check, op, start): (fn(&_, &[u8]), _, _) = match TARGETS.get(target) {
            Some(t) => (t.check, t.operation(), answer(t, generated)),
            None => (check_error, TARGETS[0].operation(), refusal()),
        };
        let bytes = m.apply(start);
        guard::run_within(LIMIT, bytes.len(), move || check(op, &bytes));
    }
}

/// serde_json's recursion limit (128 arrays and objects) holds for every decoder, plainly
/// and under observation: an answer nested a hundred thousand deep is an error, not a
/// stack overflow, and costs no more than its size.
#[test]
fn nesting_past_the_limit_is_an_error() {
    let deep = |open: &str, close: &str, n: usize| {
        let mut s = open.repeat(n);
        s.push('0');
        s.push_str(&close.repeat(n));
        s.into_bytes()
    };
    for t in TARGETS {
        let op = t.operation();
        for text in [deep("[", "]", 100_000), deep("{\"data\":", "}", 100_000)] {
            let check = t.check;
            guard::run_within(LIMIT, text.len(), move || check(op, &text));
        }
        let just_under = deep("{\"a\":", "}", 127);
        let e = servicetitan::runtime::decode::<Value>(&just_under);
        assert!(e.is_ok(), "127 levels read: {e:?}");
    }
}
