//! A recording made against the stand-in, replayed through the typed client with no
//! server: the same records (their personal properties as the recording redacted them),
//! and nothing in the file that a recording must not hold: the client secret, the app key,
//! a token, an `Authorization` header, a personal value.

use futures_util::TryStreamExt;
use serde_json::Value;
use servicetitan::runtime::{Environment, Recorder, Replay, Runtime, RuntimeBuilder};
use servicetitan::runtime::{PERSONAL_FIELDS, REDACTED};
use servicetitan_mock::{MockServer, Settings};

const TENANT: i64 = 42;

/// `v` with the properties a recording redacts redacted as it does: every string in them
/// `[redacted]`, every number 0, at any depth.
fn redacted(v: &mut Value, extra: &[&str]) {
    fn all(v: &mut Value) {
        match v {
            Value::String(s) => *s = placeholder(s),
            Value::Number(n) if n.is_f64() => *n = serde_json::Number::from_f64(0.0).expect("0.0"),
            Value::Number(n) => *n = 0.into(),
            Value::Array(a) => a.iter_mut().for_each(all),
            Value::Object(o) => o.values_mut().for_each(all),
            _ => {}
        }
    }
    let covered = |k: &str| {
        PERSONAL_FIELDS
            .iter()
            .chain(extra)
            .any(|p| p.eq_ignore_ascii_case(k))
    };
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if covered(k) {
                    all(child);
                } else {
                    redacted(child, extra);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| redacted(x, extra)),
        _ => {}
    }
}

/// What a recording writes for a redacted string: a fixed value of its format where its
/// shape shows one, else `[redacted]`.
fn placeholder(s: &str) -> String {
    let b = s.as_bytes();
    let dated = b.len() >= 10 && b[4] == b'-' && b[7] == b'-';
    if dated && b.len() == 10 {
        "2000-01-01".into()
    } else if dated && b.len() >= 19 && b[10] == b'T' {
        "2000-01-01T00:00:00Z".into()
    } else if s.len() == 36 && servicetitan::runtime::Uuid::try_parse(s).is_ok() {
        "00000000-0000-0000-0000-000000000000".into()
    } else {
        REDACTED.into()
    }
}

/// The values under redacted properties (at least 6 characters, so that a search cannot
/// match a fragment of something else by chance).
fn personal_values(v: &Value, extra: &[&str], under: bool, out: &mut Vec<String>) {
    match v {
        Value::String(s) if under && s.len() >= 6 => out.push(s.clone()),
        Value::Object(o) => {
            for (k, child) in o {
                let covered = PERSONAL_FIELDS
                    .iter()
                    .chain(extra)
                    .any(|p| p.eq_ignore_ascii_case(k));
                personal_values(child, extra, under || covered, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| personal_values(x, extra, under, out)),
        _ => {}
    }
}

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
    let extra = ["taxExempt", "externalData"];
    let live = read(m.builder().record(Recorder::to_file(&file).redact(extra))).await;
    let sent = m.requests().len();
    drop(m);

    let replay = Replay::open(&file).expect("the recording reads");
    // Every exchange but the token's: 6 pages of customers, 2 of locations, one customer.
    assert_eq!(replay.len(), 9, "{sent} requests reached the stand-in");
    let offline = RuntimeBuilder::new(Environment::Integration).replay(replay);
    let replayed = read(offline).await;
    let mut expected = live.clone();
    redacted(&mut expected, &extra);
    assert!(
        replayed == expected,
        "the replay differs from the live records, redacted, at {}",
        first_difference(&replayed, &expected, String::new())
    );
    assert_eq!(replayed["customers"].as_array().map(Vec::len), Some(40));

    let text = std::fs::read_to_string(&file).expect("recording");
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
    let mut personal = Vec::new();
    personal_values(&live, &extra, false, &mut personal);
    assert!(personal.len() > 100, "{} personal values", personal.len());
    for value in &personal {
        assert!(
            !text.contains(value.as_str()),
            "the recording holds {value:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_call_the_recording_does_not_hold_fails_naming_it() {
    let dir = std::env::temp_dir().join(format!("st-recording-miss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("empty.jsonl");
    std::fs::write(&file, "{\"servicetitan_recording\":1,\"redact\":[]}\n").expect("write");
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
    let bad = Replay::parse("{\"servicetitan_recording\":2}").expect_err("a newer format");
    assert!(bad.contains("version 2"), "{bad}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Where two JSON values first differ, and how.
fn first_difference(a: &Value, b: &Value, at: String) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) if v != w => return first_difference(v, w, format!("{at}.{k}")),
                    None => return format!("{at}.{k}: only in the first"),
                    _ => {}
                }
            }
            format!("{at}: keys only in the second")
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (v, w))| v != w)
            .map(|(i, (v, w))| first_difference(v, w, format!("{at}[{i}]")))
            .unwrap_or_default(),
        _ => format!("{at}: {a} != {b}"),
    }
}
