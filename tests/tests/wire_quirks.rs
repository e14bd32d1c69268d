//! What the API really sends, read by the generated response models: money as a string
//! and as a number, date-times with 7 fraction digits or no offset, enum values the
//! document does not list, fields it does not list, `null` where it says required, and
//! integer enums sent as strings. Nothing fails to parse, and every value survives a
//! round trip (read, write back, read again) without loss; money stays exact.

use serde_json::{json, Value};
use servicetitan::accounting::{InvoiceResponse, InvoiceSentStatus};
use servicetitan::crm::CustomerResponse;
use servicetitan::dispatch::{CreateNonJobAppointmentResult, RepeatFrequencyInt32};
use servicetitan::runtime::{self as rt, Decimal};

/// Reads `json` as the runtime reads a response body, writes it back, and reads that.
fn round_trip<T>(json: Value) -> (T, Value)
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let bytes = serde_json::to_vec(&json).expect("json");
    let first: T = rt::decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let written = serde_json::to_value(&first).expect("write back");
    let second: T = rt::decode(&serde_json::to_vec(&written).expect("json")).expect("re-read");
    assert_eq!(first, second, "the value changed on the way back");
    (first, written)
}

#[test]
fn money_as_a_string_and_as_a_number_stays_exact() {
    let (inv, back): (InvoiceResponse, _) = round_trip(json!({
        "id": 1, "subTotal": "0.00", "salesTax": 0.0, "total": "1234567.89",
        "balance": "-0.10", "discountTotal": "$1,234.50"
    }));
    assert_eq!(inv.sub_total, Some(Decimal::new(0, 2)));
    assert_eq!(inv.sales_tax, Some(Decimal::from(0)));
    assert_eq!(inv.total.expect("total").to_string(), "1234567.89");
    assert_eq!(
        inv.balance,
        Some(Decimal::new(-10, 2)),
        "no binary rounding"
    );
    assert_eq!(inv.discount_total, Some(Decimal::new(123450, 2)));
    assert_eq!(back["total"], json!(1234567.89));
    assert_eq!(back["balance"], json!(-0.1));
    let (c, _): (CustomerResponse, _) = round_trip(json!({"balance": 0.1}));
    assert_eq!(c.balance, Some(Decimal::new(1, 1)));
}

#[test]
fn date_times_with_seven_digits_or_without_offset() {
    let (inv, back): (InvoiceResponse, _) = round_trip(json!({
        "createdOn": "2021-07-19T20:35:38.2876004Z",
        "modifiedOn": "2021-07-19T20:35:38.2876004",
        "invoiceDate": "2021-07-19T22:35:38.2876004+02:00"
    }));
    let created = inv.created_on.expect("created");
    assert_eq!(created.inner().timestamp_subsec_nanos(), 287_600_400);
    assert_eq!(inv.modified_on, Some(created), "no offset is UTC");
    assert_eq!(inv.invoice_date, Some(created));
    assert_eq!(back["createdOn"], "2021-07-19T20:35:38.287600400Z");
}

#[test]
fn unlisted_enum_values_and_fields_are_kept_and_written_back() {
    let (inv, back): (InvoiceResponse, _) = round_trip(json!({
        "id": 7, "sentStatus": "Faxed",
        "aFieldAddedLater": {"nested": [1, "two", null]}, "anotherOne": 12.5
    }));
    assert_eq!(
        inv.sent_status,
        Some(InvoiceSentStatus::Unknown("Faxed".into()))
    );
    assert_eq!(
        inv.unknown_fields["aFieldAddedLater"],
        json!({"nested": [1, "two", null]})
    );
    assert_eq!(back["sentStatus"], "Faxed");
    assert_eq!(
        back["aFieldAddedLater"],
        json!({"nested": [1, "two", null]})
    );
    assert_eq!(back["anotherOne"], json!(12.5));
    let (known, _): (InvoiceResponse, _) = round_trip(json!({"sentStatus": "Opened"}));
    assert_eq!(known.sent_status, Some(InvoiceSentStatus::Opened));
    assert!(known.unknown_fields.is_empty());
}

#[test]
fn null_where_the_document_says_required() {
    // `id`, `name` and `active` are required by the document.
    let (c, back): (CustomerResponse, _) =
        round_trip(json!({"id": null, "name": null, "active": null, "address": null}));
    assert_eq!((c.id, c.name.as_deref(), c.active), (None, None, None));
    assert!(c.address.is_none());
    assert_eq!(back, json!({}), "absent and null read the same");
    let (empty, _): (CustomerResponse, _) = round_trip(json!({}));
    assert_eq!(empty, c);
}

#[test]
fn integer_enums_as_numbers_strings_or_names() {
    for (sent, want) in [
        (json!(1), RepeatFrequencyInt32::Weekly),
        (json!("1"), RepeatFrequencyInt32::Weekly),
        (json!("Weekly"), RepeatFrequencyInt32::Weekly),
        (json!(9), RepeatFrequencyInt32::Unknown(9)),
        (json!("9"), RepeatFrequencyInt32::Unknown(9)),
    ] {
        let (r, back): (CreateNonJobAppointmentResult, _) =
            round_trip(json!({"frequency": sent.clone()}));
        assert_eq!(r.frequency, Some(want), "{sent}");
        assert!(
            back["frequency"].is_i64(),
            "written back as the number: {back}"
        );
    }
    let bad = rt::decode::<CreateNonJobAppointmentResult>(br#"{"frequency": "Fortnightly"}"#)
        .expect_err("a name the enum does not have");
    assert!(bad.to_string().contains("frequency"), "{bad}");
}
