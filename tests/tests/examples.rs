//! The two examples, run as real processes (`cargo run --example`) against a loopback
//! server that answers one 429 and revokes the token mid-run: every record arrives,
//! exactly once; the export's second run prints only what changed.

use serde_json::json;
use servicetitan_tests::{workspace_root, MockServer, Recorded, Reply};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// A token server whose first token is revoked after `revoke_after` API calls, and which
/// answers one 429 on the call numbered `throttle_at`.
struct Faults {
    calls: AtomicU64,
    tokens: AtomicU64,
    throttled: AtomicBool,
    revoke_after: u64,
    throttle_at: u64,
}

impl Faults {
    fn new(throttle_at: u64, revoke_after: u64) -> Arc<Self> {
        Arc::new(Faults {
            calls: AtomicU64::new(0),
            tokens: AtomicU64::new(0),
            throttled: AtomicBool::new(false),
            revoke_after,
            throttle_at,
        })
    }
    /// `Some(reply)` when this call is answered by a fault.
    fn handle(&self, r: &Recorded) -> Option<Reply> {
        if r.path == "/connect/token" {
            let n = self.tokens.fetch_add(1, Ordering::SeqCst) + 1;
            return Some(Reply::json(
                200,
                json!({"access_token": format!("tok{n}"), "expires_in": 900}),
            ));
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.revoke_after && r.header("authorization") == Some("Bearer tok1") {
            return Some(Reply::json(401, json!({"title": "token revoked"})));
        }
        if n == self.throttle_at && !self.throttled.swap(true, Ordering::SeqCst) {
            return Some(
                Reply::json(429, json!({"title": "slow down"})).header("retry-after", "1"),
            );
        }
        None
    }
}

fn ids(stdout: &str) -> Vec<i64> {
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json line")["id"]
                .as_i64()
                .expect("id")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_customers_survives_429_and_revoked_token() {
    let faults = Faults::new(3, 4);
    let f = faults.clone();
    let server = MockServer::start(move |r| {
        if let Some(reply) = f.handle(r) {
            return reply;
        }
        let page: i64 = r
            .query_value("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let size: i64 = r
            .query_value("pageSize")
            .and_then(|p| p.parse().ok())
            .unwrap_or(50);
        let (start, end) = ((page - 1) * size, (page * size).min(237));
        let data: Vec<_> = (start..end)
            .map(|i| json!({"id": i + 1, "name": format!("C{}", i + 1)}))
            .collect();
        Reply::json(
            200,
            json!({"page": page, "pageSize": size, "hasMore": end < 237, "data": data}),
        )
    })
    .await;
    let (stdout, stderr) = tokio::task::spawn_blocking({
        let url = server.url();
        let s = MockServerRef(url);
        move || s.run("list_customers", &["--page-size", "50"])
    })
    .await
    .expect("join");
    let got = ids(&stdout);
    assert_eq!(
        got,
        (1..=237).collect::<Vec<_>>(),
        "every customer once, in order"
    );
    assert!(stderr.contains("237 customers"), "{stderr}");
    assert!(
        faults.throttled.load(Ordering::SeqCst),
        "the 429 was answered"
    );
    assert_eq!(
        faults.tokens.load(Ordering::SeqCst),
        2,
        "one refresh after the revocation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_customers_resumes_from_its_state_file() {
    let faults = Faults::new(2, 3);
    let f = faults.clone();
    let changed = Arc::new(AtomicBool::new(false));
    let ch = changed.clone();
    let server = MockServer::start(move |r| {
        if let Some(reply) = f.handle(r) {
            return reply;
        }
        let from = r.query_value("from").unwrap_or_default();
        let start: i64 = from
            .strip_prefix('t')
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let total = if ch.load(Ordering::SeqCst) { 355 } else { 350 };
        let end = (start + 100).min(total);
        let data: Vec<_> = (start..end).map(|i| json!({"id": i + 1})).collect();
        Reply::json(
            200,
            json!({"hasMore": end < total, "continueFrom": format!("t{end}"), "data": data}),
        )
    })
    .await;
    let dir = std::env::temp_dir().join(format!("st-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let state = dir.join("customers.token");
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_string_lossy().into_owned();

    let s = MockServerRef(server.url());
    let a = state_arg.clone();
    let (first, _) =
        tokio::task::spawn_blocking(move || s.run("export_customers", &["--state", &a]))
            .await
            .expect("join");
    let first = ids(&first);
    assert_eq!(first.len(), 350);
    assert_eq!(
        first.iter().collect::<BTreeSet<_>>().len(),
        350,
        "no record twice"
    );
    assert_eq!(
        std::fs::read_to_string(&state).expect("state written"),
        "t350"
    );

    // Five records change; the second run prints only those.
    changed.store(true, Ordering::SeqCst);
    let s = MockServerRef(server.url());
    let (second, stderr) =
        tokio::task::spawn_blocking(move || s.run("export_customers", &["--state", &state_arg]))
            .await
            .expect("join");
    assert_eq!(ids(&second), [351, 352, 353, 354, 355], "{stderr}");
    assert_eq!(std::fs::read_to_string(&state).expect("state"), "t355");
    assert!(faults.throttled.load(Ordering::SeqCst));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The server's URL, movable into a blocking task (the server stays on the runtime).
struct MockServerRef(String);

impl MockServerRef {
    fn run(&self, name: &str, args: &[&str]) -> (String, String) {
        run_example_url(&self.0, name, args)
    }
}

fn run_example_url(url: &str, name: &str, args: &[&str]) -> (String, String) {
    run_example_env(url, name, args, &[])
}

fn run_example_env(url: &str, name: &str, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(workspace_root())
        .args([
            "run",
            "--quiet",
            "-p",
            "servicetitan",
            "--example",
            name,
            "--",
        ])
        .args(args)
        .env("ST_CLIENT_ID", "cid")
        .env("ST_CLIENT_SECRET", "secret")
        .env("ST_APP_KEY", "key")
        .env("ST_TENANT_ID", "42")
        .env("ST_ENVIRONMENT", "integration")
        .env("ST_AUTH_URL", url)
        .env("ST_API_URL", url)
        .envs(env.iter().copied())
        .output()
        .expect("cargo run");
    let stdout = String::from_utf8(out.stdout).expect("utf8");
    let stderr = String::from_utf8(out.stderr).expect("utf8");
    assert!(out.status.success(), "{name} failed:\n{stderr}");
    (stdout, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_tenants_create_and_update_and_download() {
    let server = MockServer::start(|r| {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/connect/token") => {
                // Enterprise-hub credentials name tenants 1 and 2; tenant 3 has its own pair;
                // the single-tenant examples send no tenant at all.
                let ok = body.contains("tenant=1")
                    || body.contains("tenant=2")
                    || body.contains("client_id=three")
                    || !body.contains("tenant=");
                if ok {
                    Reply::json(200, json!({"access_token": "tok", "expires_in": 900}))
                } else {
                    Reply::json(400, json!({"error": "invalid_client"}))
                }
            }
            ("GET", p) if p.ends_with("/customers") => {
                let n = if p.contains("/tenant/1/") { 10 } else if p.contains("/tenant/2/") { 20 } else { 30 };
                Reply::json(200, json!({"page": 1, "pageSize": 1, "hasMore": true, "totalCount": n, "data": [{"id": 1}]}))
            }
            ("POST", "/crm/v2/tenant/42/contacts") => {
                assert_eq!(r.body_json(), json!({"name": "Ada", "title": "Engineer"}));
                Reply::json(200, json!({"id": "1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11", "name": "Ada", "title": "Engineer"}))
            }
            ("PATCH", "/crm/v2/tenant/42/contacts/1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11") => {
                assert_eq!(r.body_json(), json!({"title": null, "isArchived": false}));
                Reply::json(200, json!({"id": "1c1b8f8e-7a84-4c6e-9d3a-0f5d5d0a9e11", "name": "Ada", "title": null}))
            }
            ("GET", "/telecom/v2/tenant/42/calls/77/recording") => Reply::bytes(200, "audio/mpeg", b"ID3-audio-bytes"),
            _ => Reply::status(404),
        }
    })
    .await;
    let url = server.url();
    let dir = std::env::temp_dir().join(format!("st-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("call.mp3").to_string_lossy().into_owned();
    let (tenants, created, downloaded) = tokio::task::spawn_blocking(move || {
        let tenants = run_example_env(
            &url,
            "several_tenants",
            &["1", "2", "3"],
            &[("ST_CLIENT_ID_3", "three"), ("ST_CLIENT_SECRET_3", "s3")],
        );
        let created = run_example_url(&url, "create_and_update", &["Ada"]);
        let downloaded = run_example_url(&url, "download_recording", &["77", &file]);
        (tenants, created, downloaded)
    })
    .await
    .expect("join");
    assert_eq!(
        tenants.0, "tenant 1: 10 customers\ntenant 2: 20 customers\ntenant 3: 30 customers\n",
        "{}",
        tenants.1
    );
    assert!(
        tenants.1.contains("3 token request(s) for 3 tenant(s)"),
        "{}",
        tenants.1
    );
    assert!(
        created.0.contains("title Some(\"Engineer\")") && created.0.contains("title None"),
        "{}",
        created.0
    );
    assert!(
        downloaded.0.starts_with("15 bytes (audio/mpeg)"),
        "{}",
        downloaded.0
    );
    assert_eq!(
        std::fs::read(dir.join("call.mp3")).expect("file"),
        b"ID3-audio-bytes"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
