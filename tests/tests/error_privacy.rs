//! Errors without values: answers whose values are a customer's (names, addresses,
//! technicians' notes, a card number as text) planted exactly where decoding fails, in 12
//! operations of 5 domains, and 400s, HTML bodies and a token endpoint's answer quoting
//! them. No planted value shows in any error's `Display`, `{:#}`, `Debug`, `{:#?}`, its
//! kind's and API body's `Debug`, its `source()` chain, or the TRACE-level logs; each
//! decoding error names its path, what the type expected and the JSON type found; the
//! values stay reachable through the accessors that say they hold customer data.

use serde_json::{json, Value};
use servicetitan::ids::{
    BookingId, CustomerId, EmployeeId, JobId, LocationId, TechnicianId, TechnicianShiftId,
};
use servicetitan::runtime::{ErrorKind, ResponseFuture, RetryPolicy, RuntimeBuilder};
use servicetitan::{Client, Error};
use servicetitan_tests::{Reply, ScriptedServer};
use std::error::Error as _;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The customers' data planted in the answers: none may show.
const PLANTED: &[&str] = &[
    "Jane Doe",
    "12 Elm St",
    "4111111111111111",
    "gate code 4482",
    "Rex the dog",
];

const SECRET: &str = "error-privacy-client-secret";

/// One call whose answer fails to decode at a planted value.
struct Case {
    body: Value,
    path: &'static str,
    expected: &'static str,
    found: &'static str,
    /// The decoder's words quote the value (a scalar), so the detail holds it.
    quoted: bool,
}

fn case(body: Value, path: &'static str, expected: &'static str, found: &'static str) -> Case {
    let quoted = !found.starts_with("an object") && !found.starts_with("an array");
    Case {
        body,
        path,
        expected,
        found,
        quoted,
    }
}

const DECIMAL: &str = "a decimal number or a numeric string";
const DATE_TIME: &str = "an RFC 3339 date-time";

/// The answers, in the order [`calls`] makes the calls.
fn cases() -> Vec<Case> {
    let page = |data: Value| json!({"page": 1, "pageSize": 50, "hasMore": false, "data": data});
    vec![
        case(
            page(json!([{"id": 1, "balance": "10.00"}, {"id": 2}, {"id": 3},
                        {"id": 4, "balance": "Jane Doe, 12 Elm St"}])),
            "data[3].balance",
            DECIMAL,
            "a string of 19 characters",
        ),
        case(
            json!({"id": 1, "name": "x", "createdOn": "4111111111111111"}),
            "createdOn",
            DATE_TIME,
            "a string of 16 characters",
        ),
        case(
            json!({"id": 2, "name": {"owner": "Jane Doe", "street": "12 Elm St"}}),
            "name",
            "a string",
            "an object of 2 properties",
        ),
        case(
            json!({"id": 3, "isFirstTimeClient": "yes, Jane Doe said so"}),
            "isFirstTimeClient",
            "a boolean",
            "a string of 21 characters",
        ),
        case(
            json!({"id": 4, "jobNumber": "J-1", "total": "Visa 4111111111111111"}),
            "total",
            DECIMAL,
            "a string of 21 characters",
        ),
        case(
            page(json!([{"id": 1}, {"id": 2},
                        {"id": 3, "specialInstructions": ["gate code 4482", "Rex the dog bites"]}])),
            "data[2].specialInstructions",
            "a string",
            "an array of 2 items",
        ),
        case(
            page(json!([{"id": 5, "summary": 4111111111111111u64}])),
            "data[0].summary",
            "a string",
            "a number",
        ),
        case(
            page(json!([{"id": 1}, {"id": 2, "total": "refund to Jane Doe"}])),
            "data[1].total",
            DECIMAL,
            "a string of 18 characters",
        ),
        case(
            json!({"id": 6, "note": "ok", "start": "note: gate code 4482, Rex the dog"}),
            "start",
            DATE_TIME,
            "a string of 33 characters",
        ),
        case(
            page(json!([{"id": 1, "isPaused": "Jane Doe was not home"}])),
            "data[0].isPaused",
            "a boolean",
            "a string of 21 characters",
        ),
        case(
            json!({"id": 7, "shiftStart": "Jane Doe's shift"}),
            "shiftStart",
            "a .NET time span such as \"09:00\"",
            "a string of 16 characters",
        ),
        case(
            json!({"id": 8, "agentId": "4111111111111111"}),
            "agentId",
            "i32",
            "a string of 16 characters",
        ),
    ]
}

