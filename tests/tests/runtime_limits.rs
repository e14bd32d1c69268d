//! Runtime behaviour against a loopback server: rate limits (the tenant's, a report's, a
//! report's against the stand-in counting runs in any window), answers worth waiting for
//! (the maintenance 409, `Retry-After` in seconds or as a date), a server that does not
//! answer, error bodies that are not JSON.

use serde_json::json;
use servicetitan::runtime::{self as rt, ErrorKind, RetryPolicy};
use servicetitan_tests::{fast_retries, Reply, ScriptedServer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use servicetitan_tests::{scripted_builder as builder, tenant42, APP_KEY, SECRET};

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
    // At most 20 in any second: the 21st waits for the first to be a second old.
    assert!(
        t.elapsed() >= Duration::from_secs(1),
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
    // At most 2 runs of one report in any 400 ms: the 3rd waits for the 1st to be 400 ms
    // old, the 5th for the 3rd, so six runs take at least 0.8 s.
    let t = Instant::now();
    for _ in 0..6 {
        st.reporting()
            .report_category_reports()
            .get_data("ops", servicetitan::ids::ReportId::new(7), body.clone())
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
async fn a_lone_process_draws_no_429_from_a_server_counting_runs_in_any_window() {
    // The stand-in counts at most 3 runs of a report in any 400 ms, as strictly as the
    // API may count its 5 a minute; the client keeps the same limit. A token bucket's
    // burst of 3, then a run every 133 ms, would have its 4th run refused.
    let per = Duration::from_millis(400);
    let m = servicetitan_mock::MockServer::start(servicetitan_mock::Settings {
        operation_limit: Some((3, per)),
        ..Default::default()
    })
    .await
    .expect("the stand-in starts");
    let b = m
        .builder()
        .operation_limit("ReportCategoryReports_GetData", rt::RateLimit::new(3, per));
    let st = servicetitan_tests::typed_client(b, 42);
    let body = servicetitan::reporting::ReportDataRequest::new(vec![]);
    for _ in 0..8 {
        st.reporting()
            .report_category_reports()
            .get_data("ops", servicetitan::ids::ReportId::new(7), body.clone())
            .await
            .expect("a run");
    }
    let runs: Vec<u16> = m
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("ReportCategoryReports_GetData"))
        .map(|r| r.status)
        .collect();
    assert_eq!(runs.iter().filter(|s| **s == 429).count(), 0, "{runs:?}");
    assert_eq!(runs, [200; 8], "each run answered at once");
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
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
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
    let (server, calls) = ScriptedServer::first_then(
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
