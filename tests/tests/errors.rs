//! What programs branch on, without matching `ErrorKind`: the status, how long to wait,
//! the API's validation errors by field, throttled, refused credentials, and the error
//! underneath (`source()`), against a loopback server.

use serde_json::json;
use servicetitan::ids::CustomerId;
use servicetitan::runtime::{RetryPolicy, RuntimeBuilder};
use servicetitan::Client;
use servicetitan_tests::{Reply, ScriptedServer};
use std::error::Error as _;
use std::time::Duration;

use servicetitan_tests::{APP_KEY, SECRET};

fn client(b: RuntimeBuilder) -> Client {
    servicetitan_tests::typed_client(b.retry(RetryPolicy::none()), 42)
}

#[tokio::test]
async fn validation_errors_by_field() {
    let _logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "token-"]);
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(
            400,
            json!({"title": "One or more validation errors occurred.", "status": 400,
                   "errors": {"name": ["The Name field is required."],
                              "locations[0].address.zip": ["Not a zip code.", "Too long."]}}),
        )
    })
    .await;
    let st = client(server.builder(APP_KEY, "cid", SECRET));
    let body = servicetitan::crm::UpdateCustomerRequest::default();
    let err = st
        .crm()
        .customers()
        .update(CustomerId::new(7), body)
        .await
        .expect_err("400");
    assert_eq!(err.status(), Some(400));
    assert!(err.is_validation());
    assert!(!err.is_throttled() && !err.is_auth() && !err.is_not_found());
    let fields: Vec<(&str, &[String])> = err.validation_errors().collect();
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert_eq!(fields[0].0, "locations[0].address.zip");
    assert_eq!(fields[0].1, ["Not a zip code.", "Too long."]);
    assert_eq!(
        fields[1],
        ("name", &["The Name field is required.".to_string()][..])
    );
    assert!(
        err.source().is_none(),
        "an API answer has nothing underneath"
    );
}

#[tokio::test]
async fn throttled_says_how_long_to_wait() {
    let server = ScriptedServer::with_token("", |_| {
        Reply::json(429, json!({"title": "Too many requests"})).header("retry-after", "7")
    })
    .await;
    let st = client(server.builder(APP_KEY, "cid", SECRET));
    let err = st
        .crm()
        .customers()
        .get(CustomerId::new(1))
        .await
        .expect_err("429");
    assert!(err.is_throttled() && err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(!err.is_validation());
    assert_eq!(err.validation_errors().count(), 0);
}

#[tokio::test]
async fn refused_credentials_and_tokens_are_auth() {
    let refused = ScriptedServer::start(|r| {
        if r.path == "/connect/token" {
            Reply::json(400, json!({"error": "invalid_client"}))
        } else {
            Reply::empty_page()
        }
    })
    .await;
    let st = client(refused.builder(APP_KEY, "cid", SECRET));
    let err = st.crm().customers().get_list().await.expect_err("refused");
    assert!(err.is_auth(), "{err}");
    let forbidden = ScriptedServer::with_token("", |_| Reply::status(403)).await;
    let st = client(forbidden.builder(APP_KEY, "cid", SECRET));
    let err = st.crm().customers().get_list().await.expect_err("403");
    assert!(err.is_auth() && err.status() == Some(403), "{err}");
    let missing = ScriptedServer::with_token("", |_| Reply::status(404)).await;
    let st = client(missing.builder(APP_KEY, "cid", SECRET));
    let err = st
        .crm()
        .customers()
        .get(CustomerId::new(9))
        .await
        .expect_err("404");
    assert!(err.is_not_found() && !err.is_auth());
}

#[tokio::test]
async fn a_transport_error_keeps_the_error_underneath() {
    // A port nothing listens on: the connection is refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let b = servicetitan_tests::builder_at(url.clone(), url.clone(), APP_KEY, "cid", SECRET);
    let st = client(b);
    let err = st.crm().customers().get_list().await.expect_err("refused");
    let source = err.source().expect("the error underneath");
    let mut chain = vec![source.to_string()];
    let mut next = source.source();
    while let Some(s) = next {
        chain.push(s.to_string());
        next = s.source();
    }
    assert!(
        chain.len() >= 2,
        "the chain goes down to the socket: {chain:?}"
    );
    let text = chain.join(": ").to_ascii_lowercase();
    assert!(
        text.contains("connect") || text.contains("refused"),
        "{text}"
    );
    assert!(!format!("{err:?}").contains(SECRET));
    assert!(!text.contains(&url), "no URL in the chain: {text}");
}