/// A call whose result is dropped: only its error matters.
type Call = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

fn unit<T: Send + 'static>(call: ResponseFuture<T>) -> Call {
    Box::pin(async move { call.await.map(|_| ()) })
}

/// The calls, in the order of [`cases`]: crm, jpm, accounting, dispatch, settings.
fn calls(st: &Client) -> Vec<Call> {
    vec![
        unit(st.crm().customers().get_list().into_future()),
        unit(st.crm().customers().get(CustomerId::new(1)).into_future()),
        unit(st.crm().locations().get(LocationId::new(2)).into_future()),
        unit(st.crm().bookings().get(BookingId::new(3)).into_future()),
        unit(st.jpm().jobs().get(JobId::new(4)).into_future()),
        unit(st.jpm().appointments().get_list().into_future()),
        unit(st.accounting().invoices().get_list().into_future()),
        unit(st.accounting().payments().get_list().into_future()),
        unit(
            st.dispatch()
                .technician_shifts()
                .get(TechnicianShiftId::new(6))
                .into_future(),
        ),
        unit(
            st.dispatch()
                .appointment_assignments()
                .get_list()
                .into_future(),
        ),
        unit(
            st.settings()
                .technicians()
                .get(TechnicianId::new(7))
                .into_future(),
        ),
        unit(
            st.settings()
                .employees()
                .get(EmployeeId::new(8))
                .into_future(),
        ),
    ]
}

/// Everything an error shows of itself: `Display`, `{:#}`, `Debug`, `{:#?}`, its kind's
/// and API body's `Debug`, and each error of its `source()` chain in each form.
fn everything_shown(err: &Error) -> String {
    let mut out = format!(
        "{err}\n{err:#}\n{err:?}\n{err:#?}\n{:?}\n{:#?}",
        err.kind(),
        err.api_error()
    );
    let mut next = err.source();
    while let Some(s) = next {
        out.push_str(&format!("\n{s}\n{s:#}\n{s:?}\n{s:#?}"));
        next = s.source();
    }
    out
}

fn assert_shows_no_planted_value(err: &Error) -> String {
    let shown = everything_shown(err);
    for p in PLANTED {
        assert!(!shown.contains(p), "a planted value ({p}) shows:\n{shown}");
    }
    shown
}

fn planted_in(text: &str) -> bool {
    PLANTED.iter().any(|p| text.contains(p))
}

fn client(b: RuntimeBuilder, retry: RetryPolicy) -> Client {
    servicetitan_tests::typed_client(b.retry(retry), 42)
}

/// A server answering the API's calls with `replies` in order (the last one again after).
async fn answering(replies: Vec<Reply>) -> ScriptedServer {
    let next = Arc::new(AtomicUsize::new(0));
    ScriptedServer::with_token("", move |_| {
        let i = next.fetch_add(1, Ordering::SeqCst);
        replies[i.min(replies.len() - 1)].clone()
    })
    .await
}

/// One test, so that no other test of this binary clears the logs it reads; the scan of
/// everything logged at TRACE level (`scan_logs`) is made at the end, and on drop.
#[tokio::test]
async fn errors_show_no_customer_data() {
    let logs = servicetitan_tests::scan_logs(PLANTED);
    decoding_errors_name_the_path_and_json_type_never_the_value().await;
    validation_messages_and_bodies_quoting_values_are_counted_and_described().await;
    an_answer_retried_and_a_token_endpoints_answer_show_no_value(&logs).await;
    assert!(
        logs.contains("servicetitan.request"),
        "the runtime's TRACE logs are captured"
    );
    assert!(logs.check_and_clear() > 0);
}

