//! The client in a user's program: a `reqwest::Client` of the user's own or a function
//! that finishes the runtime's, hooks around every attempt, per-call overrides, the
//! escape hatch to paths the documents do not describe, and tracing spans with
//! OpenTelemetry's HTTP field names. Against a loopback server.

use serde_json::json;
use servicetitan::runtime::{
    self as rt, AttemptInfo, AttemptOutcome, ErrorKind, Hook, Method, Operation, TokenOutcome,
};
use servicetitan::Overrides;
use servicetitan_tests::{fast_retries, Reply, ScriptedServer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TENANT: i64 = 7;

fn client(b: rt::RuntimeBuilder) -> servicetitan::Client {
    servicetitan_tests::typed_client(b, TENANT)
}

/// Answers every API call with a redirect to `/elsewhere` (which answers a page).
async fn redirecting() -> ScriptedServer {
    ScriptedServer::with_token("", |r| {
        if r.path == "/elsewhere" {
            Reply::empty_page()
        } else {
            Reply::status(302).header("location", "/elsewhere")
        }
    })
    .await
}

fn team_headers() -> rt::reqwest::header::HeaderMap {
    let mut h = rt::reqwest::header::HeaderMap::new();
    h.insert("x-team", "billing".parse().expect("value"));
    h
}

#[tokio::test]
async fn a_users_own_client_sends_its_header_and_the_runtimes_auth() {
    let s = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let own = rt::http_builder()
        .expect("the system's verifier")
        .default_headers(team_headers())
        .build()
        .expect("client");
    let st = client(s.builder("ak", "cid", "secret").http_client(own));
    st.crm().customers().get_list().await.expect("a page");
    let sent = s.api_requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("x-team"), Some("billing"));
    assert_eq!(sent[0].header("authorization"), Some("Bearer token-1"));
    assert_eq!(sent[0].header("st-app-key"), Some("ak"));
    assert_eq!(
        sent[0].header("user-agent"),
        Some(rt::USER_AGENT),
        "http_builder sets the runtime's User-Agent"
    );

    // The runtime's guarantee that stays: a redirect is an answer, never followed, with
    // the builder's own client as with the runtime's.
    let r = redirecting().await;
    let own = rt::http_builder()
        .expect("builder")
        .build()
        .expect("client");
    let st = client(r.builder("ak", "cid", "secret").http_client(own));
    let err = st.crm().customers().get_list().await.expect_err("a 302");
    assert!(
        matches!(err.kind(), ErrorKind::Api { status: 302, .. }),
        "{err}"
    );
    assert!(r.requests().iter().all(|q| q.path != "/elsewhere"));
}

#[tokio::test]
async fn configure_http_finishes_the_runtimes_client_and_redirects_stay_off() {
    let r = redirecting().await;
    let st = client(r.builder("ak", "cid", "secret").configure_http(|http| {
        http.default_headers(team_headers())
            .redirect(rt::reqwest::redirect::Policy::limited(5))
    }));
    let err = st.crm().customers().get_list().await.expect_err("a 302");
    assert!(
        matches!(err.kind(), ErrorKind::Api { status: 302, .. }),
        "{err}"
    );
    let sent = r.api_requests();
    assert!(sent.iter().all(|q| q.path != "/elsewhere"), "{sent:?}");
    assert_eq!(sent[0].header("x-team"), Some("billing"));
    assert_eq!(sent[0].header("user-agent"), Some(rt::USER_AGENT));
}

/// Counts attempts, remembers outcomes, and stamps a correlation id on every attempt
/// (and tries, in vain, to replace the token).
#[derive(Default)]
struct Counting {
    before: AtomicUsize,
    outcomes: Mutex<Vec<Seen>>,
}

/// An outcome as a hook saw it: operation, tenant, attempt, status, failed, retried.
type Seen = (String, i64, u32, Option<u16>, bool, bool);

impl Hook for Counting {
    fn before_attempt(&self, a: &AttemptInfo<'_>, headers: &mut rt::reqwest::header::HeaderMap) {
        self.before.fetch_add(1, Ordering::SeqCst);
        let id = format!("{}-{}", a.operation.id, a.attempt);
        headers.insert("x-correlation-id", id.parse().expect("value"));
        headers.insert("authorization", "Bearer forged".parse().expect("value"));
        assert_eq!(a.path, "/crm/v2/tenant/7/customers");
    }
    fn after_attempt(&self, o: &AttemptOutcome<'_>) {
        self.outcomes.lock().expect("lock").push((
            o.operation.id.to_string(),
            o.tenant,
            o.attempt,
            o.status,
            o.error.is_some(),
            o.retry_in.is_some(),
        ));
    }
}

