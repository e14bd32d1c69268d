//! Redaction by type: what each kind of value becomes, in answers, request bodies and
//! queries, against the embedded model.

use super::model::index;
use super::typed::{Names, Walk};
use super::{Recorder, Redaction, REDACTED};
use crate::request::{Method, Operation};
use serde_json::{json, Value};
use servicetitan_api_model::Ty;

/// Operation `id` of domain `domain` as the generated crate declares it (its path and
/// method do not matter to redaction).
fn op(domain: &'static str, id: &'static str) -> Operation {
    Operation {
        domain,
        ..Operation::custom(id, Method::Get, "/")
    }
}

fn none() -> Redaction {
    Redaction::new(&[], &[])
}

fn customer() -> Value {
    json!({
        "id": 81, "active": true, "name": "Ada Lovelace", "type": "Residential",
        "address": {"street": "1 Main St", "unit": "", "city": "London", "state": null,
                    "zip": "N1 9GU", "country": "GB", "latitude": 51.5, "longitude": -0.12},
        "customFields": [{"typeId": 5, "name": "Gate", "value": "gatecode-4471"}],
        "balance": "12.50", "taxExempt": false, "tagTypeIds": [3, 4],
        "createdOn": "2024-03-01T10:00:00.1234567Z", "createdById": 9,
        "modifiedOn": "2024-03-02T10:00:00Z", "mergedToId": null, "paymentTermId": 2,
        "creditLimit": 100.25, "creditLimitBalance": null,
        "externalData": [{"key": "gatecode-key", "value": "gatecode-1234"}],
        "loyaltyTier": "Gold-Mariposa", "loyaltyPoints": 1200,
        "loyaltySince": "2021-05-04", "loyaltyCard": {"number": "5521-88", "level": 3}
    })
}

#[test]
fn a_page_keeps_what_the_documents_type_and_replaces_the_rest() {
    let mut unlisted = customer();
    unlisted["type"] = json!("Governmental");
    unlisted["createdOn"] = json!("last tuesday");
    unlisted["active"] = json!("perhaps");
    let mut page = json!({
        "page": 2, "pageSize": 50, "hasMore": true, "totalCount": null,
        "data": [customer(), unlisted], "served": "by-node-7"
    });
    none().answer(&op("crm", "Customers_GetList"), 200, &mut page);
    let r = REDACTED;
    let redacted = json!({
        "id": 81, "active": true, "name": r, "type": "Residential",
        "address": {"street": r, "unit": "", "city": r, "state": null,
                    "zip": r, "country": r, "latitude": 51.5, "longitude": -0.12},
        "customFields": [{"typeId": 5, "name": r, "value": r}],
        "balance": "12.50", "taxExempt": false, "tagTypeIds": [3, 4],
        "createdOn": "2024-03-01T10:00:00.1234567Z", "createdById": 9,
        "modifiedOn": "2024-03-02T10:00:00Z", "mergedToId": null, "paymentTermId": 2,
        "creditLimit": 100.25, "creditLimitBalance": null,
        "externalData": [{"key": r, "value": r}],
        // Undescribed: strings replaced (a date by a fixed date), numbers 0, names kept.
        "loyaltyTier": r, "loyaltyPoints": 0,
        "loyaltySince": "2000-01-01", "loyaltyCard": {"number": r, "level": 0}
    });
    let mut second = redacted.clone();
    second["type"] = json!(r);
    second["createdOn"] = json!(r);
    second["active"] = json!(r);
    assert_eq!(
        page,
        json!({
            "page": 2, "pageSize": 50, "hasMore": true, "totalCount": null,
            "data": [redacted, second], "served": r
        })
    );
}

