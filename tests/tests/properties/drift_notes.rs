//! The drift-notes reader: reports (JSON lines, one note a line) with a note of every
//! kind, mutated line by line and as text, read from a file (`notes_file::read`) and merged
//! into (`notes_file::merge_into`, which reads the file first).

use crate::guard::{self, Scratch};
use crate::mutate::{mutation, Mutation};
use proptest::prelude::*;
use serde_json::Value;
use servicetitan::runtime::drift::{notes_file, DriftKind, DriftNotes, DriftPlace, DriftTally};
use std::time::Duration;

const CASES: u32 = 1500;
const LIMIT: Duration = Duration::from_secs(20);

/// A report with a note of every kind, two of them on one operation's page.
fn notes() -> DriftNotes {
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("a time")
            .with_timezone(&chrono::Utc)
    };
    DriftKind::ALL
        .into_iter()
        .enumerate()
        .map(|(i, kind)| {
            let place = DriftPlace {
                domain: "crm".into(),
                operation: if i % 2 == 0 {
                    "Customers_GetList"
                } else {
                    "Jobs_Get"
                }
                .into(),
                schema: "Crm.V2.CustomerResponse".into(),
                field: format!("field{i}"),
                path: format!("data[].field{i}"),
                kind,
                detail: [
                    "string",
                    "integer",
                    "null",
                    "Gold",
                    "number",
                    "500",
                    "200 text/html",
                ][i]
                    .into(),
            };
            let tally = DriftTally {
                count: 1 + i as u64 * 1000,
                first_seen: at("2026-12-06T04:00:00Z"),
                last_seen: at("2026-12-07T09:30:00Z"),
            };
            (place, tally)
        })
        .collect()
}

/// The report's lines as values, mutated as one array, written one a line; then its text
/// mutated.
fn mutated_report(m: &Mutation) -> Vec<u8> {
    let lines: Vec<Value> = notes_file::render(&notes())
        .lines()
        .map(|l| serde_json::from_str(l).expect("a rendered line is JSON"))
        .collect();
    let mutated = m.value(Value::Array(lines));
    let text = match mutated {
        Value::Array(lines) => lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    };
    m.apply_to_text(text.into_bytes())
}

/// Reads the report in `bytes` from a file; what it read is what it writes back; merging
/// into the file succeeds exactly when the file reads, and then adds the notes.
fn check(bytes: &[u8]) {
    let scratch = Scratch::new("drift");
    let file = scratch.0.join("drift.jsonl");
    std::fs::write(&file, bytes).expect("write the report");
    let read = notes_file::read(&file);
    if let Ok(notes) = &read {
        let again = notes_file::parse(&notes_file::render(notes));
        assert_eq!(
            again.as_ref(),
            Ok(notes),
            "a report read, written and read again changed"
        );
    }
    let more = notes();
    let merged = notes_file::merge_into(&file, &more);
    assert_eq!(
        merged.is_ok(),
        read.is_ok(),
        "merging into a report that reads: {merged:?}"
    );
    if let Ok(mut expected) = read {
        servicetitan::runtime::drift::merge_notes(&mut expected, &more);
        let after = notes_file::read(&file).expect("the merged report reads");
        assert_eq!(after, expected, "the merged report holds both");
    } else {
        assert_eq!(
            std::fs::read(&file).expect("still there"),
            bytes,
            "a report that does not read is left as it was"
        );
    }
}

proptest! {
    #![proptest_config(crate::config(CASES, 0x41_02))]

    #[test]
    fn drift_reports_read_to_notes_or_an_error(m in mutation()) {
        let bytes = mutated_report(&m);
        guard::run_within(LIMIT, bytes.len(), move || check(&bytes));
    }
}

#[test]
fn the_unmutated_report_reads_back() {
    let text = notes_file::render(&notes());
    assert_eq!(notes_file::parse(&text), Ok(notes()));
    check(text.as_bytes());
}
