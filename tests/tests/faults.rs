//! Bad responses and faults, each against a loopback server: every case ends in a typed
//! error, in bounded time, without a panic, with no secret in the error, and with retries
//! only where they are safe. The stand-in ServiceTitan (`servicetitan-mock`) serves the
//! faults it has (statuses, bodies cut short); the hand-written server the ones whose
//! bytes a test must control (a reset mid-body, malformed JSON, a 429 without
//! `Retry-After`, a slow or closed token endpoint, redirect loops).

use serde_json::json;
use servicetitan::runtime::{Error, ErrorKind, RetryPolicy, RuntimeBuilder};
use servicetitan::Client;
use servicetitan_mock::{Fault, MockServer as StandIn, Settings, Target};
use servicetitan_tests::{Reply, ScriptedServer};
use std::time::{Duration, Instant};

const SECRET: &str = "fault-secret-value";
const APP_KEY: &str = "fault-app-key";

fn client_at(
    auth: String,
    api: String,
    tune: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder,
) -> Client {
    let b = servicetitan_tests::builder_at(auth, api, APP_KEY, "cid", SECRET).retry(
        RetryPolicy::default()
            .initial_backoff(Duration::from_millis(20))
            .max_backoff(Duration::from_millis(100)),
    );
    servicetitan_tests::typed_client(tune(b), 42)
}

fn client(server: &ScriptedServer, tune: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder) -> Client {
    client_at(server.url(), server.url(), tune)
}

/// The stand-in ServiceTitan with this file's secrets, and `faults` on `operation`.
async fn stand_in(operation: &str, faults: impl IntoIterator<Item = Fault>) -> (StandIn, Client) {
    let m = StandIn::start(Settings {
        client_id: "cid".into(),
        client_secret: SECRET.into(),
        app_key: APP_KEY.into(),
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts");
    m.on(Target::operation(operation), faults);
    let st = client_at(m.url(), m.url(), |b| b);
    (m, st)
}

/// The statuses `m` answered to `operation` (0: the connection was reset).
fn answered(m: &StandIn, operation: &str) -> Vec<u16> {
    m.requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some(operation))
        .map(|r| r.status)
        .collect()
}

/// Runs one call; checks the bound on time and that no secret shows in the error.
async fn failing_call(st: &Client, within: Duration) -> Error {
    let t = Instant::now();
    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("the call must fail");
    assert!(
        t.elapsed() < within,
        "took {:?}, more than {within:?}",
        t.elapsed()
    );
    for text in [err.to_string(), format!("{err:?}")] {
        for secret in [SECRET, APP_KEY, "token-1"] {
            assert!(!text.contains(secret), "secret in error: {text}");
        }
    }
    err
}

#[tokio::test]
async fn token_endpoint_down() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let api = ScriptedServer::start(|_| Reply::status(200)).await;
    let st = client_at(format!("http://{closed}"), api.url(), |b| b);
    let err = failing_call(&st, Duration::from_secs(10)).await;
    assert!(
        matches!(err.kind(), ErrorKind::Auth { status: None, .. }),
        "{err:?}"
    );
    assert!(api.requests().is_empty());
}

#[tokio::test]
async fn token_endpoint_slow() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::start(|r| {
        if r.path == "/connect/token" {
            Reply::json(200, json!({"access_token": "token-1", "expires_in": 900}))
                .delayed(Duration::from_secs(3))
        } else {
            Reply::status(200)
        }
    })
    .await;
    let st = client(&server, |b| b.timeout(Duration::from_millis(200)));
    let err = failing_call(&st, Duration::from_secs(3)).await;
    assert!(
        matches!(err.kind(), ErrorKind::Auth { .. }) && err.to_string().contains("timed out"),
        "{err}"
    );
    assert_eq!(
        server.token_requests(),
        RetryPolicy::default().max_attempts as usize,
        "the token endpoint is tried as the client's retry policy says"
    );
}