#[tokio::test]
async fn a_hook_counts_attempts_sees_outcomes_and_adds_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let s = ScriptedServer::with_token("", move |_| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::status(503)
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let hook = Arc::new(Counting::default());
    let st = client(
        s.builder("ak", "cid", "secret")
            .retry(fast_retries())
            .hook(hook.clone()),
    );
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("after a retry");
    assert_eq!(hook.before.load(Ordering::SeqCst), 2);
    let outcomes = hook.outcomes.lock().expect("lock").clone();
    let id = "Customers_GetList".to_string();
    assert_eq!(
        outcomes,
        vec![
            (id.clone(), TENANT, 1, Some(503), true, true),
            (id, TENANT, 2, Some(200), false, false),
        ]
    );
    let sent = s.api_requests();
    let ids: Vec<_> = sent.iter().map(|r| r.header("x-correlation-id")).collect();
    assert_eq!(
        ids,
        [Some("Customers_GetList-1"), Some("Customers_GetList-2")]
    );
    for r in &sent {
        assert_eq!(r.header("authorization"), Some("Bearer token-1"));
    }
}

/// A token request as a hook saw it: attempt, status, error text, retried.
type TokenSeen = (u32, Option<u16>, Option<String>, bool);
/// An attempt as a hook saw it: attempt, status, error text, retried in.
type AttemptSeen = (u32, Option<u16>, Option<String>, Option<Duration>);

/// Remembers token requests and attempts as it saw them.
#[derive(Default)]
struct Watching {
    tokens: Mutex<Vec<TokenSeen>>,
    attempts: Mutex<Vec<AttemptSeen>>,
}

impl Hook for Watching {
    fn after_attempt(&self, o: &AttemptOutcome<'_>) {
        let error = o.error.map(|e| e.to_string());
        let seen = (o.attempt, o.status, error, o.retry_in);
        self.attempts.lock().expect("lock").push(seen);
    }
    fn after_token_request(&self, o: &TokenOutcome<'_>) {
        assert_eq!(o.tenant, TENANT);
        let error = o.error.map(|e| e.to_string());
        let seen = (o.attempt, o.status, error, o.retry_in.is_some());
        self.tokens.lock().expect("lock").push(seen);
    }
}

