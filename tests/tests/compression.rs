//! Compressed answers: the client asks for gzip (`Accept-Encoding`), reads a gzip answer
//! as the JSON it holds, asks for nothing when compression is off, and counts the
//! response limit in decompressed bytes, so a small compressed answer cannot exhaust
//! memory.

use flate2::write::GzEncoder;
use serde_json::json;
use servicetitan::runtime::{self as rt, ErrorKind};
use servicetitan_tests::{Reply, ScriptedServer};
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

/// Answers a customers page, gzip-compressed when the request accepts it.
async fn server(page: Vec<u8>) -> ScriptedServer {
    ScriptedServer::with_token("", move |r| {
        let accepts = r
            .header("accept-encoding")
            .is_some_and(|v| v.split(',').any(|e| e.trim() == "gzip"));
        if accepts {
            Reply::bytes(200, "application/json", &gzip(&page)).header("content-encoding", "gzip")
        } else {
            Reply::bytes(200, "application/json", &page)
        }
    })
    .await
}

fn page(n: usize) -> Vec<u8> {
    let data: Vec<_> = (0..n)
        .map(|i| json!({"id": i, "name": format!("Customer {i}"), "active": true}))
        .collect();
    serde_json::to_vec(&json!({"page": 1, "pageSize": n, "hasMore": false, "data": data}))
        .expect("json")
}

fn client(b: rt::RuntimeBuilder) -> servicetitan::Client {
    servicetitan_tests::typed_client(b, 7)
}

#[tokio::test]
async fn gzip_is_negotiated_and_read_as_the_json_it_holds() {
    let s = server(page(500)).await;
    let st = client(s.builder("ak", "cid", "secret"));
    let got = st
        .crm()
        .customers()
        .get_list()
        .page_size(500)
        .await
        .expect("a gzip page decodes");
    assert_eq!(got.data.len(), 500);
    assert_eq!(got.data[499].name.as_deref(), Some("Customer 499"));
    let sent = s.api_requests();
    let accept = sent[0].header("accept-encoding").unwrap_or_default();
    assert!(accept.contains("gzip"), "{accept:?}");

    // Off: nothing asked for, the plain answer read.
    let st = client(s.builder("ak", "cid", "secret").compression(false));
    let got = st
        .crm()
        .customers()
        .get_list()
        .page_size(500)
        .await
        .expect("a plain page decodes");
    assert_eq!(got.data.len(), 500);
    let last = s.api_requests().pop().expect("a request");
    assert!(
        !last
            .header("accept-encoding")
            .unwrap_or_default()
            .contains("gzip"),
        "{:?}",
        last.header("accept-encoding")
    );
}

#[tokio::test]
async fn the_response_limit_counts_decompressed_bytes() {
    // 4 MB of JSON that compresses to a few kilobytes.
    let big = serde_json::to_vec(&json!({"page": 1, "pageSize": 1, "hasMore": false,
        "data": [{"id": 1, "name": "x".repeat(4_000_000)}]}))
    .expect("json");
    assert!(gzip(&big).len() < 40_000);
    let s = server(big).await;
    let st = client(
        s.builder("ak", "cid", "secret")
            .max_response_bytes(1_000_000)
            .retry(rt::RetryPolicy::none()),
    );
    let err = st
        .crm()
        .customers()
        .get_list()
        .await
        .expect_err("larger than the limit once decompressed");
    assert!(
        matches!(err.kind(), ErrorKind::ResponseTooLarge { limit: 1_000_000 }),
        "{err}"
    );
}