#[tokio::test]
async fn a_5xx_storm_is_retried_a_bounded_number_of_times() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let (m, st) = stand_in("Customers_GetList", [Fault::Status(503); 10]).await;
    let err = failing_call(&st, Duration::from_secs(5)).await;
    assert_eq!(err.status(), Some(503));
    assert_eq!(answered(&m, "Customers_GetList"), [503; 4], "max_attempts");
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_and_succeeds() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = n.clone();
    let server = ScriptedServer::with_token("", move |_| {
        if c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
            Reply::status(429)
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let st = client(&server, |b| b);
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("after backing off");
    assert_eq!(server.api_requests().len(), 3);
}

#[tokio::test]
async fn a_truncated_body() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let (m, st) = stand_in("Customers_GetList", [Fault::Truncate; 10]).await;
    let err = failing_call(&st, Duration::from_secs(5)).await;
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    assert_eq!(
        answered(&m, "Customers_GetList").len(),
        RetryPolicy::default().max_attempts as usize,
        "a GET whose body breaks off is sent again, as the policy allows"
    );
}

#[tokio::test]
async fn a_connection_reset_mid_body() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::raw(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{\"page\": 1, \"data\": [", true)
    })
    .await;
    let err = failing_call(&client(&server, |b| b), Duration::from_secs(5)).await;
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    assert_eq!(
        server.api_requests().len(),
        RetryPolicy::default().max_attempts as usize
    );
}

/// The first answer of each call breaks off mid-body (cut short, then reset); the next
/// is whole.
async fn broken_once(reset: bool) -> ScriptedServer {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    ScriptedServer::with_token("", move |r| {
        let first = calls
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            .is_multiple_of(2);
        if first {
            return Reply::raw(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{\"page\": 1, \"pageSize\": 2, \"hasMore\": false, \"data\": [{\"id\": 1},",
                reset,
            );
        }
        if r.method == "POST" {
            return Reply::json(200, json!({"id": 5, "tagName": "vip"}));
        }
        Reply::json(
            200,
            json!({"page": 1, "pageSize": 2, "hasMore": false, "data": [{"id": 1}, {"id": 2}]}),
        )
    })
    .await
}

#[tokio::test]
async fn a_get_whose_body_breaks_off_is_retried_and_arrives_whole() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    for reset in [false, true] {
        let server = broken_once(reset).await;
        let st = client(&server, |b| b);
        let page = st
            .crm()
            .customers()
            .get_list()
            .await
            .expect("the second answer");
        let ids: Vec<_> = page.data.iter().map(|c| c.id.map(|id| id.get())).collect();
        assert_eq!(ids, [Some(1), Some(2)], "every record, none half-read");
        assert_eq!(server.api_requests().len(), 2, "reset: {reset}");
    }
}

#[tokio::test]
async fn a_post_whose_body_breaks_off_is_not_sent_again() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let (m, st) = stand_in("BookingProviderTags_Create", [Fault::Truncate]).await;
    let body = servicetitan::crm::CreateBookingProviderTagRequest::new(
        servicetitan::crm::CreateBookingProviderTagRequestRequired {
            tag_name: "vip".into(),
            description: "d".into(),
        },
    );
    let err = st
        .crm()
        .booking_provider_tags()
        .create(body)
        .await
        .expect_err("the answer broke off");
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    assert_eq!(err.operation(), Some("BookingProviderTags_Create"));
    assert_eq!(
        answered(&m, "BookingProviderTags_Create").len(),
        1,
        "the tag may have been created: a POST is not sent twice"
    );
}

#[tokio::test]
async fn malformed_json() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::bytes(200, "application/json", b"{\"page\": 1,, ]")
    })
    .await;
    let err = failing_call(&client(&server, |b| b), Duration::from_secs(5)).await;
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:?}");
    assert_eq!(server.api_requests().len(), 1, "a bad body is not retried");
}

