//! Runtime behaviour against a loopback server: tokens, retries, errors, secrets.

use serde_json::json;
use servicetitan::runtime::{
    self as rt, ClientBuilder, Config, Credentials, Environment, ErrorKind, RetryPolicy,
};
use servicetitan::Client;
use servicetitan_tests::{fast_retries, Reply, ScriptedServer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-client-secret-value";
const APP_KEY: &str = "ak1.app-key-value-xyz";

fn builder(server: &ScriptedServer) -> ClientBuilder {
    server.builder(APP_KEY, "cid.client", SECRET)
}

/// A server whose first API call is answered with `first`, and every later one by `then`;
/// also returns the count of API calls.
async fn first_then(
    first: Reply,
    then: impl Fn() -> Reply + Send + Sync + 'static,
) -> (ScriptedServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = ScriptedServer::with_token("", move |_| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            first.clone()
        } else {
            then()
        }
    })
    .await;
    (server, calls)
}

/// The generated client for tenant 42.
fn tenant42(b: ClientBuilder) -> Client {
    servicetitan_tests::typed_client(b, 42)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_first_calls_make_one_token_request() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let st = tenant42(builder(&server));
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let st = st.clone();
        tasks.push(tokio::spawn(async move {
            st.crm().customers().get_list().await
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("call");
    }
    assert_eq!(server.token_requests(), 1);
    assert_eq!(server.api_requests().len(), 1000);
    assert_eq!(st.runtime().client().token_requests(), 1);
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_once() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token_lifetime("", 2, |_| Reply::empty_page()).await;
    let b = builder(&server).token_refresh_margin(Duration::from_millis(500));
    let st = servicetitan_tests::typed_client(b, 42);
    st.crm().customers().get_list().await.expect("first");
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("second, same token");
    assert_eq!(server.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(1600)).await; // inside the refresh margin now
    for _ in 0..5 {
        st.crm().customers().get_list().await.expect("after expiry");
    }
    assert_eq!(server.token_requests(), 2);
    let auths: Vec<String> = server
        .api_requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or("").to_string())
        .collect();
    assert_eq!(auths.iter().filter(|a| *a == "Bearer token-2").count(), 5);
}

#[tokio::test]
async fn a_revoked_token_makes_one_refresh_and_one_retry() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |r| {
        if r.header("authorization") == Some("Bearer token-1") {
            Reply::json(401, json!({"title": "Unauthorized"}))
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let st = tenant42(builder(&server).retry(RetryPolicy::none()));
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("succeeds after refresh");
    assert_eq!(server.token_requests(), 2);
    assert_eq!(server.api_requests().len(), 2);
}

#[tokio::test]
async fn a_persistent_401_is_an_error_after_one_refresh() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server =
        ScriptedServer::with_token("", |_| Reply::json(401, json!({"title": "Unauthorized"})))
            .await;
    let st = tenant42(builder(&server));
    let err = st.crm().customers().get_list().await.expect_err("401");
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.token_requests(), 2);
    assert_eq!(server.api_requests().len(), 2);
}

#[tokio::test]
async fn a_post_is_not_retried_on_503_but_a_get_is() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |r| {
        if r.method == "POST" {
            Reply::json(503, json!({"title": "Service Unavailable"}))
        } else {
            Reply::status(503)
        }
    })
    .await;
    let st = tenant42(builder(&server).retry(fast_retries()));
    let body = servicetitan::crm::CreateBookingProviderTagRequest::new("t".into(), "d".into());
    let err = st
        .crm()
        .booking_provider_tags()
        .create(body)
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(
        server
            .api_requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        1,
        "POST must not be retried"
    );

    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("503 after retries");
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        server
            .api_requests()
            .iter()
            .filter(|r| r.method == "GET")
            .count(),
        4,
        "GET is retried up to max_attempts"
    );
}

#[tokio::test]
async fn post_is_retried_when_the_caller_opts_in() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let (server, calls) =
        first_then(Reply::status(503), || Reply::json(200, json!({"id": 1}))).await;
    let policy = RetryPolicy {
        retry_non_idempotent: true,
        ..fast_retries()
    };
    let st = tenant42(builder(&server).retry(policy));
    let body = servicetitan::crm::CreateBookingProviderTagRequest::new("t".into(), "d".into());
    st.crm()
        .booking_provider_tags()
        .create(body)
        .await
        .expect("retried");
    assert_eq!(server.api_requests().len(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "exactly one retry");
}

