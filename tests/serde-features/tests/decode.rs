//! With serde_json's `arbitrary_precision`, `preserve_order` and `float_roundtrip` on (as
//! a user's dependency graph may turn them on), every value type of the runtime and the
//! generated models decode, and round-trip to the same value.

use servicetitan::runtime::{self as rt, Decimal, IntEnum, WireEnum};
use servicetitan::{crm, marketing_reputation as reputation};

/// Reads `json` as `T`, writes it back, reads that again: the same value.
fn round_trip<T>(json: &str) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let first: T = rt::decode(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"));
    let again = serde_json::to_string(&first).expect("serialize");
    let second: T = rt::decode(again.as_bytes()).unwrap_or_else(|e| panic!("{again}: {e}"));
    assert_eq!(first, second, "changed on the way back: {json} -> {again}");
    first
}

#[test]
fn the_features_are_on() {
    // Under arbitrary_precision a number keeps its text; without it this would be 0.1.
    let v: serde_json::Value = serde_json::from_str("0.10").expect("json");
    assert_eq!(v.to_string(), "0.10", "arbitrary_precision is not on");
    let m: serde_json::Value = serde_json::from_str(r#"{"b": 1, "a": 2}"#).expect("json");
    assert_eq!(
        m.to_string(),
        r#"{"b":1,"a":2}"#,
        "preserve_order is not on"
    );
}

#[test]
fn money_decodes_from_numbers_and_strings_exactly() {
    for (json, text) in [
        ("12.50", "12.50"),
        ("0.1", "0.1"),
        ("-0.10", "-0.10"),
        ("1234567.89", "1234567.89"),
        (
            "12345678901234567890.123456789",
            "12345678901234567890.123456789",
        ),
        ("1e-7", "0.0000001"),
        ("42", "42"),
        (r#""1,234.50""#, "1234.50"),
        (r#""(12.00)""#, "-12.00"),
    ] {
        let d: Decimal = round_trip(json);
        assert_eq!(d.0, text.parse().expect("decimal"), "{json}");
    }
}

#[test]
fn times_enums_flags_and_nullable_decode() {
    let t: rt::DateTime = round_trip(r#""2021-07-19T20:35:38.2876004Z""#);
    assert_eq!(t.to_string(), "2021-07-19T20:35:38.287600400Z");
    let _: rt::Date = round_trip(r#""2024-05-01""#);
    let s: rt::TimeSpan = round_trip(r#""1.02:30:00""#);
    assert_eq!(s.to_string(), "1.02:30:00");

    // An integer enum as a number (a map under arbitrary_precision), a string, a name.
    let n: reputation::JobStatus = round_trip("3");
    assert_eq!(n.to_i64(), 3);
    let n: reputation::JobStatus = round_trip(r#""4""#);
    assert_eq!(n.to_i64(), 4);
    let n: reputation::JobStatus = round_trip("9");
    assert_eq!(n, reputation::JobStatus::Unknown(9));
    // A string enum, listed and not, and one the API sends as a number.
    let c: crm::CustomerType = round_trip(r#""Commercial""#);
    assert_eq!(c.as_wire(), "Commercial");
    let c: crm::CustomerType = round_trip(r#""Galactic""#);
    assert_eq!(c.as_wire(), "Galactic");
    let c: crm::CustomerType = rt::decode(b"7").expect("a number as a string enum");
    assert_eq!(c.as_wire(), "7");
    let f: rt::Flags<crm::CustomerType> = round_trip(r#""Residential, Commercial""#);
    assert!(f.contains(&crm::CustomerType::Commercial) && f.0.len() == 2);

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Patch {
        #[serde(default, skip_serializing_if = "rt::Nullable::is_absent")]
        a: rt::Nullable<Decimal>,
        #[serde(default, skip_serializing_if = "rt::Nullable::is_absent")]
        b: rt::Nullable<Decimal>,
        #[serde(default, skip_serializing_if = "rt::Nullable::is_absent")]
        c: rt::Nullable<Decimal>,
    }
    let p: Patch = round_trip(r#"{"a": null, "b": 10.25}"#);
    assert_eq!(p.a, rt::Nullable::Null);
    assert_eq!(p.c, rt::Nullable::Absent);
    assert!(matches!(p.b, rt::Nullable::Value(d) if d.0.to_string() == "10.25"));
}

#[test]
fn pages_exports_and_models_with_unknown_fields_decode() {
    let page: rt::Paged<crm::CustomerResponse> = round_trip(
        r#"{"page": 1, "pageSize": 2, "hasMore": true, "totalCount": 3, "data": [
            {"id": 1, "name": "A", "balance": 1234.56, "type": "Residential", "active": true,
             "createdOn": "2021-07-19T20:35:38.2876004Z", "somethingNew": {"x": 1.50}},
            {"id": 12345678901, "name": "B", "balance": "0.10", "type": "Commercial"}]}"#,
    );
    assert_eq!(page.total_count, Some(3));
    let a = &page.data[0];
    assert_eq!(
        a.balance.expect("balance").0,
        "1234.56".parse().expect("dec")
    );
    assert_eq!(
        a.unknown_fields["somethingNew"].to_string(),
        r#"{"x":1.50}"#,
        "an unlisted field keeps its exact value"
    );
    assert_eq!(page.data[1].id.map(|id| id.get()), Some(12345678901));

    let batch: rt::ExportBatch<crm::ExportCustomerResponse> = round_trip(
        r#"{"hasMore": false, "continueFrom": "abc", "data": [{"id": 5, "balance": 99.90, "active": false}]}"#,
    );
    assert_eq!(batch.continue_from, "abc");
    assert_eq!(
        batch.data[0].balance.expect("balance").0,
        "99.90".parse().expect("dec")
    );

    let report: reputation::ReviewReport =
        round_trip(r#"{"recommendationStatus": 1, "score": 4.5}"#);
    assert!(report.recommendation_status.is_some());
}