/// Hooks see every token request (a failed one, its retry, the refresh after a 401) and
/// the 401 that only refreshed the token, with what the API said; nothing secret.
#[tokio::test]
async fn a_hook_sees_token_requests_and_the_401_that_refreshes_the_token() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let (t, c) = (tokens.clone(), calls.clone());
    let s = ScriptedServer::start(move |r| {
        if r.path == "/connect/token" {
            let n = t.fetch_add(1, Ordering::SeqCst);
            if n == 0 {
                return Reply::json(503, json!({"error": "temporarily_unavailable"}));
            }
            let token = format!("token-{n}");
            return Reply::json(200, json!({"access_token": token, "expires_in": 900}));
        }
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(401, json!({"title": "Token expired"}))
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let hook = Arc::new(Watching::default());
    let secret = "s3cr3t-of-the-app";
    let st = client(
        s.builder("ak", "cid", secret)
            .retry(fast_retries())
            .hook(hook.clone()),
    );
    st.crm()
        .customers()
        .get_list()
        .await
        .expect("through after a refresh");

    let seen_tokens = hook.tokens.lock().expect("lock").clone();
    assert_eq!(seen_tokens.len(), 3, "{seen_tokens:?}");
    let (attempt, status, error, retried) = &seen_tokens[0];
    assert_eq!((*attempt, *status, *retried), (1, Some(503), true));
    let error = error.as_deref().expect("the failed request's error");
    assert!(error.contains("temporarily_unavailable"), "{error}");
    assert_eq!(seen_tokens[1], (2, Some(200), None, false));
    assert_eq!(seen_tokens[2], (1, Some(200), None, false), "the refresh");

    let attempts = hook.attempts.lock().expect("lock").clone();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    let (attempt, status, error, retry_in) = &attempts[0];
    assert_eq!((*attempt, *status), (1, Some(401)));
    assert_eq!(
        *retry_in,
        Some(Duration::ZERO),
        "refreshed, sent again at once"
    );
    let error = error
        .as_deref()
        .expect("what the API said of the refused token");
    assert!(
        error.contains("401") && error.contains("Token expired"),
        "{error}"
    );
    assert_eq!(attempts[1], (1, Some(200), None, None));
    for text in seen_tokens.iter().filter_map(|t| t.2.as_ref()) {
        assert!(!text.contains(secret) && !text.contains("token-"), "{text}");
    }
    assert!(!error.contains("token-1"), "{error}");
}

#[tokio::test]
async fn per_call_overrides_take_effect_for_that_call_only() {
    let s = ScriptedServer::with_token("", |r| match r.query_value("page").as_deref() {
        Some("2") => Reply::empty_page().delayed(Duration::from_millis(600)),
        Some("3") => Reply::status(503),
        _ => Reply::empty_page(),
    })
    .await;
    let st = client(s.builder("ak", "cid", "secret").retry(fast_retries()));

    // A timeout for one call: the slow answer fails that call, and only that call.
    let once = fast_retries().max_attempts(1);
    let t = Instant::now();
    let err = st
        .crm()
        .customers()
        .get_list()
        .page(2)
        .timeout(Duration::from_millis(100))
        .retry(once.clone())
        .await
        .expect_err("too slow for 100 ms");
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err}");
    assert!(
        t.elapsed() < Duration::from_millis(550),
        "{:?}",
        t.elapsed()
    );
    st.crm()
        .customers()
        .get_list()
        .page(2)
        .await
        .expect("the client's own timeout allows 600 ms");

    // A retry policy for one call: sent once instead of four times.
    let before = s.api_requests().len();
    st.crm()
        .customers()
        .get_list()
        .page(3)
        .retry(once)
        .await
        .expect_err("503");
    assert_eq!(s.api_requests().len() - before, 1);
    let before = s.api_requests().len();
    st.crm()
        .customers()
        .get_list()
        .page(3)
        .await
        .expect_err("503");
    assert_eq!(s.api_requests().len() - before, 4, "the client's policy");

    // Extra headers, on this call; on every call of a client that carries them.
    st.crm()
        .customers()
        .get_list()
        .header("X-Request-Source", "nightly")
        .await
        .expect("a page");
    assert_eq!(
        s.api_requests()
            .last()
            .and_then(|r| r.header("x-request-source").map(str::to_owned)),
        Some("nightly".into())
    );
    let tagged = st.clone().header("X-Job", "sync-42");
    tagged.crm().customers().get_list().await.expect("a page");
    tagged.crm().leads().get_list().await.expect("a page");
    st.crm().customers().get_list().await.expect("a page");
    let jobs: Vec<_> = s
        .api_requests()
        .iter()
        .rev()
        .take(3)
        .map(|r| r.header("x-job").map(str::to_owned))
        .collect();
    assert_eq!(jobs, [None, Some("sync-42".into()), Some("sync-42".into())]);

    // The runtime's own headers cannot be overridden; nothing is sent.
    let before = s.requests().len();
    let err = st
        .crm()
        .customers()
        .get_list()
        .header("Authorization", "Bearer mine")
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("written by the runtime"), "{err}");
    assert!(!err.to_string().contains("mine"), "{err}");
    assert_eq!(s.requests().len(), before);
}

const NOTES: Operation = Operation::custom(
    "Custom_CustomerNotes",
    Method::Get,
    "/crm/v2/tenant/{tenant}/customers/{id}/notes",
);
const ARCHIVE: Operation = Operation::custom(
    "Custom_Archive",
    Method::Post,
    "/crm/v2/tenant/{tenant}/archive",
);

