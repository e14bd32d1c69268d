//! What the stand-in server does that a client depends on, one test per behaviour: on the
//! wire (raw HTTP, so that statuses, headers and bodies are seen as sent) and through the
//! generated client.

use serde_json::json;
use servicetitan_mock::model::Place;
use servicetitan_mock::{MockServer, Settings};
use std::time::Duration;

mod common;
use common::wire::{token_request, Got, Wire, CUSTOMERS};
use common::{mock, typed};

/// The path of operation `o` for tenant 1, its path parameters filled with the mock's
/// sample inputs.
fn concrete_path(m: &MockServer, o: &servicetitan_mock::model::Operation) -> String {
    let inputs = m.sample_inputs(&o.module, &o.id).expect("inputs");
    let mut path = format!(
        "{}{}",
        m.api().domain(&o.module).expect("domain").prefix,
        o.path.replace("{tenant}", "1")
    );
    let params = o.params.iter().filter(|p| p.place == Place::Path);
    for (p, v) in params.zip(&inputs) {
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        path = path.replace(&format!("{{{}}}", p.wire), &text);
    }
    path
}

#[tokio::test]
async fn tokens_follow_client_credentials_and_every_call_needs_one_and_the_app_key() {
    let m = mock(Settings {
        token_life: Duration::from_secs(60),
        ..Settings::default()
    })
    .await;
    let http = servicetitan_runtime::http_builder()
        .expect("http")
        .build()
        .expect("http");
    let bad = token_request(&http, &m.url(), "mock-client-id", "wrong").await;
    assert_eq!(
        (bad.status, bad.json["error"].as_str()),
        (400, Some("invalid_client"))
    );
    let good = token_request(&http, &m.url(), "mock-client-id", "mock-client-secret").await;
    assert_eq!(good.status, 200);
    assert_eq!(good.json["expires_in"], 60);
    assert_eq!(good.json["token_type"], "Bearer");

    let w = Wire::new(&m).await;
    assert_eq!(w.send("GET", CUSTOMERS, None).await.status, 200);
    let no_token = http
        .get(format!("{}{CUSTOMERS}", m.url()))
        .header("st-app-key", "mock-app-key")
        .send()
        .await
        .expect("answer");
    assert_eq!(no_token.status(), 401);
    assert!(no_token.headers().contains_key("www-authenticate"));
    let forged = Wire {
        token: "mock-token-forged".into(),
        ..Wire::new(&m).await
    };
    assert_eq!(forged.send("GET", CUSTOMERS, None).await.status, 401);
    let no_key = Wire {
        app_key: "another-app".into(),
        ..Wire::new(&m).await
    };
    let got = no_key.send("GET", CUSTOMERS, None).await;
    assert_eq!(got.status, 401);
    assert!(got.text.contains("ST-App-Key"), "{}", got.text);
}

#[tokio::test]
async fn tenants_and_scopes_not_granted_are_forbidden() {
    let m = mock(Settings {
        tenants: vec![1],
        scopes: Some(vec!["tn.crm.customers:r".into()]),
        ..Settings::default()
    })
    .await;
    let w = Wire::new(&m).await;
    assert_eq!(w.send("GET", CUSTOMERS, None).await.status, 200);
    assert_eq!(
        w.send("GET", "/crm/v2/tenant/2/customers", None)
            .await
            .status,
        403
    );
    let jobs = w.send("GET", "/jpm/v2/tenant/1/jobs", None).await;
    assert_eq!(jobs.status, 403);
    assert!(jobs.text.contains("tn.jpm.jobs:r"), "{}", jobs.text);
    // The client reads the granted scopes from the token, and refuses before sending.
    let e = typed(&m, 1)
        .jpm()
        .jobs()
        .get_list()
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("tn.jpm.jobs:r"), "{e}");
}

