//! Runtime behaviour against a loopback server: tokens, retries, errors, secrets.

use serde_json::json;
use servicetitan::runtime::{
    self as rt, Config, Credentials, Environment, ErrorKind, RetryPolicy, RuntimeBuilder,
};
use servicetitan::{Client, Overrides};
use servicetitan_tests::{fast_retries, Reply, ScriptedServer};
use std::sync::atomic::Ordering;
use std::time::Duration;

use servicetitan_tests::{scripted_builder as builder, tenant42, APP_KEY, SECRET};

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
    let body = servicetitan::crm::CreateBookingProviderTagRequest::new(
        servicetitan::crm::CreateBookingProviderTagRequestRequired {
            tag_name: "t".into(),
            description: "d".into(),
        },
    );
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
        ScriptedServer::first_then(Reply::status(503), || Reply::json(200, json!({"id": 1}))).await;
    let policy = fast_retries().retry_non_idempotent(true);
    let st = tenant42(builder(&server).retry(policy));
    let body = servicetitan::crm::CreateBookingProviderTagRequest::new(
        servicetitan::crm::CreateBookingProviderTagRequestRequired {
            tag_name: "t".into(),
            description: "d".into(),
        },
    );
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

/// Every call waiting for a token shares the one request's failure, as it would share
/// its token: twenty concurrent first calls against a refusing endpoint make one request
/// (a refused credential) or one request's retries (a failing endpoint), not twenty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_token_request_is_shared_by_every_call_waiting_for_it() {
    for (status, expected) in [(400, 1), (502, RetryPolicy::default().max_attempts)] {
        let server = ScriptedServer::start(move |_| {
            Reply::json(status, json!({"error": "invalid_client"}))
                .delayed(Duration::from_millis(30))
        })
        .await;
        let st = tenant42(builder(&server).retry(fast_retries()));
        let calls = (0..20).map(|_| {
            let st = st.clone();
            tokio::spawn(async move { st.crm().customers().get_list().await })
        });
        for call in calls.collect::<Vec<_>>() {
            let err = call.await.expect("join").expect_err("no token");
            assert!(
                matches!(err.kind(), ErrorKind::Auth { status: Some(s), code: Some(c), .. } if *s == status && c == "invalid_client"),
                "{err:?}"
            );
        }
        assert_eq!(
            server.token_requests(),
            expected as usize,
            "status {status}"
        );
        // A call made after the failure asks again.
        let _ = st
            .crm()
            .customers()
            .get_list()
            .await
            .expect_err("still refused");
        assert_eq!(
            server.token_requests(),
            2 * expected as usize,
            "status {status}"
        );
    }
}

#[tokio::test]
async fn enterprise_credentials_name_the_tenant_and_tenants_have_their_own_tokens() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let env = Environment::Custom {
        auth_url: server.url(),
        api_url: server.url(),
    };
    let runtime = rt::Runtime::new(
        RuntimeBuilder::new(env)
            .app_key(APP_KEY)
            .credentials(Credentials::enterprise("hub", SECRET))
            .tenant_credentials(7, Credentials::new("seven", SECRET)),
    )
    .expect("client");
    // One client, other tenants by `with_tenant`, which keeps the client's overrides.
    let st = Client::new(runtime, 42).header("x-batch", "nightly");
    for st in [st.clone(), st.with_tenant(43), st.with_tenant(7)] {
        let tenant = st.tenant();
        st.crm().customers().get_list().await.expect("a page");
        assert_eq!(st.tenant(), tenant);
    }
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
    let batches = server
        .api_requests()
        .iter()
        .filter(|r| r.header("x-batch") == Some("nightly"))
        .count();
    assert_eq!(
        batches, 3,
        "every tenant's call carries the client's header"
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
    let err =
        rt::Runtime::new(RuntimeBuilder::new(remote)).expect_err("plain http to a remote host");
    assert!(err.to_string().contains("plain http"), "{err}");
    let local = Environment::Custom {
        auth_url: "http://127.0.0.1:9".into(),
        api_url: "http://localhost:9".into(),
    };
    rt::Runtime::new(RuntimeBuilder::new(local)).expect("loopback is fine");
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
    // No environment and no override: refused, naming both values, never production.
    let hosts = |k: &str| k == "ST_AUTH_URL" || k == "ST_API_URL";
    let err = Config::from_lookup(|k| {
        if hosts(k) || k == "ST_ENVIRONMENT" {
            None
        } else {
            vars(k)
        }
    })
    .expect_err("no environment");
    let text = err.to_string();
    assert!(
        text.contains("ST_ENVIRONMENT is not set")
            && text.contains("`integration`")
            && text.contains("`production`"),
        "{text}"
    );
}

#[test]
fn a_tenants_own_credential_pair_is_enough() {
    let own = |k: &str| {
        match k {
            "ST_CLIENT_ID_123" => Some("own-id"),
            "ST_CLIENT_SECRET_123" => Some(SECRET),
            "ST_APP_KEY" => Some(APP_KEY),
            "ST_TENANT_ID" => Some("123"),
            "ST_ENVIRONMENT" => Some("integration"),
            _ => None,
        }
        .map(str::to_owned)
    };
    let c = Config::from_lookup(own).expect("the tenant's own pair");
    assert_eq!(c.tenant_id(), 123);
    let half = |k: &str| {
        if k == "ST_CLIENT_SECRET_123" {
            None
        } else {
            own(k)
        }
    };
    let err = Config::from_lookup(half).expect_err("half a pair");
    assert!(
        err.to_string().contains("ST_CLIENT_SECRET_123 is not set"),
        "{err}"
    );
    let none = |k: &str| {
        if k.starts_with("ST_CLIENT_") {
            None
        } else {
            own(k)
        }
    };
    let err = Config::from_lookup(none).expect_err("no pair");
    assert!(err.to_string().contains("ST_CLIENT_ID is not set"), "{err}");
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
        rt::Runtime::new(m.builder().retry(RetryPolicy::none())).expect("client"),
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
        async move {
            st.crm()
                .customers()
                .get(servicetitan::ids::CustomerId::new(1))
                .await
        }
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