async fn decoding_errors_name_the_path_and_json_type_never_the_value() {
    let cases = cases();
    let server = answering(
        cases
            .iter()
            .map(|c| Reply::json(200, c.body.clone()))
            .collect(),
    )
    .await;
    let st = client(server.builder("ak", "cid", SECRET), RetryPolicy::none());
    let calls = calls(&st);
    assert_eq!(calls.len(), cases.len());
    for (c, call) in cases.iter().zip(calls) {
        let err = call.await.expect_err("the answer does not decode");
        let shown = assert_shows_no_planted_value(&err);
        match err.kind() {
            ErrorKind::Decode {
                path,
                expected,
                found,
            } => {
                assert_eq!(
                    (path.as_str(), expected.as_str(), found.as_str()),
                    (c.path, c.expected, c.found)
                );
            }
            _ => panic!("not a decoding error: {shown}"),
        }
        let display = err.to_string();
        let op = err.operation().expect("the operation is named");
        assert!(display.starts_with(op), "{display}");
        assert!(
            display.contains(&format!("`{}`", c.path)) && display.contains(c.found),
            "{display}"
        );
        assert!(
            err.source().is_none(),
            "the decoder's error is not the source: {shown}"
        );
        // The detail is there for a program that asks.
        let detail = err.customer_data_detail().expect("the decoder's words");
        assert_eq!(planted_in(detail), c.quoted, "{detail}");
    }
    let domains: std::collections::BTreeSet<String> = server
        .api_requests()
        .iter()
        .filter_map(|r| r.path.split('/').nth(1).map(str::to_owned))
        .collect();
    assert_eq!(domains.len(), 5, "{domains:?}");
}

async fn validation_messages_and_bodies_quoting_values_are_counted_and_described() {
    let refused = json!({
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "One or more validation errors occurred.", "status": 400, "traceId": "00-abc",
        "errors": {"name": ["'Jane Doe, 12 Elm St' is not valid."],
                   "phoneSettings[0].phoneNumber":
                       ["The value '4111111111111111' is not valid.", "Too long."]},
        "data": {"attemptedValue": "Jane Doe"}
    });
    let html = "<html><body>No job for Jane Doe at 12 Elm St</body></html>";
    let server = answering(vec![
        Reply::json(400, refused),
        Reply::bytes(400, "text/html", html.as_bytes()),
    ])
    .await;
    let st = client(server.builder("ak", "cid", SECRET), RetryPolicy::none());
    let body = servicetitan::crm::UpdateCustomerRequest::default();
    let err = st
        .crm()
        .customers()
        .update(CustomerId::new(7), body)
        .await
        .expect_err("400");
    assert_shows_no_planted_value(&err);
    let text = err.to_string();
    for says in [
        "HTTP 400",
        "One or more validation errors occurred.",
        "name (1 message)",
        "phoneSettings[0].phoneNumber (2 messages)",
        "trace id 00-abc",
    ] {
        assert!(text.contains(says), "{says}: {text}");
    }
    assert!(
        format!("{err:?}").contains("attemptedValue"),
        "data's keys, not its values"
    );
    // Reachable on purpose, through the accessors that say they hold customer data.
    assert!(err
        .validation_errors()
        .any(|(_, m)| m.iter().any(|m| planted_in(m))));
    assert!(err.is_validation());

    let err = st
        .jpm()
        .jobs()
        .get(JobId::new(1))
        .await
        .expect_err("400 in HTML");
    assert_shows_no_planted_value(&err);
    let shape = format!("an HTML body of {} bytes", html.len());
    assert!(err.to_string().contains(&shape), "{err}");
    assert_eq!(err.customer_data_detail(), Some(html));
}

async fn an_answer_retried_and_a_token_endpoints_answer_show_no_value(
    logs: &servicetitan_tests::LogScan,
) {
    // The runtime logs a retried failure (DEBUG, with the error's words).
    let busy = Reply::bytes(503, "text/plain", b"Busy serving Jane Doe at 12 Elm St");
    let bad = Reply::json(200, json!({"id": 9, "name": 4111111111111111u64}));
    let server = answering(vec![busy, bad]).await;
    let st = client(
        server.builder("ak", "cid", SECRET),
        servicetitan_tests::fast_retries(),
    );
    let err = st
        .crm()
        .customers()
        .get(CustomerId::new(9))
        .await
        .expect_err("a number for a name");
    assert_shows_no_planted_value(&err);
    assert_eq!(server.api_requests().len(), 2, "the 503 was retried");
    assert!(
        logs.contains("a text body of 34 bytes"),
        "the retry was logged with its error"
    );

    let token = ScriptedServer::start(|r| {
        if r.path == "/connect/token" {
            Reply::bytes(500, "text/plain", b"no token today, Jane Doe")
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let st = client(token.builder("ak", "cid", SECRET), RetryPolicy::none());
    let err = st.crm().customers().get_list().await.expect_err("no token");
    let shown = assert_shows_no_planted_value(&err);
    assert!(
        err.is_auth() && shown.contains("a text body of 24 bytes"),
        "{shown}"
    );
    assert!(err.customer_data_detail().is_some_and(planted_in));
}
