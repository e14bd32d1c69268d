//! Runtime overhead: many GETs of one CRM customers page (50 customers, as the API
//! answers by default) from a loopback server, through the generated client against a
//! hand-written `reqwest` + `serde_json` call of the same request, decoded into the same
//! type. Sequential calls in short rounds, alternating which goes first; the overhead is
//! the median of the paired rounds' ratios, side by side in one run.
//!
//! The generated client runs as users get it, with its client-side rate limiter raised to
//! a rate it never waits at (the default, 60 calls per second, would measure the API's
//! limit rather than the runtime): token cache, limiter bookkeeping, scope check, retry
//! loop, query encoding and path-aware decode are all in the measured path.
//!
//! `cargo bench -p servicetitan-tests --bench overhead`

use servicetitan::crm::CustomerResponse;
use servicetitan::runtime::{self as rt, Paged};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CALLS: usize = 100;
const ROUNDS: usize = 31;

fn page_body() -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..50)
        .map(|i| {
            serde_json::json!({
                "id": 10_000 + i, "active": true, "name": format!("Customer number {i}"),
                "type": "Residential",
                "address": {"street": "123 Main St", "city": "Glendale", "state": "CA", "zip": "91203", "country": "USA"},
                "balance": "1234.56", "doNotMail": false, "doNotService": false,
                "createdOn": "2021-07-19T20:35:38.2876004Z", "modifiedOn": "2024-01-02T03:04:05.1234567Z",
                "createdById": 55, "tagTypeIds": [1, 2, 3]
            })
        })
        .collect();
    serde_json::to_vec(
        &serde_json::json!({"page": 1, "pageSize": 50, "hasMore": true, "data": items}),
    )
    .expect("json")
}

fn response(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// A lean HTTP/1.1 keep-alive server: the token endpoint and one prebuilt page.
async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let page = Arc::new(response(&page_body()));
    let token = Arc::new(response(
        br#"{"access_token":"bench-token","expires_in":900,"token_type":"Bearer","scope":"tn.crm.customers:r"}"#,
    ));
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let (page, token) = (page.clone(), token.clone());
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(4096);
                let mut chunk = [0u8; 4096];
                loop {
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let answer = if head.contains("/connect/token") {
                        &token
                    } else {
                        &page
                    };
                    buf.drain(..head_end + len);
                    if s.write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

async fn generated(st: &servicetitan::Client) {
    for _ in 0..CALLS {
        let page = st
            .crm()
            .customers()
            .get_list()
            .page(1)
            .page_size(50)
            .await
            .expect("page");
        black_box(page);
    }
}

async fn hand_written(http: &reqwest::Client, url: &str) {
    let url = format!("{url}?page=1&pageSize=50");
    for _ in 0..CALLS {
        let resp = http
            .get(&url)
            .header("Authorization", "Bearer bench-token")
            .header("ST-App-Key", "bench-app-key")
            .header("Accept", "application/json")
            .send()
            .await
            .expect("send");
        assert!(resp.status().is_success());
        let bytes = resp.bytes().await.expect("body");
        let page: Paged<CustomerResponse> = serde_json::from_slice(&bytes).expect("decode");
        black_box(page);
    }
}

async fn timed(calls: impl std::future::Future<Output = ()>) -> Duration {
    let t = Instant::now();
    calls.await;
    t.elapsed()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let base = serve().await;
        let client = rt::Runtime::new(
            servicetitan_tests::builder_at(
                base.clone(),
                base.clone(),
                "bench-app-key",
                "bench-client",
                "bench-secret",
            )
            .rate_limit(Some(rt::RateLimit::new(1_000_000, Duration::from_secs(1)))),
        )
        .expect("client");
        let st = servicetitan::Client::new(client, 42);
        // Configured as the runtime configures its own: its TLS, no redirects, the same timeouts (a
        // timeout arms a timer per request; a production client without one is not the
        // comparison that matters).
        let http = servicetitan_runtime::http_builder()
            .expect("http")
            .timeout(Duration::from_secs(90))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("reqwest");
        let url = format!("{base}/crm/v2/tenant/42/customers");
        // Warm both: connections, the token, allocator.
        generated(&st).await;
        hand_written(&http, &url).await;
        // Short rounds, in alternating order (generated first, then hand-written first),
        // each compared with its own partner: a slow spell of this shared machine hits a
        // pair, not one side. The overhead is the median of the paired ratios.
        let mut g = Vec::new();
        let mut h = Vec::new();
        let mut ratios = Vec::new();
        for round in 0..ROUNDS {
            let (gt, ht) = if round % 2 == 0 {
                let gt = timed(generated(&st)).await;
                (gt, timed(hand_written(&http, &url)).await)
            } else {
                let ht = timed(hand_written(&http, &url)).await;
                (timed(generated(&st)).await, ht)
            };
            ratios.push(gt.as_secs_f64() / ht.as_secs_f64());
            g.push(gt);
            h.push(ht);
        }
        g.sort();
        h.sort();
        ratios.sort_by(f64::total_cmp);
        let (g, h, ratio) = (g[ROUNDS / 2], h[ROUNDS / 2], ratios[ROUNDS / 2]);
        let per = |d: Duration| d.as_secs_f64() * 1e6 / CALLS as f64;
        println!(
            "GET a 50-customer page from 127.0.0.1, {CALLS} sequential calls per round, {ROUNDS} rounds in alternating order"
        );
        println!("  hand-written reqwest + serde_json   {:>8.1} us/call", per(h));
        println!(
            "  generated client                   {:>8.1} us/call   {:+.1}% (median of the paired rounds)",
            per(g),
            (ratio - 1.0) * 100.0
        );
        println!("figure: overhead.rounds {ROUNDS}");
        println!("figure: overhead.ratio {ratio:.4}");
        println!("figure: overhead.hand_written_us {:.1}", per(h));
        println!("figure: overhead.generated_us {:.1}", per(g));
    });
}
