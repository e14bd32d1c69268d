//! Generated operations of different shapes, called over real HTTP against a server on
//! 127.0.0.1: the request on the wire and the typed answer.

use serde_json::json;
use servicetitan::ids::{
    BookingId, BookingProviderTagId, BusinessUnitId, CallId, CustomerId, JobId,
};
use servicetitan::runtime::{self as rt, ErrorKind, RetryPolicy};
use servicetitan::{crm, Client};
use servicetitan_tests::{Recorded, Reply, ScriptedServer};

fn client(server: &ScriptedServer) -> Client {
    let rt = rt::Runtime::new(
        server
            .builder("app-key-123", "client-id", "client-secret")
            .retry(RetryPolicy::none()),
    )
    .expect("client");
    Client::new(rt, 42)
}

#[tokio::test]
async fn get_with_query_decodes_a_page() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("tn.crm.customers:r", |r| {
        assert_eq!(r.path, "/crm/v2/tenant/42/customers");
        Reply::json(
            200,
            json!({"page": 2, "pageSize": 10, "hasMore": true, "totalCount": 31,
                   "data": [{"id": 7, "name": "Ada", "active": true, "type": "Residential",
                             "createdOn": "2021-07-19T20:35:38.2876004Z", "balance": "12.50",
                             "someNewField": {"x": 1}}]}),
        )
    })
    .await;
    let st = client(&server);
    let page = st
        .crm()
        .customers()
        .get_list()
        .page(2)
        .page_size(10)
        .include_total(true)
        .name("Ada Lovelace")
        .active(servicetitan::common::ActiveRequestArg::Any)
        .modified_on_or_after(
            "2024-01-02T03:04:05Z"
                .parse::<rt::DateTime>()
                .expect("date"),
        )
        .sort(rt::Sort::asc(crm::CustomersGetListSort::ModifiedOn))
        .send()
        .await
        .expect("page");
    assert_eq!(
        (page.page, page.page_size, page.has_more, page.total_count),
        (2, 10, true, Some(31))
    );
    let c = &page.data[0];
    assert_eq!(c.id, Some(CustomerId::new(7)));
    assert_eq!(c.name.as_deref(), Some("Ada"));
    assert_eq!(c.r#type, Some(crm::CustomerType::Residential));
    assert_eq!(
        c.created_on.expect("created").to_string(),
        "2021-07-19T20:35:38.287600400Z"
    );
    assert_eq!(c.balance.expect("balance").to_string(), "12.50");

    let reqs = server.api_requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.header("authorization"), Some("Bearer token-1"));
    assert_eq!(r.header("st-app-key"), Some("app-key-123"));
    assert!(r
        .header("user-agent")
        .is_some_and(|u| u.starts_with("servicetitan-rs/")));
    let q = r.query_pairs();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("page"), Some("2"));
    assert_eq!(get("pageSize"), Some("10"));
    assert_eq!(get("includeTotal"), Some("true"));
    assert_eq!(get("sort"), Some("+ModifiedOn"));
    assert_eq!(get("name"), Some("Ada Lovelace"));
    assert_eq!(get("active"), Some("Any"));
    assert_eq!(get("modifiedOnOrAfter"), Some("2024-01-02T03:04:05Z"));
    // `+` must be percent-encoded, or the server reads a space.
    assert!(
        r.query.contains("sort=%2BModifiedOn"),
        "query was {}",
        r.query
    );
}

#[tokio::test]
async fn post_json_body_and_typed_response() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |r| {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/crm/v2/tenant/42/booking-provider-tags")
        );
        Reply::json(
            200,
            json!({"id": 5, "tagName": "vip", "description": "d", "type": "V2Api"}),
        )
    })
    .await;
    let st = client(&server);
    let body =
        crm::CreateBookingProviderTagRequest::new(crm::CreateBookingProviderTagRequestRequired {
            tag_name: "vip".into(),
            description: "d".into(),
        });
    let created = st
        .crm()
        .booking_provider_tags()
        .create(body)
        .await
        .expect("created");
    assert_eq!(created.id, Some(BookingProviderTagId::new(5)));
    assert_eq!(created.r#type, Some(crm::BookingAgentTagType::V2Api));
    let r = &server.api_requests()[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body_json(), json!({"tagName": "vip", "description": "d"}));
}

#[tokio::test]
async fn patch_sends_explicit_null_and_leaves_absent_fields_out() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(
            200,
            json!({"id": "1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11", "name": null}),
        )
    })
    .await;
    let st = client(&server);
    let id: rt::Uuid = "1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11"
        .parse()
        .expect("uuid");
    let mut body = crm::UpdateContactRequest::new(false);
    body.name = rt::Nullable::Null; // clear the name
    body.title = "CTO".to_string().into(); // set the title; reference_id stays absent
    let updated = st.crm().contacts().update(id, body).await.expect("updated");
    assert_eq!(updated.name, None);
    let r = &server.api_requests()[0];
    assert_eq!(r.method, "PATCH");
    assert_eq!(
        r.path,
        "/crm/v2/tenant/42/contacts/1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11"
    );
    assert_eq!(
        r.body_json(),
        json!({"name": null, "title": "CTO", "isArchived": false})
    );
}