#[test]
fn a_request_body_is_redacted_by_its_type() {
    let mut body = json!({
        "name": "Ada Lovelace", "type": "commercial", "doNotMail": true,
        "address": {"street": "1 Main St", "zip": "N1 9GU", "latitude": 51.5},
        "locations": [{"name": "Home", "tagTypeIds": [7], "coordinatesSource": "User",
                       "address": {"city": "London"}}],
        "customFields": [{"typeId": 5, "value": "gatecode-4471"}],
        "externalData": {"applicationGuid": "6f1c2a9e-4b1d-4c3e-9a55-0d2f3b4c5d6e",
                         "externalData": [{"key": "gate", "value": "gatecode-1234"}]},
        "creditLimit": "100.25", "paymentTermId": 2
    });
    none().request(&op("crm", "Customers_Create"), &mut body);
    let r = REDACTED;
    assert_eq!(
        body,
        json!({
            "name": r, "type": "commercial", "doNotMail": true,
            "address": {"street": r, "zip": r, "latitude": 51.5},
            "locations": [{"name": r, "tagTypeIds": [7], "coordinatesSource": "User",
                           "address": {"city": r}}],
            "customFields": [{"typeId": 5, "value": r}],
            "externalData": {"applicationGuid": "6f1c2a9e-4b1d-4c3e-9a55-0d2f3b4c5d6e",
                             "externalData": [{"key": r, "value": r}]},
            "creditLimit": "100.25", "paymentTermId": 2
        })
    );
}

#[test]
fn a_query_is_redacted_by_its_parameters_types() {
    let r = "%5Bredacted%5D";
    let list = op("crm", "Customers_GetList");
    let query = "page=2&name=Ada+L&createdBefore=2024-01-01T00%3A00%3A00Z&active=Any\
                 &sort=-ModifiedOn&ids=1%2C2&externalDataApplicationGuid=6f1c2a9e-4b1d-4c3e-9a55-0d2f3b4c5d6e\
                 &latitude=51.5&phone=555&active=Sometimes&mystery=x&street=";
    assert_eq!(
        none().query(&list, Some(query)),
        format!(
            "page=2&name={r}&createdBefore=2024-01-01T00%3A00%3A00Z&active=Any\
             &sort=-ModifiedOn&ids=1%2C2&externalDataApplicationGuid=6f1c2a9e-4b1d-4c3e-9a55-0d2f3b4c5d6e\
             &latitude=51.5&phone={r}&active={r}&mystery={r}&street="
        )
    );
    // A free-form map's keys, and an export's position.
    let invoices = op("accounting", "Invoices_GetList");
    assert_eq!(
        none().query(
            &invoices,
            Some("customField.Fields%5BGate+code%5D=4471&customField.Fields%5BDog%5D=Rex")
        ),
        format!("customField.Fields%5Bredacted-1%5D={r}&customField.Fields%5Bredacted-2%5D={r}")
    );
    let export = op("crm", "ExportBookings_Get");
    assert_eq!(
        none().query(
            &export,
            Some("from=opaque-token-77&includeRecentChanges=true")
        ),
        "from=opaque-token-77&includeRecentChanges=true"
    );
    assert_eq!(none().query(&list, None), "");
}

#[test]
fn a_program_names_what_to_keep_and_what_to_redact() {
    let names = Redaction::new(
        &["name".into(), "LOYALTYTIER".into(), "city".into()],
        &["balance".into(), "latitude".into(), "city".into()],
    );
    let mut page = json!({"data": [customer()]});
    names.answer(&op("crm", "Customers_GetList"), 200, &mut page);
    let c = &page["data"][0];
    assert_eq!(c["name"], "Ada Lovelace");
    assert_eq!(c["loyaltyTier"], "Gold-Mariposa");
    assert_eq!(c["balance"], "[redacted]");
    assert_eq!(c["address"]["latitude"], 0.0);
    // Redacting wins.
    assert_eq!(c["address"]["city"], "[redacted]");
    assert_eq!(c["address"]["street"], "[redacted]");
    let list = op("crm", "Customers_GetList");
    assert_eq!(
        names.query(&list, Some("name=Ada&latitude=51.5&city=London")),
        "name=Ada&latitude=%5Bredacted%5D&city=%5Bredacted%5D"
    );
}