#[tokio::test]
async fn requests_are_validated_against_the_documents_and_errors_name_the_field() {
    let m = mock(Settings::default()).await;
    let w = Wire::new(&m).await;
    assert_eq!(
        w.send("GET", "/crm/v2/tenant/1/nothing-here", None)
            .await
            .status,
        404
    );
    let wrong = w.send("PUT", CUSTOMERS, None).await;
    assert_eq!(wrong.status, 405);
    assert!(wrong.header("allow").contains("GET"), "{:?}", wrong.headers);

    let bad_id = w.send("GET", "/crm/v2/tenant/1/customers/abc", None).await;
    assert_eq!(bad_id.status, 400);
    assert_eq!(bad_id.error_fields(), ["id"]);
    assert_eq!(bad_id.json["status"], 400);
    assert!(bad_id.json["traceId"].is_string());

    let bad_query = w
        .send(
            "GET",
            &format!("{CUSTOMERS}?page=0&modifiedOnOrAfter=yesterday&active=Maybe"),
            None,
        )
        .await;
    assert_eq!(bad_query.status, 400);
    let mut fields = bad_query.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["active", "modifiedOnOrAfter"],
        "{}",
        bad_query.text
    );
    let too_big = w
        .send("GET", &format!("{CUSTOMERS}?pageSize=5001"), None)
        .await;
    assert_eq!(
        (too_big.status, too_big.error_fields()),
        (400, vec!["pageSize".to_string()])
    );

    // A required query parameter (reporting's report data needs none; jpm's job history
    // lists by job id in the path): a missing required one is named.
    let required = m
        .api()
        .operations()
        .find(|o| {
            o.method == "GET"
                && o.params
                    .iter()
                    .any(|p| p.required && p.place == Place::Query)
                && !o.path.contains("{id}")
                && o.params.iter().all(|p| p.place != Place::Path)
        })
        .expect("an operation with a required query parameter");
    let prefix = &m.api().domain(&required.module).expect("domain").prefix;
    let path = required.path.replace("{tenant}", "1");
    let missing = w.send("GET", &format!("{prefix}{path}"), None).await;
    let name = &required
        .params
        .iter()
        .find(|p| p.required && p.place == Place::Query)
        .expect("param")
        .wire;
    assert_eq!(missing.status, 400, "{}", missing.text);
    assert!(missing.error_fields().contains(name), "{}", missing.text);

    let mut body = m.sample_inputs("crm", "Customers_Create").expect("inputs")[0].clone();
    assert_eq!(w.send("POST", CUSTOMERS, Some(&body)).await.status, 200);
    body.as_object_mut().expect("object").remove("name");
    body["type"] = json!("Martian");
    body["locations"][0]["address"]["zip"] = json!(12345);
    let refused = w.send("POST", CUSTOMERS, Some(&body)).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.error_fields(),
        ["locations[0].address.zip", "name", "type"],
        "{}",
        refused.text
    );
    let not_an_object = w.send("POST", CUSTOMERS, Some(&json!([1]))).await;
    assert_eq!(
        not_an_object.error_fields(),
        ["$"],
        "{}",
        not_an_object.text
    );
}

#[tokio::test]
async fn the_rate_limits_answer_429_with_retry_after() {
    let m = mock(Settings::default()).await;
    let w = Wire::new(&m).await;
    // 150 at once: even on a loaded machine they arrive within the 1.5 s in which a window
    // of a second admits 90 more; what is accepted never exceeds 60 a started second.
    let t0 = std::time::Instant::now();
    let statuses = futures_util::future::join_all(
        (0..150).map(|_| w.send("GET", "/crm/v2/tenant/1/customers?pageSize=1", None)),
    )
    .await;
    let elapsed = t0.elapsed().as_secs_f64();
    let limited: Vec<&Got> = statuses.iter().filter(|g| g.status == 429).collect();
    let accepted = statuses.iter().filter(|g| g.status == 200).count();
    assert!(
        !limited.is_empty(),
        "150 calls at once ({elapsed:.2} s) stay under 60 a second"
    );
    assert_eq!(accepted + limited.len(), 150);
    assert!(
        accepted as f64 <= 60.0 + (60.0 * elapsed).ceil(),
        "{accepted} accepted in {elapsed:.2} s"
    );
    assert_eq!(limited[0].header("retry-after"), "1");
    // Another tenant has a budget of its own.
    let other = w.send("GET", "/crm/v2/tenant/2/customers", None).await;
    assert_eq!(other.status, 200);

    // Reports: 5 runs of the same report a minute.
    let report = m
        .api()
        .operations()
        .find(|o| o.limit.is_some())
        .expect("an operation with a documented limit");
    let inputs = m.sample_inputs(&report.module, &report.id).expect("inputs");
    // Tenant 3: tenant 1 has spent its second's budget above.
    let path = concrete_path(&m, report).replacen("/tenant/1/", "/tenant/3/", 1);
    let body = inputs.last().filter(|_| report.body.is_some());
    let mut runs = Vec::new();
    for _ in 0..6 {
        runs.push(w.send(report.method.as_str(), &path, body).await);
    }
    let s: Vec<u16> = runs.iter().map(|g| g.status).collect();
    assert_eq!(s, [200, 200, 200, 200, 200, 429], "{}", runs[5].text);
    // At most 5 in any minute: the 6th waits for the 1st to leave the window.
    assert_eq!(runs[5].header("retry-after"), "60");
}

