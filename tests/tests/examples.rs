//! The examples, run as real processes (`cargo run --example`) against the stand-in
//! ServiceTitan (`servicetitan-mock`), started as the README says or in process: a list
//! that meets a 429 and a token revoked mid-run delivers every record exactly once; the
//! export's second run prints only what changed.
//! The last test keeps the hand-written server: it checks exact request bodies across
//! several credentials.

use serde_json::json;
use servicetitan_mock::{Fault, MockServer as StandIn, Settings, Target};
use servicetitan_tests::{workspace_root, Reply, ScriptedServer};
use std::collections::BTreeSet;

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

/// The stand-in with the examples' credentials, `records` customers, and tenant 42.
async fn stand_in(records: usize) -> StandIn {
    StandIn::start(Settings {
        client_id: "cid".into(),
        client_secret: "secret".into(),
        app_key: "key".into(),
        tenants: vec![42],
        records,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts")
}

/// A child process killed when dropped, even by a failed assertion.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The README's commands: the stand-in started with `cargo run -p servicetitan-mock`
/// (on a free port rather than 8080), the example run with its URLs and credentials.
#[test]
fn list_customers_against_the_stand_in_binary_survives_429_and_revoked_token() {
    use std::io::{BufRead, Read};
    let mut mock = Killed(
        std::process::Command::new(env!("CARGO"))
            .current_dir(workspace_root())
            .args(["run", "--quiet", "-p", "servicetitan-mock", "--"])
            .args([
                "--port",
                "0",
                "--tenant",
                "42",
                "--records",
                "1200",
                "--log",
            ])
            .args(["--fault", "Customers_GetList=ok,429,revoke"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("cargo run -p servicetitan-mock"),
    );
    let mut ready = String::new();
    std::io::BufReader::new(mock.0.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("the ready line");
    let url = ready
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ST_API_URL="))
        .unwrap_or_else(|| panic!("no URL in the ready line: {ready:?}"))
        .to_string();
    let (stdout, stderr) = run_example_env(
        &url,
        "list_customers",
        &[],
        &[
            ("ST_CLIENT_ID", "mock-client-id"),
            ("ST_CLIENT_SECRET", "mock-client-secret"),
            ("ST_APP_KEY", "mock-app-key"),
        ],
    );
    mock.0.kill().expect("stop the stand-in");
    let mut log = String::new();
    mock.0
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("its log");
    let _ = mock.0.wait();
    assert_eq!(
        ids(&stdout),
        (1..=1200).collect::<Vec<_>>(),
        "every customer once, in order"
    );
    assert!(stderr.contains("1200 customers"), "{stderr}");
    let answered: Vec<&str> = log
        .lines()
        .filter(|l| l.ends_with("(Customers_GetList)"))
        .map(|l| l.split(" -> ").nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        answered,
        [
            "200 (Customers_GetList)",
            "429 (Customers_GetList)",
            "401 (Customers_GetList)",
            "200 (Customers_GetList)",
            "200 (Customers_GetList)"
        ],
        "{log}"
    );
    let tokens = log
        .lines()
        .filter(|l| l.starts_with("POST /connect/token -> 200"))
        .count();
    assert_eq!(tokens, 2, "one refresh after the revocation:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_customers_resumes_from_its_state_file() {
    let server = stand_in(350).await;
    server.on(
        Target::operation("ExportCustomers_GetCustomers"),
        [Fault::Pass, Fault::RateLimited(1), Fault::RevokeToken],
    );
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
    let token = std::fs::read_to_string(&state).expect("state written");

    // Five customers are created; the second run prints only those.
    let st = servicetitan::Client::new(
        servicetitan::runtime::Runtime::new(server.builder()).expect("client"),
        42,
    );
    let mut body = server
        .sample_inputs("crm", "Customers_Create")
        .expect("inputs")
        .remove(0);
    for n in 0..5 {
        body["name"] = json!(format!("New customer {n}"));
        let request = serde_json::from_value(body.clone()).expect("request");
        st.crm()
            .customers()
            .create(request)
            .send()
            .await
            .expect("created");
    }
    let s = MockServerRef(server.url());
    let (second, stderr) =
        tokio::task::spawn_blocking(move || s.run("export_customers", &["--state", &state_arg]))
            .await
            .expect("join");
    assert_eq!(ids(&second), [351, 352, 353, 354, 355], "{stderr}");
    let resumed = std::fs::read_to_string(&state).expect("state");
    assert_ne!(resumed, token, "the state file moved on");
    assert!(server.requests().iter().any(|r| r.status == 429));
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
    let server = ScriptedServer::start(|r| {
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
