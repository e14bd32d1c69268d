//! The stand-in's request parsing: a request for one of its operations, made valid from
//! the model (path placeholders, query parameters and a JSON body from its generator),
//! then mutated (a path segment, a query value or key, the body's value and text, the
//! method, the media type) and sent over loopback as raw HTTP/1.1. Every request gets an
//! answer: a status line, never a closed connection (a panic in a connection's task), and
//! never a 5xx, which the stand-in gives only for faults it is told to make.

use crate::answers::api;
use crate::mutate::{mutation, Mutation};
use proptest::prelude::*;
use serde_json::Value;
use servicetitan_mock::data::Gen;
use servicetitan_mock::model::{Body, Operation, Place};
use servicetitan_mock::{MockServer, Settings};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CASES: u32 = 1500;
const LIMIT: Duration = Duration::from_secs(20);

/// Text put in place of a path segment or a query value or key.
const ODD: &[&str] = &[
    "",
    "%",
    "%ZZ",
    "%FF%FE",
    "%2F",
    "..",
    "-1",
    "99999999999999999999",
    "1.5",
    "abc",
    "%C3%A9",
    "%00",
    "00000000-0000-0000-0000-000000000000",
    "2026-13-45",
    "true",
    "a%20b",
    "[]",
    "%5B0%5D",
    "1,2,,3",
    "%E2%80%AE",
];

/// A change of the request.
#[derive(Debug, Clone)]
pub enum Change {
    /// A path segment (the `n`th, modulo their count) replaced by `ODD[k]`.
    Segment(u32, u8),
    /// A path segment as long as this.
    LongSegment(u32, u16),
    /// A query value replaced by `ODD[k]`.
    Value(u32, u8),
    /// A query key replaced by `ODD[k]`.
    Key(u32, u8),
    /// A query parameter sent twice.
    Twice(u32),
    /// A query parameter left out.
    Drop(u32),
    /// Another method.
    Method(u8),
    /// Another media type for the body.
    MediaType(u8),
}

fn change() -> impl Strategy<Value = Change> {
    let k = 0..ODD.len() as u8;
    prop_oneof![
        (any::<u32>(), k.clone()).prop_map(|(n, k)| Change::Segment(n, k)),
        (any::<u32>(), 0u16..9000).prop_map(|(n, l)| Change::LongSegment(n, l)),
        (any::<u32>(), k.clone()).prop_map(|(n, k)| Change::Value(n, k)),
        (any::<u32>(), k).prop_map(|(n, k)| Change::Key(n, k)),
        any::<u32>().prop_map(Change::Twice),
        any::<u32>().prop_map(Change::Drop),
        any::<u8>().prop_map(Change::Method),
        any::<u8>().prop_map(Change::MediaType),
    ]
}

/// The stand-in, a runtime for it, and a token it issued.
struct Stand {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    token: String,
    app_key: String,
    _mock: MockServer,
}

fn stand() -> &'static Stand {
    static STAND: OnceLock<Stand> = OnceLock::new();
    STAND.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let settings = Settings {
            rate_limit: false,
            record: false,
            records: 20,
            ..Settings::default()
        };
        let mock = runtime
            .block_on(MockServer::start(settings))
            .expect("the stand-in starts");
        let s = mock.settings();
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            s.client_id, s.client_secret
        );
        let head =
            "POST /connect/token HTTP/1.1\r\ncontent-type: application/x-www-form-urlencoded";
        let answer = runtime.block_on(exchange(mock.addr(), head, form.as_bytes()));
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let token: Value = serde_json::from_str(body).expect("a token answer");
        Stand {
            token: token["access_token"].as_str().expect("a token").to_owned(),
            app_key: s.app_key.clone(),
            addr: mock.addr(),
            runtime,
            _mock: mock,
        }
    })
}

