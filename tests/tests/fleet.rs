//! Several processes, one budget: the shared rate limiter and token cache (runtime
//! feature `redis`) against a real `redis-server` on loopback and the stand-in
//! ServiceTitan, which refuses (429) what the API's limit of 60 calls a second per tenant
//! refuses. Workers are separate processes (`src/bin/fleet_worker.rs`), configured from
//! `ST_*` variables as a user's program is.

use serde_json::Value;
use servicetitan::runtime as rt;
use servicetitan_mock::{Fault, MockServer, Settings, Target};
use servicetitan_tests::fleet::{self, finish};
use servicetitan_tests::redis::RedisServer;
use std::time::{Duration, Instant};

const TENANT: i64 = 42;
const OTHER_TENANT: i64 = 43;

async fn mock() -> MockServer {
    MockServer::start(Settings {
        records: 5,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts")
}

fn worker(m: &MockServer, tenant: i64, redis: Option<&str>) -> tokio::process::Command {
    fleet::worker(env!("CARGO_BIN_EXE_fleet_worker"), m, tenant, redis)
}

fn sum(lines: &[Value], field: &str) -> u64 {
    lines.iter().map(|l| l[field].as_u64().unwrap_or(0)).sum()
}

/// Calls a second over the run: (calls - 1) / (last - first).
fn rate(calls: &[(Instant, u16)]) -> f64 {
    let span = calls.last().expect("calls").0 - calls[0].0;
    (calls.len() - 1) as f64 / span.as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_share_one_rate_budget_and_one_token_per_tenant() {
    let redis = RedisServer::start();
    let m = mock().await;
    let url = redis.url();
    // Three processes on one tenant, one on another, each with four tasks calling as
    // fast as the client lets them.
    let mut workers = Vec::new();
    for tenant in [TENANT, TENANT, TENANT, OTHER_TENANT] {
        let mut c = worker(&m, tenant, Some(&url));
        c.env("FLEET_SECONDS", "3");
        workers.push(c.spawn().expect("the worker starts"));
    }
    let lines = finish(workers).await;
    assert_eq!(sum(&lines, "errors"), 0, "{lines:?}");
    assert_eq!(sum(&lines, "shared_fallbacks"), 0, "{lines:?}");
    for tenant in [TENANT, OTHER_TENANT] {
        let calls = fleet::calls_of(&m, tenant);
        let refused = calls.iter().filter(|c| c.1 == 429).count();
        assert_eq!(
            refused, 0,
            "tenant {tenant}: the shared limiter keeps the API's limit"
        );
        let r = rate(&calls);
        assert!(
            (57.0..=59.5).contains(&r),
            "tenant {tenant}: {r:.2} calls a second, the whole budget and no more"
        );
    }
    // One token per tenant for the whole fleet.
    assert_eq!(sum(&lines, "token_requests"), 2, "{lines:?}");
    assert_eq!(m.tokens_issued(), 2);

    // The same fleet without Redis: each process keeps the limit alone, so together
    // they exceed it, and each fetches its own token.
    m.clear_requests();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let mut c = worker(&m, TENANT, None);
        c.env("FLEET_SECONDS", "2");
        workers.push(c.spawn().expect("the worker starts"));
    }
    let lines = finish(workers).await;
    let refused = fleet::calls_of(&m, TENANT)
        .iter()
        .filter(|c| c.1 == 429)
        .count();
    assert!(refused > 0, "two processes alone exceed the tenant's limit");
    assert_eq!(sum(&lines, "token_requests"), 2);
}

fn shared_client(m: &MockServer, settings: rt::RedisSettings) -> servicetitan::Client {
    let client = rt::Runtime::new(m.builder().redis(settings)).expect("client");
    servicetitan::Client::new(client, TENANT)
}

async fn call(st: &servicetitan::Client) {
    st.crm()
        .customers()
        .get_list()
        .page_size(1)
        .await
        .expect("the call succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_forgotten_by_the_whole_fleet() {
    let redis = RedisServer::start();
    let m = mock().await;
    let settings = rt::RedisSettings::new(redis.url()).expect("url");
    // Two clients with their own caches: two processes, as far as tokens go.
    let (a, b) = (
        shared_client(&m, settings.clone()),
        shared_client(&m, settings),
    );
    call(&a).await;
    call(&b).await;
    assert_eq!(m.tokens_issued(), 1);
    let key = format!("servicetitan:token:{TENANT}:{}", m.settings().client_id);
    let first = redis.cli(&["HGET", &key, "token"]);
    assert!(first.starts_with("mock-token-"), "{first}");

    // The API stops accepting the token: the next call (a's) gets a 401, and a fetches
    // the next token for everyone.
    m.on(Target::path("/crm/"), [Fault::RevokeToken]);
    call(&a).await;
    assert_eq!(m.tokens_issued(), 2);
    let second = redis.cli(&["HGET", &key, "token"]);
    assert_ne!(second, first);
    m.clear_requests();
    call(&b).await;
    let sent = m.requests();
    assert_eq!(
        sent.len(),
        1,
        "b sends once, with the new token: no 401 first"
    );
    assert_eq!(sent[0].status, 200);
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {second}").as_str())
    );
    let counts = (a.runtime().client().counts(), b.runtime().client().counts());
    assert_eq!((counts.0.token_requests, counts.1.token_requests), (2, 0));
    let ttl: i64 = redis.cli(&["PTTL", &key]).parse().expect("PTTL");
    assert!(ttl > 0, "the fleet's token expires with the token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_killed_while_fetching_does_not_block_the_fleet() {
    let redis = RedisServer::start();
    let m = mock().await;
    // The token endpoint hangs: the first process takes the tenant's lock and waits.
    m.on(Target::Token, [Fault::Delay(Duration::from_secs(60))]);
    let mut holder = worker(&m, TENANT, Some(&redis.url()));
    holder
        .env("FLEET_CALLS", "1")
        .env("FLEET_LOCK_TTL_MS", "1500");
    let mut holder = holder.spawn().expect("the worker starts");
    let lock = format!(
        "servicetitan:token-lock:{TENANT}:{}",
        m.settings().client_id
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while redis.cli(&["EXISTS", &lock]) != "1" {
        assert!(Instant::now() < deadline, "the worker never took the lock");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    holder.kill().await.expect("kill -9 the holder");
    m.clear_faults();

    // Another process waits for the dead holder's lock to expire, then fetches.
    let started = Instant::now();
    let st = shared_client(&m, rt::RedisSettings::new(redis.url()).expect("url"));
    call(&st).await;
    let waited = started.elapsed();
    assert_eq!(st.runtime().client().counts().token_requests, 1);
    assert!(
        waited < Duration::from_secs(10),
        "the lock expired after its 1.5 s: waited {waited:?}"
    );
    assert_eq!(redis.cli(&["EXISTS", &lock]), "0", "the lock is released");
}

#[tokio::test(flavor = "current_thread")]
async fn calls_go_on_when_redis_freezes_or_stops_and_share_again_when_it_is_back() {
    let password = "redis-pass-3f9a";
    let logs = servicetitan_tests::scan_logs(&[password, "mock-client-secret", "mock-token-"]);
    let mut redis = RedisServer::with_password(password);
    let m = mock().await;
    let settings = rt::RedisSettings::new(redis.url())
        .expect("url")
        .prefix("acme")
        .timeout(Duration::from_millis(200));
    assert!(!format!("{settings:?}").contains(password));
    let st = shared_client(&m, settings);
    let counts = || st.runtime().client().counts();
    for _ in 0..3 {
        call(&st).await;
    }
    assert_eq!(counts().shared_fallbacks, 0, "AUTH with the URL's password");
    let keys = redis.cli(&["KEYS", "acme:*"]);
    assert!(keys.contains("acme:token:42:"), "{keys}");
    assert!(keys.contains("acme:rate:"), "{keys}");

    // Frozen: Redis takes connections and answers nothing. The call waits no longer
    // than the timeout for it, then goes on alone.
    redis.signal("STOP");
    let started = Instant::now();
    call(&st).await;
    let frozen = started.elapsed();
    redis.signal("CONT");
    assert!(counts().shared_fallbacks > 0);
    assert!(frozen < Duration::from_secs(5), "{frozen:?}");
    assert!(logs.contains("Redis is unavailable"), "one warning says so");

    // Gone: calls go on with the process's own limiter and token.
    let port = redis.port();
    redis.stop();
    let before = counts().shared_fallbacks;
    for _ in 0..3 {
        call(&st).await;
    }
    assert!(counts().shared_fallbacks > before);
    assert_eq!(m.tokens_issued(), 1, "the fleet's last token is kept");

    // Back (empty): after a second, the client shares again.
    let _redis = RedisServer::start_on(port, Some(password));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    call(&st).await;
    let settled = counts().shared_fallbacks;
    call(&st).await;
    call(&st).await;
    assert_eq!(counts().shared_fallbacks, settled, "Redis is used again");
    assert!(logs.contains("Redis answers again"));
    let keys = _redis.cli(&["KEYS", "acme:*"]);
    assert!(
        keys.contains("acme:token:42:"),
        "the token is shared again: {keys}"
    );

    // A wrong password is a fallback too, never a failed call, and is not logged.
    let wrong = format!("redis://:wrong-password@127.0.0.1:{port}/");
    let st = shared_client(&m, rt::RedisSettings::new(wrong).expect("url"));
    call(&st).await;
    assert!(st.runtime().client().counts().shared_fallbacks > 0);
    assert!(!logs.contains("wrong-password"));
    logs.check_and_clear();
}

/// Every call counts its process among those sharing the tenant's budget; when Redis
/// fails, each process keeps to its share of the budget (the limit divided by their
/// number) instead of the whole of it, so the fleet alone still keeps within the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_each_process_keeps_to_its_share_of_the_budget() {
    let mut redis = RedisServer::start();
    let m = mock().await;
    let limit = rt::RateLimit::new(10, Duration::from_secs(1));
    let client = || {
        let settings = rt::RedisSettings::new(redis.url())
            .expect("url")
            .timeout(Duration::from_millis(200));
        let b = m.builder().redis(settings).rate_limit(Some(limit));
        servicetitan_tests::typed_client(b, TENANT)
    };
    let (a, b) = (client(), client());
    // Each learns the fleet's size at its calls: a's second call sees b.
    for st in [&a, &b, &a] {
        call(st).await;
    }
    let fleet = format!("servicetitan:fleet:{}:{TENANT}", m.settings().client_id);
    assert_eq!(
        redis.cli(&["ZCARD", &fleet]),
        "2",
        "two clients share the budget"
    );
    let ttl: i64 = redis.cli(&["PTTL", &fleet]).parse().expect("a number");
    assert!(ttl > 0 && ttl <= 30_000, "membership lapses: {ttl} ms");

    redis.stop();
    let before = fleet::calls_of(&m, TENANT).len();
    for _ in 0..15 {
        call(&a).await;
    }
    assert!(a.runtime().client().counts().shared_fallbacks > 0);
    let calls = fleet::calls_of(&m, TENANT);
    let alone = &calls[before..];
    assert_eq!(alone.len(), 15);
    // Half of 10 a second: 5 at once, then one every 200 ms, 2 s for 15 calls; the
    // whole budget would take 0.5 s (10 at once, then one every 100 ms).
    let span = alone[14].0 - alone[0].0;
    assert!(
        span >= Duration::from_millis(1_700),
        "15 calls at a share of 5 a second took {span:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_checks_the_servers_certificate_against_the_trust_store() {
    let redis = RedisServer::with_tls();
    let ca = redis.ca().expect("a TLS server").to_path_buf();
    let m = mock().await;
    // Trusted (the authority in the trust store, here by SSL_CERT_FILE): shared.
    let mut trusted = worker(&m, TENANT, Some(&redis.url()));
    trusted.env("FLEET_CALLS", "5").env("SSL_CERT_FILE", &ca);
    let lines = finish(vec![trusted.spawn().expect("the worker starts")]).await;
    assert_eq!(sum(&lines, "errors"), 0, "{lines:?}");
    assert_eq!(
        sum(&lines, "shared_fallbacks"),
        0,
        "TLS to Redis: {lines:?}"
    );
    let key = format!("servicetitan:token:{TENANT}:{}", m.settings().client_id);
    assert_eq!(redis.cli(&["EXISTS", &key]), "1");
    // Not trusted (a trust store with another authority only; the HTTP client needs one
    // to start): never shared, calls still made.
    let other = std::env::temp_dir().join(format!("st-other-ca-{}", std::process::id()));
    std::fs::create_dir_all(&other).expect("a folder for another authority");
    let other_ca = servicetitan_tests::redis::make_certificates(&other);
    let mut untrusted = worker(&m, TENANT, Some(&redis.url()));
    untrusted
        .env("FLEET_CALLS", "2")
        .env("SSL_CERT_FILE", &other_ca)
        .env("SSL_CERT_DIR", &other);
    let lines = finish(vec![untrusted.spawn().expect("the worker starts")]).await;
    let _ = std::fs::remove_dir_all(&other);
    assert_eq!(sum(&lines, "errors"), 0, "{lines:?}");
    assert!(sum(&lines, "shared_fallbacks") > 0, "{lines:?}");
}

#[test]
fn redis_is_configured_from_code_or_the_environment_and_never_shows_its_password() {
    let bad = rt::RedisSettings::new("http://127.0.0.1:6379").expect_err("not a Redis URL");
    assert!(bad.to_string().contains("redis, rediss or unix"), "{bad}");
    // Configured from the environment: ST_REDIS_URL, ST_REDIS_PREFIX.
    let vars = [
        ("ST_CLIENT_ID", "cid"),
        ("ST_CLIENT_SECRET", "secret"),
        ("ST_APP_KEY", "key"),
        ("ST_TENANT_ID", "42"),
        ("ST_ENVIRONMENT", "integration"),
        ("ST_REDIS_URL", "rediss://:hunter2@redis.internal:6380/2"),
        ("ST_REDIS_PREFIX", "acme"),
    ];
    let config = rt::Config::from_lookup(|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    })
    .expect("config");
    let shown = format!("{:?}", config.into_builder());
    assert!(shown.contains("rediss://redis.internal:6380"), "{shown}");
    assert!(shown.contains("\"acme\""), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}