#[tokio::test]
async fn the_escape_hatch_calls_any_path_with_auth_limits_retries_and_typed_errors() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let s = ScriptedServer::with_token("", move |r| match r.path.as_str() {
        "/crm/v2/tenant/7/customers/5/notes" => {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::status(429).header("retry-after", "0")
            } else {
                Reply::json(200, json!([{"text": "call back", "q": r.query}]))
            }
        }
        "/crm/v2/tenant/7/customers/a%2Fb/notes" => {
            Reply::json(404, json!({"title": "Customer not found", "status": 404}))
        }
        "/crm/v2/tenant/7/archive" => Reply::bytes(200, "application/zip", b"PK\x03\x04"),
        _ => Reply::status(500),
    })
    .await;
    let st = client(s.builder("ak", "cid", "secret").retry(fast_retries()));

    // A typed body, after a 429 retried; the query written as builders write theirs.
    #[derive(serde::Deserialize)]
    struct Note {
        text: String,
        q: String,
    }
    let notes: Vec<Note> = st
        .runtime()
        .raw(&NOTES)
        .path_param("id", 5)
        .query("pageSize", &50)
        .query("ids", &vec![1i64, 2])
        .send_json()
        .await
        .expect("notes");
    assert_eq!(notes[0].text, "call back");
    assert_eq!(notes[0].q, "pageSize=50&ids=1&ids=2");
    let sent = s.api_requests();
    assert_eq!(sent.len(), 2, "the 429 was retried");
    assert_eq!(sent[1].header("authorization"), Some("Bearer token-1"));
    assert_eq!(sent[1].header("st-app-key"), Some("ak"));

    // Raw bytes, with a JSON body sent and per-call overrides.
    let file = st
        .runtime()
        .raw(&ARCHIVE)
        .json(&json!({"ids": [1, 2]}))
        .header("X-Why", "backup")
        .send_bytes()
        .await
        .expect("bytes");
    assert_eq!(&file.bytes[..], b"PK\x03\x04");
    assert_eq!(file.content_type.as_deref(), Some("application/zip"));
    let last = s.api_requests().pop().expect("sent");
    assert_eq!(last.method, "POST");
    assert_eq!(last.body_json(), json!({"ids": [1, 2]}));
    assert_eq!(last.header("x-why"), Some("backup"));

    // Typed errors name the operation; a path value is one segment, percent-encoded.
    let err = st
        .runtime()
        .raw(&NOTES)
        .path_param("id", "a/b")
        .send_json::<serde_json::Value>()
        .await
        .expect_err("404");
    assert!(
        matches!(err.kind(), ErrorKind::Api { status: 404, .. }),
        "{err}"
    );
    assert_eq!(err.operation(), Some("Custom_CustomerNotes"));
    assert!(err.to_string().contains("Customer not found"), "{err}");

    // A placeholder left unfilled fails before anything is sent.
    let before = s.requests().len();
    let err = st
        .runtime()
        .raw(&NOTES)
        .send_empty()
        .await
        .expect_err("no id");
    assert!(err.to_string().contains("{id}"), "{err}");
    assert_eq!(s.requests().len(), before);
}

/// Records the fields of every request span, by span (values recorded later included).
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<std::collections::HashMap<u64, Fields>>>);

/// A span's fields, `(name, value)`.
type Fields = Vec<(String, String)>;

struct Visit<'a>(&'a mut Fields);

impl tracing::field::Visit for Visit<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let v = format!("{value:?}");
        self.0
            .push((field.name().to_string(), v.trim_matches('"').to_string()));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if attrs.metadata().name() == "servicetitan.request" {
            let mut spans = self.0.lock().expect("lock");
            attrs.record(&mut Visit(spans.entry(id.into_u64()).or_default()));
        }
    }
    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if let Some(fields) = self.0.lock().expect("lock").get_mut(&id.into_u64()) {
            values.record(&mut Visit(fields));
        }
    }
}

/// The spans of this test binary: one global subscriber (a subscriber set for one test
/// only would race the other tests for the span's interest).
fn spans() -> &'static Spans {
    use tracing_subscriber::layer::SubscriberExt;
    static SPANS: std::sync::OnceLock<Spans> = std::sync::OnceLock::new();
    SPANS.get_or_init(|| {
        let spans = Spans::default();
        let subscriber = tracing_subscriber::registry()
            .with(spans.clone())
            .with(tracing_subscriber::filter::LevelFilter::DEBUG);
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        spans
    })
}

#[tokio::test]
async fn request_spans_carry_opentelemetry_http_names_the_operation_and_tenant() {
    let spans = spans();
    let s = ScriptedServer::with_token("", |_| Reply::empty_page()).await;
    let tenant = 9_000_001;
    let st = servicetitan::Client::new(
        rt::Runtime::new(s.builder("ak", "cid", "secret")).expect("client"),
        tenant,
    );
    st.crm().customers().get_list().await.expect("a page");
    let all = spans.0.lock().expect("lock").clone();
    let got = all
        .values()
        .find(|f| {
            f.iter()
                .any(|(n, v)| n == "servicetitan.tenant" && *v == tenant.to_string())
        })
        .unwrap_or_else(|| panic!("no request span for tenant {tenant}: {all:?}"));
    let value = |name: &str| {
        got.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no field {name} in {got:?}"))
    };
    assert_eq!(value("http.request.method"), "GET");
    assert_eq!(value("url.template"), "/crm/v2/tenant/{tenant}/customers");
    assert_eq!(value("server.address"), "127.0.0.1");
    assert_eq!(value("http.response.status_code"), "200");
    assert_eq!(value("servicetitan.operation"), "Customers_GetList");
    assert_eq!(value("otel.kind"), "client");
    assert_eq!(value("http.request.resend_count"), "0");
}
