//! Secrets (client secret, access token, app key) never appear in what the runtime logs
//! at trace level, nor in any error's `Display` or `Debug`, nor in `Debug` of the client.

use serde_json::json;
use servicetitan::runtime::{self as rt, RetryPolicy};
use servicetitan::Client;
use servicetitan_tests::{Reply, ScriptedServer};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use servicetitan_tests::{APP_KEY, SECRET};
const TOKEN: &str = "eyJ-access-token-value";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_logs_errors_or_debug() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = ScriptedServer::start(|r| match (r.path.as_str(), r.header("authorization")) {
        ("/connect/token", _) => {
            Reply::json(200, json!({"access_token": TOKEN, "expires_in": 900}))
        }
        (_, Some(a)) if a.ends_with(TOKEN) && r.query.contains("page=1") => Reply::json(
            200,
            json!({"page": 1, "pageSize": 50, "hasMore": false, "data": [{"id": "bad"}]}),
        ),
        (_, Some(_)) if r.query.contains("page=2") => {
            Reply::json(400, json!({"title": "Bad", "errors": {"x": ["y"]}}))
        }
        (_, Some(_)) if r.query.contains("page=3") => {
            Reply::bytes(500, "text/html", b"<html>oops</html>")
        }
        _ => Reply::status(404).delayed(Duration::from_millis(300)),
    })
    .await;
    let b = server
        .builder(APP_KEY, "cid", SECRET)
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_attempts(2),
        )
        .timeout(Duration::from_millis(150));
    let runtime = rt::Runtime::new(b.clone()).expect("client");
    let st = Client::new(runtime.clone(), 42);
    let mut texts = vec![format!("{b:?}"), format!("{runtime:?}"), format!("{st:?}")];
    for page in 1..=4 {
        let err = st
            .crm()
            .customers()
            .get_list()
            .page(page)
            .await
            .expect_err("every call fails");
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
    }
    // A refused token request, too.
    let bad = ScriptedServer::start(|_| {
        Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "bad"}),
        )
    })
    .await;
    let st = Client::new(
        rt::Runtime::new(bad.builder(APP_KEY, "cid", SECRET)).expect("client"),
        1,
    );
    let err = st.crm().customers().get_list().await.expect_err("refused");
    texts.push(err.to_string());
    texts.push(format!("{err:?}"));

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    assert!(
        logs.contains("servicetitan.request"),
        "tracing captured the request spans"
    );
    texts.push(logs);
    for t in &texts {
        for secret in [SECRET, APP_KEY, TOKEN] {
            assert!(!t.contains(secret), "a secret leaked into:\n{t}");
        }
    }
}