#[tokio::test]
async fn token_endpoint_errors_are_auth_errors_without_retry_storms() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::start(|r| {
        if r.path == "/connect/token" {
            Reply::json(400, json!({"error": "invalid_client"}))
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let st = tenant42(builder(&server));
    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("invalid client");
    match err.kind() {
        ErrorKind::Auth { status, code, .. } => {
            assert_eq!(*status, Some(400));
            assert_eq!(code.as_deref(), Some("invalid_client"));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(
        server.token_requests(),
        1,
        "a refused credential is not retried"
    );
    assert!(server.api_requests().is_empty());

    let html = ScriptedServer::start(|_| {
        Reply::bytes(502, "text/html", b"<html><body>Bad gateway</body></html>")
    })
    .await;
    let st = servicetitan_tests::typed_client(builder(&html), 42);
    let err = st.crm().customers().get_list().await.expect_err("html");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Auth {
                status: Some(502),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("HTML"), "{err}");
    assert_eq!(
        html.token_requests(),
        servicetitan::runtime::RetryPolicy::default().max_attempts as usize,
        "a failing token endpoint is tried as the client's retry policy says"
    );
}

#[tokio::test]
async fn enterprise_credentials_name_the_tenant_and_tenants_have_their_own_tokens() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let env = Environment::Custom {
        auth_url: server.url(),
        api_url: server.url(),
    };
    let runtime = rt::Client::new(
        ClientBuilder::new(env)
            .app_key(APP_KEY)
            .credentials(Credentials::enterprise("hub", SECRET))
            .tenant_credentials(7, Credentials::new("seven", SECRET)),
    )
    .expect("client");
    Client::new(runtime.clone(), 42)
        .crm()
        .customers()
        .get_list()
        .await
        .expect("42");
    Client::new(runtime.clone(), 43)
        .crm()
        .customers()
        .get_list()
        .await
        .expect("43");
    Client::new(runtime, 7)
        .crm()
        .customers()
        .get_list()
        .await
        .expect("7");
    let tokens: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/connect/token")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(tokens.len(), 3, "one token per tenant");
    assert!(
        tokens[0].contains("client_id=hub") && tokens[0].contains("tenant=42"),
        "{}",
        tokens[0]
    );
    assert!(tokens[1].contains("tenant=43"));
    assert!(
        tokens[2].contains("client_id=seven") && !tokens[2].contains("tenant="),
        "{}",
        tokens[2]
    );
    let paths: Vec<String> = server
        .api_requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/crm/v2/tenant/42/customers",
            "/crm/v2/tenant/43/customers",
            "/crm/v2/tenant/7/customers"
        ]
    );
}

#[tokio::test]
async fn scopes_fail_fast_and_403_names_them() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("tn.crm.customers:r tn.crm.locations:r", |_| {
        Reply::json(403, json!({"title": "Forbidden", "status": 403}))
    })
    .await;
    let st = tenant42(builder(&server));
    // Not granted: refused before anything is sent.
    let err = st
        .accounting()
        .invoices()
        .get_list()
        .await
        .expect_err("missing scope");
    match err.kind() {
        ErrorKind::MissingScope { required, granted } => {
            assert_eq!(required, &["tn.acc.invoices:r"]);
            assert_eq!(granted, &["tn.crm.customers:r", "tn.crm.locations:r"]);
        }
        other => panic!("expected MissingScope, got {other:?}"),
    }
    assert!(err.to_string().contains("tn.acc.invoices:r"));
    assert!(
        server.api_requests().is_empty(),
        "nothing is sent without the scope"
    );
    // Granted, but the server says 403: the error names both sides.
    let err = st.crm().customers().get_list().await.expect_err("403");
    let text = err.to_string();
    assert!(
        text.contains("requires scope tn.crm.customers:r")
            && text.contains("granted: tn.crm.customers:r tn.crm.locations:r"),
        "{text}"
    );
    // The check can be turned off.
    let st = tenant42(builder(&server).check_scopes(false));
    let err = st
        .accounting()
        .invoices()
        .get_list()
        .await
        .expect_err("403 from the server");
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let other = ScriptedServer::start(|_| Reply::empty_page()).await;
    let location = format!("{}/steal", other.url());
    let server = ScriptedServer::with_token("", move |_| {
        Reply::status(302).header("location", &location)
    })
    .await;
    let st = tenant42(builder(&server));
    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("302 is not a page");
    assert_eq!(err.status(), Some(302));
    assert!(
        other.requests().is_empty(),
        "credentials must not follow a redirect to another host"
    );
}