#[tokio::test]
async fn delete_with_empty_200_and_204() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |r| match r.path.as_str() {
        "/crm/v2/tenant/42/customers/9/notes/3" => Reply::status(200),
        "/pricebook/v2/tenant/42/categories/77" => Reply::status(204),
        other => Reply::json(
            404,
            json!({"title": format!("no route {other}"), "status": 404}),
        ),
    })
    .await;
    let st = client(&server);
    st.crm()
        .customers()
        .delete_note(CustomerId::new(9), servicetitan::ids::NoteId::new(3))
        .await
        .expect("deleted note");
    st.pricebook()
        .categories()
        .delete(77)
        .await
        .expect("deleted category");
    let methods: Vec<String> = server
        .api_requests()
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods, ["DELETE", "DELETE"]);
}

#[tokio::test]
async fn download_bytes_and_redirect() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |r| match r.path.as_str() {
        "/telecom/v2/tenant/42/calls/12/recording" => {
            Reply::bytes(200, "audio/mpeg", b"ID3\x00\x01binary").header(
                "content-disposition",
                "attachment; filename=\"call-12.mp3\"",
            )
        }
        "/pricebook/v2/tenant/42/images" => {
            assert_eq!(r.query, "path=Images%2Fa+b.png");
            Reply::status(302).header("location", "https://files.example.invalid/a.png")
        }
        _ => Reply::status(404),
    })
    .await;
    let st = client(&server);
    let d = st
        .telecom()
        .calls()
        .get_recording(CallId::new(12))
        .await
        .expect("download");
    assert_eq!(&d.bytes[..], b"ID3\x00\x01binary");
    assert_eq!(d.content_type.as_deref(), Some("audio/mpeg"));
    assert_eq!(d.file_name.as_deref(), Some("call-12.mp3"));
    let redirect = st
        .pricebook()
        .images()
        .get()
        .path("Images/a b.png")
        .await
        .expect("redirect");
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.location, "https://files.example.invalid/a.png");
}

#[tokio::test]
async fn path_strings_are_encoded_and_errors_are_typed() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(
            404,
            json!({"type": "https://tools.ietf.org/html/rfc7231#section-6.5.4", "title": "Contact not found", "status": 404,
                   "traceId": "abc", "errors": {"id": ["unknown"]}, "data": {}}),
        )
    })
    .await;
    let st = client(&server);
    let id: rt::Uuid = "1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11"
        .parse()
        .expect("uuid");
    let err = st
        .crm()
        .contacts()
        .delete_contact_relationship(id, 5, "a/b c")
        .await
        .expect_err("404");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.operation(), Some("Contacts_DeleteContactRelationship"));
    assert_eq!(
        err.api_error().and_then(|e| e.title.as_deref()),
        Some("Contact not found")
    );
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("HTTP 404")
            && text.contains("Contact not found")
            && text.contains("trace id abc"),
        "{text}"
    );
    let r = &server.api_requests()[0];
    assert_eq!(
        r.path,
        "/crm/v2/tenant/42/contacts/1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11/relationships/5/a%2Fb%20c"
    );
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(200, json!({"page": 1, "pageSize": 50, "hasMore": false, "data": [{"id": 1}, {"id": "not a number"}]}))
    })
    .await;
    let err = client(&server)
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("bad body");
    match err.kind() {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "data[1].id"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn array_map_and_object_query_parameters() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let st = client(&server);
    let mut fields = rt::Map::new();
    fields.insert("Color".to_string(), "Blue".to_string());
    st.accounting()
        .ap_bills()
        .get_list_paginated()
        .business_unit_ids([1, 2].map(BusinessUnitId::new))
        .custom_field_fields(fields)
        .statuses([
            servicetitan::accounting::ApBillStatus::Unknown("Pending".into()),
            servicetitan::accounting::ApBillStatus::Unknown("Canceled".into()),
        ])
        .min_cost(rt::Decimal::new(1050, 2))
        .await
        .expect("page");
    let sort = servicetitan::memberships::OrderByItemOfDefaultSortingFields::new(
        servicetitan::memberships::DefaultSortingFields::Unknown("CreatedOn".into()),
        true,
    );
    st.memberships()
        .location_recurring_service_events()
        .get_list()
        .sort([sort])
        .await
        .expect("page");
    let reqs = server.api_requests();
    let q0 = reqs[0].query_pairs();
    assert!(
        q0.contains(&("customField.Fields[Color]".into(), "Blue".into())),
        "{q0:?}"
    );
    assert!(
        q0.contains(&("statuses".into(), "Pending".into()))
            && q0.contains(&("statuses".into(), "Canceled".into())),
        "{q0:?}"
    );
    assert!(q0.contains(&("minCost".into(), "10.50".into())), "{q0:?}");
    assert!(
        q0.contains(&("businessUnitIds".into(), "1,2".into())),
        "{q0:?}"
    );
    let q1 = reqs[1].query_pairs();
    assert_eq!(
        q1,
        vec![
            ("sort[0].field".to_string(), "CreatedOn".to_string()),
            ("sort[0].isDescending".to_string(), "true".to_string())
        ]
    );
}

