//! Compressed answers: a 5,000-customer page (the largest the API pages) fetched and
//! decoded through the generated client with gzip negotiated (the default) and with
//! compression off, in turn, from a loopback server that compresses when asked. Prints
//! the bytes on the wire each way and the median time of a fetch each way; on loopback
//! no bandwidth is saved, so the time shows what decompressing costs, and the bytes what
//! a real network carries less.
//!
//! `cargo bench -p servicetitan-tests --bench compression`

use flate2::write::GzEncoder;

use servicetitan_tests::{Reply, ScriptedServer};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROUNDS: usize = 21;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn fetch(st: &servicetitan::Client) -> Duration {
    let t = Instant::now();
    let page = st
        .crm()
        .customers()
        .get_list()
        .page_size(5000)
        .await
        .expect("page");
    assert_eq!(page.data.len(), 5000);
    t.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let plain = Arc::new(servicetitan_tests::customers_page(5000));
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&plain).expect("gzip");
    let gz = Arc::new(e.finish().expect("gzip"));
    let (p, g) = (plain.clone(), gz.clone());
    let server = ScriptedServer::with_token("", move |r| {
        let accepts = r
            .header("accept-encoding")
            .is_some_and(|v| v.split(',').any(|e| e.trim() == "gzip"));
        if accepts {
            Reply::bytes(200, "application/json", &g).header("content-encoding", "gzip")
        } else {
            Reply::bytes(200, "application/json", &p)
        }
    })
    .await;
    let client = |on: bool| {
        let b = server
            .builder("ak", "cid", "secret")
            .rate_limit(None)
            .compression(on);
        servicetitan_tests::typed_client(b, 7)
    };
    let (zipped, unzipped) = (client(true), client(false));
    fetch(&zipped).await;
    fetch(&unzipped).await;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Alternate which goes first, so drift hits both alike.
        if round % 2 == 0 {
            with.push(fetch(&zipped).await);
            without.push(fetch(&unzipped).await);
        } else {
            without.push(fetch(&unzipped).await);
            with.push(fetch(&zipped).await);
        }
    }
    let (w, wo) = (median(with), median(without));
    println!(
        "5,000-customer page: {} bytes on the wire with gzip, {} without ({:.1}x fewer)",
        gz.len(),
        plain.len(),
        plain.len() as f64 / gz.len() as f64
    );
    println!(
        "fetch and decode, median of {ROUNDS} each, alternating, loopback: gzip {:.1} ms, plain {:.1} ms ({:.2}x)",
        w.as_secs_f64() * 1e3,
        wo.as_secs_f64() * 1e3,
        w.as_secs_f64() / wo.as_secs_f64()
    );
}