/// Sends one request (`head` without its last headers) and reads the whole answer.
async fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> String {
    let mut request = format!(
        "{head}\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the stand-in");
    stream.write_all(&request).await.expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// A parameter's value as query text (a list as its first item: repeated keys are a
/// change of their own).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.first().map(text).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn percent(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The request line's target and the body for `op`, valid, then changed.
fn request(
    prefix: &str,
    op: &Operation,
    changes: &[Change],
    seed: u64,
) -> (String, String, String) {
    let mut g = Gen::new(api(), seed, "properties");
    let mut segments: Vec<String> = format!("{prefix}{}", op.path)
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            // The tenant, and record 1 of any collection.
            if s.starts_with('{') {
                "1".into()
            } else {
                s.to_owned()
            }
        })
        .collect();
    let mut query: Vec<(String, String)> = op
        .params
        .iter()
        .filter(|p| p.place == Place::Query)
        .map(|p| (p.wire.clone(), percent(&text(&g.value(&p.ty, &p.wire)))))
        .collect();
    let mut method = op.method.as_str().to_owned();
    let mut media = "application/json".to_owned();
    for c in changes {
        let pick = |n: u32, len: usize| (len > 0).then(|| n as usize % len);
        match *c {
            Change::Segment(n, k) => pick(n, segments.len())
                .into_iter()
                .for_each(|i| segments[i] = ODD[usize::from(k)].into()),
            Change::LongSegment(n, l) => pick(n, segments.len())
                .into_iter()
                .for_each(|i| segments[i] = "7".repeat(usize::from(l))),
            Change::Value(n, k) => pick(n, query.len())
                .into_iter()
                .for_each(|i| query[i].1 = ODD[usize::from(k)].into()),
            Change::Key(n, k) => pick(n, query.len())
                .into_iter()
                .for_each(|i| query[i].0 = ODD[usize::from(k)].into()),
            Change::Twice(n) => pick(n, query.len())
                .into_iter()
                .for_each(|i| query.push(query[i].clone())),
            Change::Drop(n) => pick(n, query.len())
                .into_iter()
                .for_each(|i| drop(query.remove(i))),
            Change::Method(k) => {
                method = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
                    [usize::from(k) % 7]
                    .into()
            }
            Change::MediaType(k) => {
                media = [
                    "text/plain",
                    "application/json; charset=latin1",
                    "",
                    "multipart/form-data",
                ][usize::from(k) % 4]
                    .into()
            }
        }
    }
    let mut target = format!("/{}", segments.join("/"));
    if !query.is_empty() {
        let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        target = format!("{target}?{}", pairs.join("&"));
    }
    (method, target, media)
}

/// The body of `op` from the stand-in's generator (`null` without one), mutated.
fn body(op: &Operation, m: &Mutation, seed: u64) -> Vec<u8> {
    let start = match &op.body {
        Some(Body::Json { json, .. }) => Gen::new(api(), seed, "properties").value(json, ""),
        _ => Value::Null,
    };
    m.apply(start)
}

proptest! {
    #![proptest_config(crate::config(CASES, 0x41_06))]

    #[test]
    fn every_request_gets_an_answer(
        op in any::<prop::sample::Index>(),
        changes in prop::collection::vec(change(), 0..4),
        m in mutation(),
        seed in 0u64..4,
    ) {
        let all: Vec<(&str, &Operation)> = api()
            .domains
            .iter()
            .flat_map(|d| d.operations.iter().map(move |o| (d.prefix.as_str(), o)))
            .collect();
        let (prefix, op) = all[op.index(all.len())];
        let (method, target, media) = request(prefix, op, &changes, seed);
        let body = body(op, &m, seed);
        let s = stand();
        let head = format!(
            "{method} {target} HTTP/1.1\r\nauthorization: Bearer {}\r\nst-app-key: {}\r\ncontent-type: {media}",
            s.token, s.app_key
        );
        let answer = s.runtime.block_on(async {
            tokio::time::timeout(LIMIT, exchange(s.addr, &head, &body)).await
        });
        let answer = answer.map_err(|_| TestCaseError::fail(format!("no answer in {LIMIT:?}: a hang")))?;
        let status: Option<u16> = answer
            .strip_prefix("HTTP/1.1 ")
            .and_then(|r| r.get(..3))
            .and_then(|s| s.parse().ok());
        prop_assert!(status.is_some(), "no answer to {} {}: {:?}", method, target, answer);
        prop_assert!(status < Some(500), "{} {} answered {:?}", method, target, answer);
    }
}