/// `r` is a multipart upload of one part, `file`, named `name`, of type `ct` (none said
/// for octet-stream), holding `bytes`.
fn assert_one_file_part(r: &Recorded, name: &str, ct: &str, bytes: &[u8]) {
    let content_type = r.header("content-type").expect("content type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"));
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
    let lower = body.to_ascii_lowercase();
    assert!(
        lower.contains(&format!(
            "content-disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        )),
        "{body}"
    );
    if ct != "application/octet-stream" {
        assert!(lower.contains(&format!("content-type: {ct}\r\n")), "{body}");
    }
    assert!(
        r.body.windows(bytes.len()).any(|w| w == bytes),
        "the file's bytes are in the body"
    );
    assert!(body.ends_with(&format!("--{boundary}--\r\n")), "{body}");
}

/// The operations the corrections in `specs/corrections/` change, on the wire: uploads as
/// multipart, the attachment download as bytes, the 302 as a redirect, the job attachment
/// list as pages, and `booking_provider` as an integer path segment.
#[tokio::test]
async fn corrected_operations_upload_download_redirect_and_page() {
    let _logs = servicetitan_tests::scan_logs(&["client-secret", "app-key-123", "token-"]);
    let server = ScriptedServer::with_token("", |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/forms/v2/tenant/42/jobs/7/attachments" | "/pricebook/v2/tenant/42/images") => {
            Reply::json(
                200,
                json!({"fileName": "stored.png", "path": "Images/stored.png"}),
            )
        }
        ("GET", "/forms/v2/tenant/42/jobs/attachment/5") => {
            Reply::bytes(200, "application/pdf", b"%PDF-1.7 body")
        }
        ("GET", "/equipmentsystems/v2/tenant/42/installed-equipment/attachments") => {
            Reply::status(302).header("location", "https://files.example.invalid/e.pdf")
        }
        ("GET", "/forms/v2/tenant/42/jobs/7/attachments") => {
            let page: i64 = r
                .query_value("page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            Reply::json(
                200,
                json!({"page": page, "pageSize": 2, "hasMore": page < 2,
                       "data": [{"id": page * 10, "fileName": "a.pdf"}, {"id": page * 10 + 1}]}),
            )
        }
        ("POST", "/crm/v2/tenant/42/booking-provider/9/bookings/3/dismiss") => Reply::status(200),
        _ => Reply::status(404),
    })
    .await;
    let st = client(&server);

    let png = b"\x89PNG\r\n\x1a\n pixels".to_vec();
    let stored = st
        .forms()
        .jobs()
        .create_attachment(
            JobId::new(7),
            rt::FilePart::new("photo.png", png.clone()).content_type("image/png"),
        )
        .await
        .expect("upload");
    assert_eq!(stored.file_name.as_deref(), Some("stored.png"));
    st.pricebook()
        .images()
        .post(rt::FilePart::new("logo.png", png.clone()))
        .await
        .expect("image upload");
    let uploads: Vec<_> = server
        .api_requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(uploads.len(), 2);
    for (r, (name, ct)) in uploads.iter().zip([
        ("photo.png", "image/png"),
        ("logo.png", "application/octet-stream"),
    ]) {
        assert_one_file_part(r, name, ct, &png);
    }

    let pdf = st.forms().jobs().get(5).await.expect("download");
    assert_eq!(&pdf.bytes[..], b"%PDF-1.7 body");
    assert_eq!(pdf.content_type.as_deref(), Some("application/pdf"));

    let redirect = st
        .equipment_systems()
        .installed_equipment()
        .get2()
        .path("Equipment/e.pdf")
        .await
        .expect("redirect");
    assert_eq!(redirect.location, "https://files.example.invalid/e.pdf");

    use futures_util::TryStreamExt;
    let items: Vec<serde_json::Value> = st
        .forms()
        .jobs()
        .get_job_attachments(JobId::new(7))
        .items()
        .try_collect()
        .await
        .expect("attachments");
    let ids: Vec<i64> = items.iter().filter_map(|i| i["id"].as_i64()).collect();
    assert_eq!(ids, [10, 11, 20, 21]);
    assert_eq!(
        items[0]["fileName"], "a.pdf",
        "unknown item fields are kept"
    );

    st.crm()
        .bookings()
        .dismiss_booking(BookingId::new(3), 9, crm::DismissBookingModel::default())
        .await
        .expect("dismiss");
}