#[tokio::test]
async fn a_body_far_larger_than_expected() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let big = vec![b' '; 3 * 1024 * 1024];
    let server = ScriptedServer::with_token("", move |r| {
        if r.query.contains("ids=777") {
            // No length announced: the limit must hold while reading.
            let mut raw =
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
                    .to_vec();
            raw.extend_from_slice(&big);
            Reply::raw(&raw, false)
        } else {
            Reply::bytes(200, "application/json", &big)
        }
    })
    .await;
    let st = client(&server, |b| b.max_response_bytes(1024 * 1024));
    let err = failing_call(&st, Duration::from_secs(5)).await;
    assert!(
        matches!(err.kind(), ErrorKind::ResponseTooLarge { limit: 1_048_576 }),
        "{err:?}"
    );
    let t = Instant::now();
    let err = st
        .crm()
        .customers()
        .get_list()
        .ids([777].map(servicetitan::ids::CustomerId::new))
        .await
        .expect_err("too large");
    assert!(
        matches!(err.kind(), ErrorKind::ResponseTooLarge { .. }),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn redirect_loops_are_not_followed() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server =
        ScriptedServer::with_token("", |r| Reply::status(302).header("location", &r.path)).await;
    let err = failing_call(&client(&server, |b| b), Duration::from_secs(5)).await;
    assert_eq!(err.status(), Some(302));
    assert_eq!(server.api_requests().len(), 1);
}

#[tokio::test]
async fn the_token_endpoint_follows_the_retry_policy_and_retry_after() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let tries = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = tries.clone();
    let server = ScriptedServer::start(move |r| {
        if r.path != "/connect/token" {
            return Reply::empty_page();
        }
        if t.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Reply::json(429, json!({"error": "slow_down"})).header("Retry-After", "1")
        } else {
            Reply::json(200, json!({"access_token": "token-1", "expires_in": 900}))
        }
    })
    .await;
    let st = client(&server, |b| b);
    let started = Instant::now();
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("a token after the 429");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured, not the 20 ms back-off ({:?})",
        started.elapsed()
    );
    assert_eq!(server.token_requests(), 2);

    // No retries in the policy: one try, whatever the token endpoint says.
    let down = ScriptedServer::start(|_| Reply::json(503, json!({"error": "unavailable"}))).await;
    let st = client(&down, |b| b.retry(RetryPolicy::none()));
    let err = failing_call(&st, Duration::from_secs(5)).await;
    assert_eq!(err.status(), Some(503));
    assert!(
        err.is_retryable(),
        "a 503 from the token endpoint is worth a later try"
    );
    assert_eq!(down.token_requests(), 1);
}

#[tokio::test]
async fn a_501_is_neither_retried_nor_called_retryable() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(501, json!({"title": "Not Implemented"}))
    })
    .await;
    let st = client(&server, |b| b);
    let err = failing_call(&st, Duration::from_secs(5)).await;
    assert_eq!(err.status(), Some(501));
    assert!(!err.is_retryable());
    assert_eq!(
        server.api_requests().len(),
        1,
        "the client's retries agree with is_retryable"
    );
}

#[tokio::test]
async fn a_body_that_trickles_is_ended_by_the_call_timeout() {
    use servicetitan::Overrides;
    // 50 customers are kilobytes: 16 bytes each 50 ms would take minutes.
    let trickle = Fault::parse("trickle:50ms").expect("the fault's spelling");
    assert_eq!(trickle, Fault::Trickle(Duration::from_millis(50)));
    let (m, st) = stand_in("Customers_GetList", [trickle]).await;
    let t = Instant::now();
    let err = st
        .crm()
        .customers()
        .get_list()
        .timeout(Duration::from_millis(600))
        .retry(RetryPolicy::none())
        .await
        .expect_err("the call must time out");
    let took = t.elapsed();
    assert!(
        matches!(err.kind(), ErrorKind::Transport { timeout: true, .. }),
        "{err:?}"
    );
    assert!(
        took >= Duration::from_millis(550) && took < Duration::from_secs(5),
        "{took:?}"
    );
    // The server did answer (headers and a first piece): it was the body that was slow.
    assert_eq!(answered(&m, "Customers_GetList"), [200]);
    // The fault is spent: the same call is whole and prompt again.
    let page = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect("the next call");
    assert_eq!(page.data.len(), 50, "a page of the default size");
}
