//! The round trip of the documents' examples through a table of generated types
//! (`types.rs`, generated). Shared by the test, which runs it in process against the
//! committed crate, and by a small binary built beside a crate generated from another
//! set of documents (the 3.0.1 set), which runs it there and prints the report as JSON.

use serde_json::{json, Value};
use servicetitan::runtime::{DateTime, Decimal};

/// `types::check` of some generated crate: the example written back, or why not.
pub type Check = fn(&str, &str, &str, &[u8]) -> Option<Result<Vec<u8>, String>>;

/// Runs every example (as `servicetitan_codegen::tables::examples::Example` serializes it) and
/// returns `{"checked": n, "failures": [{file, pointer, operation, part, message}]}`. An
/// example fails if it does not read, if what is written back does not read to the same
/// value, or if a value of the example is missing from what is written back (data lost).
pub fn run(examples: &[Value], check: Check) -> Value {
    let mut failures = Vec::new();
    for e in examples {
        let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
        let bytes = serde_json::to_vec(&e["value"]).unwrap_or_default();
        let message = match check(field("module"), field("operation"), field("part"), &bytes) {
            Some(Ok(written)) => match serde_json::from_slice::<Value>(&written) {
                Ok(back) => match kept(&e["value"], &back, "") {
                    Ok(()) => continue,
                    Err(m) => m,
                },
                Err(err) => format!("what was written back is not JSON: {err}"),
            },
            Some(Err(m)) => m,
            None => "the operation has no generated type for this part".to_string(),
        };
        failures.push(json!({
            "file": field("file"),
            "pointer": field("pointer"),
            "operation": field("operation"),
            "part": field("part"),
            "message": message,
        }));
    }
    json!({"checked": examples.len(), "failures": failures})
}

/// Every value of `original` is in `written`, as the same value: numbers by value (a
/// numeric string for money reads as the number), date-times by instant (the API's 7
/// fraction digits are written as 9). A `null` may be left out.
fn kept(original: &Value, written: &Value, at: &str) -> Result<(), String> {
    let lost = || {
        Err(format!(
            "data lost at `{at}`: {original} was written back as {written}"
        ))
    };
    match (original, written) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let path = format!("{at}/{k}");
                match b.get(k) {
                    Some(w) => kept(v, w, &path)?,
                    None if v.is_null() => {}
                    None => return Err(format!("data lost: `{path}` ({v}) was not written back")),
                }
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                kept(v, w, &format!("{at}/{i}"))?;
            }
            Ok(())
        }
        (a, b) if a == b => Ok(()),
        (Value::Number(_) | Value::String(_), Value::Number(_) | Value::String(_)) => {
            let text = |v: &Value| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            };
            let (a, b) = (text(original), text(written));
            let same_number = a
                .parse::<Decimal>()
                .ok()
                .zip(b.parse::<Decimal>().ok())
                .is_some_and(|(x, y)| x == y);
            let same_instant = a
                .parse::<DateTime>()
                .ok()
                .zip(b.parse::<DateTime>().ok())
                .is_some_and(|(x, y)| x == y);
            if same_number || same_instant {
                Ok(())
            } else {
                lost()
            }
        }
        _ => lost(),
    }
}

/// The binary's `main`: examples from the JSON file named by the first argument, the
/// report on standard output.
#[allow(dead_code)] // the test runs `run` in process; the 3.0.1 binary calls this
pub fn cli(check: Check) {
    let path = std::env::args()
        .nth(1)
        .expect("usage: round_trip EXAMPLES.json");
    let text = std::fs::read(&path).expect("read the examples");
    let examples: Vec<Value> = serde_json::from_slice(&text).expect("examples JSON");
    println!("{}", run(&examples, check));
}
