//! A recording made against the stand-in, replayed through the typed client with no
//! server: the same records (their free text replaced, the names a program allowed kept,
//! those it redacted redacted), and nothing in the file that a recording must not hold:
//! the client secret, the app key, a token, an `Authorization` header, a name.

use futures_util::TryStreamExt;
use serde_json::Value;
use servicetitan::runtime::{Environment, Recorder, Replay, Runtime, RuntimeBuilder, REDACTED};
use servicetitan_mock::{MockServer, Settings};

const TENANT: i64 = 42;

/// Customers (paged), locations (paged), and one job, through the typed client.
async fn read(b: RuntimeBuilder) -> Value {
    let st = servicetitan::Client::new(Runtime::new(b).expect("runtime"), TENANT);
    let customers: Vec<_> = st
        .crm()
        .customers()
        .get_list()
        .page_size(7)
        .items()
        .try_collect()
        .await
        .expect("customers");
    let locations: Vec<_> = st
        .crm()
        .locations()
        .get_list()
        .page_size(20)
        .items()
        .try_collect()
        .await
        .expect("locations");
    let first = customers.first().and_then(|c| c.id).expect("a customer");
    let one = st.crm().customers().get(first).await.expect("one customer");
    serde_json::json!({
        "customers": serde_json::to_value(&customers).expect("json"),
        "locations": serde_json::to_value(&locations).expect("json"),
        "one": serde_json::to_value(&one).expect("json"),
    })
}

#[tokio::test]
async fn a_recording_replays_the_same_records_with_no_server_and_holds_no_secret() {
    let m = MockServer::start(Settings {
        records: 40,
        rate_limit: false,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts");
    let dir = std::env::temp_dir().join(format!("st-recording-{}", std::process::id()));
    let file = dir.join("crm.jsonl");
    let recorder = Recorder::to_file(&file)
        .allow(["COUNTRY"])
        .redact(["balance", "latitude"]);
    let live = read(m.builder().record(recorder)).await;
    let sent = m.requests().len();
    drop(m);

    let replay = Replay::open(&file).expect("the recording reads");
    // Every exchange but the token's: 6 pages of customers, 2 of locations, one customer.
    assert_eq!(replay.len(), 9, "{sent} requests reached the stand-in");
    let offline = RuntimeBuilder::new(Environment::Integration).replay(replay);
    let replayed = read(offline).await;
    let customers = |v: &Value| v["customers"].as_array().cloned().unwrap_or_default();
    assert_eq!(customers(&replayed).len(), 40);
    let text = std::fs::read_to_string(&file).expect("recording");
    for (l, r) in customers(&live).iter().zip(&customers(&replayed)) {
        for kept in [
            "id",
            "active",
            "type",
            "createdOn",
            "modifiedOn",
            "tagTypeIds",
        ] {
            assert_eq!(l[kept], r[kept], "{kept}");
        }
        assert_eq!(r["name"], REDACTED);
        assert!(!text.contains(l["name"].as_str().expect("a name")));
        assert_eq!(r["address"]["street"], REDACTED);
        assert_eq!(l["address"]["longitude"], r["address"]["longitude"]);
        // Allowed, and redacted, by name.
        assert_eq!(l["address"]["country"], r["address"]["country"]);
        assert_eq!(r["address"]["latitude"], 0.0);
        assert_ne!(l["balance"], r["balance"]);
    }
    assert_eq!(live["one"]["id"], replayed["one"]["id"]);
    assert_eq!(replayed["one"]["name"], REDACTED);
    for secret in [
        "mock-client-secret",
        "mock-app-key",
        "mock-client-id",
        "mock-token-",
        "Bearer",
        "uthorization",
        "ST-App-Key",
    ] {
        assert!(!text.contains(secret), "the recording holds {secret:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_call_the_recording_does_not_hold_fails_naming_it() {
    let dir = std::env::temp_dir().join(format!("st-recording-miss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("empty.jsonl");
    std::fs::write(&file, "{\"servicetitan_recording\":2,\"redact\":[]}\n").expect("write");
    let b =
        RuntimeBuilder::new(Environment::Integration).replay(Replay::open(&file).expect("reads"));
    let st = servicetitan::Client::new(Runtime::new(b).expect("runtime"), TENANT);
    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("nothing recorded");
    let text = err.to_string();
    assert!(
        text.contains("the recording holds no (more) answers to GET /crm/v2/tenant/42/customers"),
        "{text}"
    );
    let bad = Replay::parse("{\"servicetitan_recording\":3}").expect_err("a newer format");
    assert!(bad.contains("version 3"), "{bad}");
    let old = Replay::parse("{\"servicetitan_recording\":1}").expect_err("redacted by name");
    assert!(old.contains("record it again"), "{old}");
    let _ = std::fs::remove_dir_all(&dir);
}