#[test]
fn plain_http_is_refused_except_to_loopback() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let remote = Environment::Custom {
        auth_url: "http://auth.example.com".into(),
        api_url: "https://api.example.com".into(),
    };
    let err = rt::Client::new(ClientBuilder::new(remote)).expect_err("plain http to a remote host");
    assert!(err.to_string().contains("plain http"), "{err}");
    let local = Environment::Custom {
        auth_url: "http://127.0.0.1:9".into(),
        api_url: "http://localhost:9".into(),
    };
    rt::Client::new(ClientBuilder::new(local)).expect("loopback is fine");
}

#[test]
fn config_from_environment_variables() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let vars = |k: &str| {
        match k {
            "ST_CLIENT_ID" => Some("cid"),
            "ST_CLIENT_SECRET" => Some(SECRET),
            "ST_APP_KEY" => Some(APP_KEY),
            "ST_TENANT_ID" => Some("123"),
            "ST_ENVIRONMENT" => Some("integration"),
            "ST_AUTH_URL" => Some("http://127.0.0.1:1"),
            "ST_API_URL" => Some("http://127.0.0.1:2"),
            _ => None,
        }
        .map(str::to_owned)
    };
    let c = Config::from_lookup(vars).expect("config");
    assert_eq!(c.tenant_id(), 123);
    assert_eq!(
        c.environment().token_url(),
        "http://127.0.0.1:1/connect/token"
    );
    assert_eq!(c.environment().api_url(), "http://127.0.0.1:2");
    let text = format!("{c:?}");
    assert!(!text.contains(SECRET) && !text.contains(APP_KEY), "{text}");

    let c = Config::from_lookup(|k| {
        if k == "ST_AUTH_URL" || k == "ST_API_URL" {
            None
        } else {
            vars(k)
        }
    })
    .expect("config");
    assert_eq!(c.environment(), &Environment::Integration);
    assert_eq!(
        c.environment().token_url(),
        "https://auth-integration.servicetitan.io/connect/token"
    );
    let err = Config::from_lookup(|k| if k == "ST_APP_KEY" { None } else { vars(k) })
        .expect_err("missing");
    assert!(err.to_string().contains("ST_APP_KEY is not set"));
    let err = Config::from_lookup(|k| {
        if k == "ST_ENVIRONMENT" {
            Some("staging".into())
        } else {
            vars(k)
        }
    })
    .expect_err("bad env");
    assert!(err.to_string().contains("ST_ENVIRONMENT"));
}

#[tokio::test]
async fn the_client_side_limit_spaces_calls_per_tenant() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let limit = rt::RateLimit::new(20, Duration::from_secs(1));
    let st = tenant42(builder(&server).rate_limit(Some(limit)));
    let t = Instant::now();
    for _ in 0..30 {
        st.crm().customers().get_list().await.expect("call");
    }
    // A burst of 20, then 10 more at 20 per second: at least half a second.
    assert!(
        t.elapsed() >= Duration::from_millis(450),
        "took only {:?}",
        t.elapsed()
    );
    assert_eq!(server.api_requests().len(), 30);
}

#[tokio::test]
async fn report_runs_are_limited_per_report() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(
            200,
            json!({"page": 1, "pageSize": 50, "hasMore": false, "data": [], "fields": []}),
        )
    })
    .await;
    let b = builder(&server).operation_limit(
        "ReportCategoryReports_GetData",
        rt::RateLimit::new(2, Duration::from_millis(400)),
    );
    let st = servicetitan_tests::typed_client(b, 42);
    let body = servicetitan::reporting::ReportDataRequest::new(vec![]);
    // A token bucket allows N calls in T only if N <= burst + rate * T: six runs of one
    // report with a burst of 2 at 5 per second take at least (6 - 2) / 5 = 0.8 s.
    let t = Instant::now();
    for _ in 0..6 {
        st.reporting()
            .report_category_reports()
            .get_data("ops", 7, body.clone())
            .await
            .expect("run");
    }
    assert!(
        t.elapsed() >= Duration::from_millis(790),
        "took only {:?}",
        t.elapsed()
    );
    assert_eq!(
        servicetitan::reporting::ops::ReportCategoryReportsGetData::OPERATION.limit,
        Some(rt::RateLimit::new(5, Duration::from_secs(60))),
        "the documented limit: 5 runs of the same report per minute"
    );
}