#[tokio::test]
async fn the_binary_serves_on_loopback_and_prints_one_ready_line() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_servicetitan-mock"))
        .args([
            "--port",
            "0",
            "--records",
            "3",
            "--fault",
            "Customers_GetList=503",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the mock binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("a ready line within 30 s")
        .expect("read")
        .expect("a line");
    assert!(line.starts_with("servicetitan-mock ready"), "{line}");
    assert!(line.contains("559 operations"), "{line}");
    let url = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ST_API_URL="))
        .expect("the API URL")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let http = servicetitan_runtime::http_builder()
        .expect("http")
        .build()
        .expect("http");
    let t = token_request(&http, &url, "mock-client-id", "mock-client-secret").await;
    let w = Wire {
        http,
        url,
        app_key: "mock-app-key".into(),
        token: t.json["access_token"].as_str().expect("token").into(),
    };
    assert_eq!(
        w.send("GET", CUSTOMERS, None).await.status,
        503,
        "--fault applies"
    );
    let page = w.send("GET", CUSTOMERS, None).await;
    assert_eq!(page.json["data"].as_array().map(Vec::len), Some(3));
    child.kill().await.expect("stop");
}

#[tokio::test]
async fn answers_use_the_documents_examples_where_they_fit() {
    let m = mock(Settings {
        rate_limit: false,
        ..Settings::default()
    })
    .await;
    let w = Wire::new(&m).await;
    let with_example: Vec<&servicetitan_mock::model::Operation> = m
        .api()
        .operations()
        .filter(|o| o.example.is_some() && o.method == "GET")
        .filter(|o| {
            o.params
                .iter()
                .all(|p| !p.required || p.place == Place::Path)
        })
        .collect();
    assert!(
        with_example.len() > 50,
        "{} GET operations with examples",
        with_example.len()
    );
    let mut from_example = 0;
    for o in &with_example {
        let got = w.send("GET", &concrete_path(&m, o), None).await;
        assert_eq!(got.status, 200, "{} {}", o.id, got.text);
        if Some(&got.json) == o.example.as_ref() {
            from_example += 1;
        }
    }
    // Lists and records by id are served from the state; the rest from the example.
    assert!(
        from_example > 10,
        "{from_example} of {} answered with the example",
        with_example.len()
    );
}

#[tokio::test]
async fn a_token_expires_after_its_life_and_the_client_fetches_another() {
    let m = mock(Settings {
        token_life: Duration::from_secs(1),
        ..Settings::default()
    })
    .await;
    let w = Wire::new(&m).await;
    assert_eq!(w.send("GET", CUSTOMERS, None).await.status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(w.send("GET", CUSTOMERS, None).await.status, 401, "expired");
    // The client refreshes a token before it expires: two calls a life apart, two tokens.
    let st = typed(&m, 1);
    st.crm().customers().get_list().send().await.expect("first");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    st.crm()
        .customers()
        .get_list()
        .send()
        .await
        .expect("second");
    assert_eq!(
        m.tokens_issued(),
        3,
        "the wire's token and the client's two"
    );
}