#[test]
fn an_error_keeps_its_kind_status_trace_and_field_names() {
    let mut error = json!({
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "Customer Ada Lovelace exists", "status": 400, "traceId": "00-abc-01",
        "errors": {"name": ["'Ada Lovelace' is taken"], "address.zip": ["N1 9GU is not a zip"]},
        "data": {"Ada Lovelace": 81}
    });
    none().answer(&op("crm", "Customers_Create"), 400, &mut error);
    assert_eq!(
        error,
        json!({
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": REDACTED, "status": 400, "traceId": "00-abc-01",
            "errors": {"name": [REDACTED], "address.zip": [REDACTED]},
            "data": {"[redacted-1]": 81}
        })
    );
}

#[test]
fn an_operation_the_model_does_not_describe_keeps_names_only() {
    let mut notes = json!({"notes": [{"id": 4, "text": "gate 4471", "on": "2024-01-01T09:00:00Z",
                                      "pinned": true, "author": {"name": "Ada"}}]});
    let raw = op("", "Customers_GetNotesRaw");
    none().answer(&raw, 200, &mut notes);
    assert_eq!(
        notes,
        json!({"notes": [{"id": 0, "text": REDACTED, "on": "2000-01-01T00:00:00Z",
                          "pinned": true, "author": {"name": REDACTED}}]})
    );
    let mut body = json!({"text": "gate 4471"});
    none().request(&raw, &mut body);
    assert_eq!(body, json!({"text": REDACTED}));
    assert_eq!(
        none().query(&raw, Some("text=gate&page=2")),
        "text=%5Bredacted%5D&page=%5Bredacted%5D"
    );
}

#[test]
fn free_form_values_and_labelled_columns() {
    let names = Names::default();
    let walk = Walk {
        types: index().expect("model").types(),
        names: &names,
    };
    // A free-form map (a journal entry's custom fields): keys replaced in order.
    let mut entry =
        json!({"customFields": {"Gate code": "4471", "Dog": "Rex"}, "date": "2024-02-03"});
    walk.typed(
        &Ty::Ref("accounting.JournalEntryCreateRequest".into()),
        &mut entry,
    );
    let fields = entry["customFields"].as_object().expect("a map");
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        ["[redacted-1]", "[redacted-2]"]
    );
    assert!(fields.values().all(|v| v == REDACTED), "{entry}");
    // A report's page: its columns' names and labels kept, its rows' text replaced.
    let mut data = json!({
        "page": 1, "pageSize": 2, "hasMore": false, "totalCount": 1,
        "fields": [{"name": "CustomerName", "label": "Customer Name"},
                   {"name": "Total", "label": "Total"}, {"name": "On", "label": "On"}],
        "data": [["Ada Lovelace", 12.5, "2024-01-02"]]
    });
    walk.typed(&Ty::Ref("reporting.ReportDataResponse".into()), &mut data);
    assert_eq!(data["fields"][0]["label"], "Customer Name");
    assert_eq!(data["data"], json!([[REDACTED, 12.5, "2000-01-01"]]));
    // A binary value keeps no byte.
    let mut bytes = json!("aGVsbG8=");
    walk.typed(&Ty::Binary, &mut bytes);
    assert_eq!(bytes, json!(""));
}

#[test]
fn the_environment_names_what_to_keep_and_what_to_redact() {
    let vars = [
        ("ST_RECORD_ALLOW", " status, type ,"),
        ("ST_RECORD_REDACT", "latitude,longitude"),
    ];
    let get = |k: &str| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let r = Recorder::from_lookup("run.jsonl".into(), get);
    assert_eq!(r.allow, ["status", "type"]);
    assert_eq!(r.redact, ["latitude", "longitude"]);
    let none = Recorder::from_lookup("run.jsonl".into(), |_| None);
    assert!(none.allow.is_empty() && none.redact.is_empty());
}
