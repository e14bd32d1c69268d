//! Peak memory while streaming a paged list: 10,000 items (2 pages of 5,000) against
//! 1,000,000 (200 pages) and 2,000,000 (400 pages), each measured in a fresh child
//! process (peak RSS, `VmHWM`), from a loopback server in the same process. Two pages do
//! not reach the steady state (the server renders the next page while the client decodes
//! one), so the 10,000 row is a little lower; from 50 pages on the peak stays flat.
//!
//! `cargo bench -p servicetitan-tests --bench stream_memory`

use futures_util::StreamExt;
use servicetitan::runtime::{self as rt};
use servicetitan_tests::{Reply, ScriptedServer};
use std::time::Instant;

const PAGE: i64 = 5000;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn child(total: i64) {
    // The server renders each page on demand: it holds one page at a time too.
    let server = ScriptedServer::with_token("", move |r| {
        let q = r.query_pairs();
        let page: i64 = q.iter().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok()).unwrap_or(1);
        let (start, end) = ((page - 1) * PAGE, (page * PAGE).min(total));
        let mut body = String::with_capacity(((end - start) * 160) as usize + 100);
        body.push_str(&format!("{{\"page\":{page},\"pageSize\":{PAGE},\"hasMore\":{},\"data\":[", end < total));
        for i in start..end {
            if i > start {
                body.push(',');
            }
            body.push_str(&format!(
                "{{\"id\":{},\"name\":\"Customer {}\",\"active\":true,\"type\":\"Residential\",\"balance\":\"12.50\",\"createdOn\":\"2021-07-19T20:35:38.2876004Z\",\"modifiedOn\":\"2024-01-02T03:04:05Z\"}}",
                i + 1,
                i + 1
            ));
        }
        body.push_str("]}");
        Reply::bytes(200, "application/json", body.as_bytes())
    })
    .await;
    let client = rt::Runtime::new(server.builder("k", "c", "s")).expect("client");
    let st = servicetitan::Client::new(client, 1);
    let t = Instant::now();
    let mut items = st
        .crm()
        .customers()
        .get_list()
        .page_size(PAGE as i32)
        .items();
    let mut count = 0i64;
    let mut checksum = 0i64;
    while let Some(c) = items.next().await {
        let c = c.expect("customer");
        checksum += c.id.map_or(0, |id| id.get());
        count += 1;
    }
    assert_eq!(count, total);
    assert_eq!(checksum, total * (total + 1) / 2);
    println!(
        "items={count} pages={} secs={:.2} peak_rss_kib={}",
        server.api_requests().len(),
        t.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let total: i64 = args[i + 1].parse().expect("count");
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(child(total));
        return;
    }
    let exe = std::env::current_exe().expect("exe");
    let mut rows = Vec::new();
    for total in [10_000i64, 1_000_000, 2_000_000] {
        let out = std::process::Command::new(&exe)
            .args(["--child", &total.to_string()])
            .output()
            .expect("child");
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let get = |k: &str| {
            line.split_whitespace()
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .unwrap_or("0")
                .to_string()
        };
        rows.push((
            total,
            get("pages"),
            get("secs"),
            get("peak_rss_kib").parse::<f64>().unwrap_or(0.0),
        ));
    }
    println!("streaming memory (items stream, pages of {PAGE}, loopback server in-process)");
    println!(
        "{:>10} {:>6} {:>8} {:>14}",
        "items", "pages", "secs", "peak RSS MiB"
    );
    for (items, pages, secs, kib) in &rows {
        println!("{items:>10} {pages:>6} {secs:>8} {:>14.1}", kib / 1024.0);
    }
    for (items, _, secs, kib) in &rows {
        println!("figure: stream.peak_mib.{items} {:.1}", kib / 1024.0);
        println!("figure: stream.secs.{items} {secs}");
    }
    let ratio = rows[1].3 / rows[0].3.max(1.0);
    println!("peak memory ratio 1,000,000 / 10,000 items: {ratio:.2} (100x the items)");
    let ratio = rows[2].3 / rows[1].3.max(1.0);
    println!("peak memory ratio 2,000,000 / 1,000,000 items: {ratio:.2} (2x the items)");
}
