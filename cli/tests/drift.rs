//! Drift observation in the sync command: switched on from the environment alone
//! (`ST_DRIFT_NOTES`), the run ends with the notes' one-line summary and the notes file is
//! written; every record copied is checked against its model as a typed call's answer is.

mod common;

use common::{command, stand_in, temp_dir};
use servicetitan::runtime::drift::{notes_file, DriftKind};
use servicetitan_cli::schema::Catalog;

#[tokio::test]
async fn the_environment_switches_drift_on_and_the_run_ends_with_its_summary() {
    let m = stand_in().await;
    let dir = temp_dir("drift");
    let file = dir.join("drift.jsonl");
    let db = format!("sqlite:{}", dir.join("copy.db").display());
    let out = command(&m, &db)
        .env("ST_DRIFT_NOTES", &file)
        .output()
        .await
        .expect("the sync runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = std::fs::read_to_string(&file).expect("the report is written");
    let notes = notes_file::parse(&text).expect("the report parses");
    let line = format!(
        "{} (notes: {})",
        notes_file::summary(&notes),
        file.display()
    );
    assert!(
        stderr.lines().any(|l| l == line),
        "no `{line}` in:\n{stderr}"
    );
    println!("{line}");
    // Without the variable, no report and no line.
    let quiet = command(&m, &db).output().await.expect("the sync runs");
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("drift:"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_record_read_raw_is_checked_against_its_model() {
    let check = Catalog::generated()
        .check_of("Customers_GetList")
        .expect("customers have a check");
    let op = &servicetitan::crm::ops::CustomersGetList::OPERATION;
    let record = br#"{"id": 7, "active": true, "name": "rv-name-Ottoline", "type": "Municipal",
        "loyaltyTier": "rv-tier-Bronze"}"#;
    let notes = check(op, record);
    let kinds: Vec<(DriftKind, &str, &str)> = notes
        .keys()
        .filter(|p| p.kind != DriftKind::MissingRequired)
        .map(|p| (p.kind, p.field.as_str(), p.detail.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (DriftKind::UnknownField, "loyaltyTier", "string"),
            (DriftKind::UnlistedEnumValue, "type", "Municipal"),
        ]
    );
    let text = notes_file::render(&notes);
    assert!(!text.contains("rv-"), "{text}");
}