#[tokio::test]
async fn reporting_maintenance_409_is_retried_and_other_409s_are_not() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = ScriptedServer::with_token("", move |r| {
        if r.path.contains("/customers") {
            return Reply::json(409, json!({"title": "Conflict: duplicate", "status": 409}));
        }
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(
                409,
                json!({"title": "The service is suspended for maintenance", "status": 409}),
            )
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let st = tenant42(builder(&server).retry(fast_retries()));
    st.reporting()
        .report_categories()
        .get_categories()
        .await
        .expect("retried after maintenance");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("a real conflict");
    assert_eq!(err.status(), Some(409));
    assert!(!err.is_retryable());
    assert_eq!(
        server
            .api_requests()
            .iter()
            .filter(|r| r.path.contains("/customers"))
            .count(),
        1
    );
}

fn httpdate_fmt(t: std::time::SystemTime) -> String {
    // RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .expect("epoch")
        .as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if mo <= 2 { 1 } else { 0 };
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(mo - 1) as usize];
    format!("{wd}, {d:02} {mon} {y} {h:02}:{m:02}:{s:02} GMT")
}

#[tokio::test]
async fn a_server_that_does_not_answer_times_out() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server =
        ScriptedServer::with_token("", |_| Reply::empty_page().delayed(Duration::from_secs(5)))
            .await;
    let b = builder(&server)
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none());
    let st = servicetitan_tests::typed_client(b, 42);
    let t = Instant::now();
    let err = st.crm().customers().get_list().await.expect_err("timeout");
    assert!(
        matches!(err.kind(), ErrorKind::Transport { timeout: true, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "bounded by the timeout"
    );
}

#[tokio::test]
async fn non_json_error_bodies_are_kept_truncated() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let page = format!("<html><body>{}</body></html>", "x".repeat(10_000));
    let server =
        ScriptedServer::with_token("", move |_| Reply::bytes(400, "text/html", page.as_bytes()))
            .await;
    let st = tenant42(builder(&server));
    let err = st.crm().customers().get_list().await.expect_err("400");
    match err.kind() {
        ErrorKind::Api {
            status: 400,
            body: None,
            raw: Some(raw),
            ..
        } => {
            assert_eq!(raw.len(), 4096, "truncated to 4 KiB");
            assert!(raw.starts_with("<html>"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().len() < 400, "Display shows a short excerpt");
}

/// A 429 with `retry_after` is retried no sooner than `at_least`, exactly once.
async fn waits_for_retry_after(retry_after: String, at_least: Duration) {
    let (server, calls) = first_then(
        Reply::status(429).header("retry-after", &retry_after),
        Reply::empty_page,
    )
    .await;
    let st = tenant42(builder(&server).retry(fast_retries()));
    let t = Instant::now();
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("after waiting");
    assert!(
        t.elapsed() >= at_least,
        "waited only {:?} for Retry-After: {retry_after}",
        t.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2, "exactly one retry");
}

#[tokio::test]
async fn a_429_waits_at_least_retry_after_seconds() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    waits_for_retry_after("1".into(), Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_429_waits_until_a_retry_after_date() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    // The date has one-second resolution: of the three seconds, at least one is left even
    // after the truncation and a slow answer on a loaded machine.
    let when = std::time::SystemTime::now() + Duration::from_secs(3);
    waits_for_retry_after(httpdate_fmt(when), Duration::from_secs(1)).await;
}

/// Two calls share a token; one finds it revoked and refreshes while the other is in
/// flight with it. The other's 401 is for a token already replaced: it tries the newer
/// one without using up its own refresh, which it still has when that newer token is
/// revoked in turn (against the stand-in ServiceTitan, whose faults order this exactly).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_for_a_token_already_replaced_does_not_use_up_the_refresh() {
    use servicetitan_mock::{Fault, MockServer as StandIn, Settings, Target};
    let m = StandIn::start(Settings::default())
        .await
        .expect("the stand-in");
    let st = Client::new(
        rt::Client::new(m.builder().retry(RetryPolicy::none())).expect("client"),
        1,
    );
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("the first token");
    // B is held 300 ms (carrying token 1), then finds token 2 revoked on its retry.
    m.on(
        Target::operation("Customers_Get"),
        [Fault::Delay(Duration::from_millis(300)), Fault::RevokeToken],
    );
    // A revokes token 1 while B waits, and refreshes to token 2.
    m.on(Target::operation("Customers_GetList"), [Fault::RevokeToken]);
    let b = tokio::spawn({
        let st = st.clone();
        async move { st.crm().customers().get(1).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("A, after its refresh");
    b.await
        .expect("join")
        .expect("B, after a stale 401 and its own refresh");
    let statuses: Vec<(String, u16)> = m
        .requests()
        .iter()
        .filter_map(|r| Some((r.operation.clone()?, r.status)))
        .collect();
    let b_statuses: Vec<u16> = statuses
        .iter()
        .filter(|(o, _)| o == "Customers_Get")
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(b_statuses, [401, 401, 200], "stale, revoked, then through");
    assert_eq!(m.tokens_issued(), 3);
}
