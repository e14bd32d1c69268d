//! The change report (`cargo xtask diff`) on two versions of fixture documents
//! (`tests/fixtures/diff/{old,new}`): every kind of change, classified; the markdown is
//! the snapshot. And the real sets: the current documents against themselves report
//! nothing.

use servicetitan_codegen::review::diff::{diff, markdown, Impact, MIGRATE};
use servicetitan_codegen::review::semver::{compare, parse_findings};
use servicetitan_codegen::{generate, names::NameLock, Options};
use servicetitan_tests::{generate as generate_set, workspace_root};

fn fixture(side: &str) -> servicetitan_codegen::Output {
    generate(&Options {
        specs: workspace_root().join("tests/fixtures/diff").join(side),
        corrections: None,
        names: NameLock::default(),
        domains: Default::default(),
        runtime_dependency: String::new(),
        example_placeholders: None,
        migrations: Vec::new(),
    })
    .unwrap_or_else(|d| panic!("{side}: {d}"))
}

/// What the change report says of the fixture pair: a change of each kind, its impact
/// and (for breaking ones) how to migrate. Sort fields come from the descriptions (a field
/// no longer listed is breaking); a lower maximum of an id list fails calls that were sent
/// before; a controller whose operations are all gone is gone itself; a request field
/// that becomes required goes into `new(..)` and loses its setter.
const EXPECTED_CHANGES: &[(Impact, &str)] = &[
    (Impact::Breaking, "domain removed: module `legacy`"),
    (Impact::Additive, "domain added: module `notes`"),
    (Impact::Breaking, "optional `.legacy_flag(..)` removed"),
    (Impact::Breaking, "`.created_after(..)` changed from query parameter `createdAfter`: String to query parameter `createdAfter`: DateTime"),
    (Impact::Additive, "optional `.page_size(..)` added"),
    (Impact::Breaking, "operation `Orders_GetArchived`: `.pages()` (every page) removed"),
    (Impact::Additive, "operation `Orders_GetList`: `.items()` (every item of every page) added"),
    (Impact::Breaking, "arguments `(id: String, body: OrderUpdate)` are now `(id: OrderId, body: OrderUpdate)`"),
    (Impact::Breaking, "operation `Orders_Archive`: returns `i64` instead of `()`"),
    (Impact::Other, "`POST /tenant/{tenant}/orders/{id}/archive` is now `POST /tenant/{tenant}/orders/{id}/archival`"),
    (Impact::Breaking, "requires scope `tn.shop.audit:r`"),
    (Impact::Other, "now declare their OAuth scopes"),
    (Impact::Additive, "operation `Orders_Refund` added"),
    (Impact::Breaking, "type `Coupon` removed"),
    (Impact::Additive, "type `Refund` added"),
    (Impact::Breaking, "`Order.total`: `Option<f64>` is now `Option<Decimal>`"),
    (Impact::Breaking, "`Order.old_note` removed"),
    (Impact::Additive, "`Order.refunded_on` added"),
    (Impact::Breaking, "`OrderUpdate.reason` added (`reason`: String, a new argument of `new(..)`)"),
    (Impact::Additive, "`OrderUpdate.tags` added"),
    (Impact::Breaking, "`OrderStatus::Legacy` removed"),
    (Impact::Additive, "`OrderStatus`: value `Refunded` added"),
    (Impact::Breaking, "`OrdersGetListSort::Name` removed (the operation no longer lists `Name` among the fields it sorts by)"),
    (Impact::Additive, "`OrdersGetListSort`: value `ModifiedOn` added (a field the operation now sorts by)"),
    (Impact::Breaking, "To migrate: pass `reason` to `new(..)`: `OrderUpdate::new("),
    (Impact::Breaking, "To migrate: read and set `Order.total` as `Option<Decimal>` instead of `Option<f64>`"),
    (Impact::Breaking, "operation `Orders_GetList`: id list `ids` takes at most 20 (was at most 50). To migrate: send `ids` in batches of 20"),
    (Impact::Breaking, "controller `client.shop().coupons()` removed with its operations"),
    (Impact::Breaking, "`OrderUpdate.priority`: `Option<i32>` is now `i32`"),
];

#[test]
fn change_report_classifies_every_kind_of_change() {
    let (old, new) = (fixture("old"), fixture("new"));
    let changes = diff(&old.api, &new.api);
    let report = markdown(&changes, "fixtures/old", "fixtures/new");
    for (impact, text) in EXPECTED_CHANGES {
        assert!(
            changes
                .iter()
                .any(|c| c.impact == *impact && c.text.contains(text)),
            "no {impact:?} change mentioning {text:?} in:\n{report}"
        );
    }
    // Every breaking change says what users' code must change: the report doubles as
    // migration notes.
    for c in changes.iter().filter(|c| c.impact == Impact::Breaking) {
        let (_, how) = c
            .text
            .split_once(MIGRATE)
            .unwrap_or_else(|| panic!("no migration step in: {}", c.text));
        assert!(how.trim().len() > 10, "{}", c.text);
    }
    let priority = changes
        .iter()
        .find(|c| c.text.starts_with("`OrderUpdate.priority`"))
        .expect("priority");
    assert_eq!(
        priority.items,
        ["OrderUpdate::new", "OrderUpdate::with_priority"]
    );
    insta::assert_snapshot!("change_report", report);
}

/// What cargo-semver-checks 0.51 found on the two crates generated from the fixture pair
/// (`cargo xtask diff --old tests/fixtures/diff/old --new tests/fixtures/diff/new
/// --corrections none --semver-checks`, its output kept in
/// `tests/fixtures/diff/semver-checks-0.51.txt`): every finding is a breaking item of the
/// report, every breaking item the tool can see it found, and nothing additive. (The
/// tool itself takes about 15 minutes to install, so CI reads its recorded output; the job
/// runs it for real.)
#[test]
fn the_report_agrees_with_cargo_semver_checks_on_the_fixture_pair() {
    let (old, new) = (fixture("old"), fixture("new"));
    let changes = diff(&old.api, &new.api);
    let recorded = std::fs::read_to_string(
        workspace_root().join("tests/fixtures/diff/semver-checks-0.51.txt"),
    )
    .expect("recorded output");
    let findings = parse_findings(&recorded);
    let agreement = compare(&changes, &findings);
    println!(
        "figure: semver.fixture {} items, {} agree, {} beyond the tool, {} disagreements, {} findings",
        agreement.items,
        agreement.agreements,
        agreement.beyond_the_tool.len(),
        agreement.disagreements.len(),
        agreement.findings
    );
    assert_eq!(agreement.disagreements, Vec::<String>::new());
    assert_eq!(
        (agreement.items, agreement.agreements, agreement.findings),
        (33, 26, 21)
    );
    // What the tool cannot see: changed types (of a field, an argument, what an operation
    // returns), a required scope, a lower maximum.
    assert_eq!(
        agreement.beyond_the_tool.len(),
        7,
        "{:?}",
        agreement.beyond_the_tool
    );
}

#[test]
fn the_current_documents_against_themselves_change_nothing() {
    let a = generate_set("v2");
    let changes = diff(&a.api, &a.api);
    assert!(changes.is_empty(), "{changes:?}");
}
