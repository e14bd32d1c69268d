//! The stand-in server's speed: how long it takes to start with all 24 domains (in
//! process, and as a process until its ready line), and how many requests a second it
//! serves on loopback for a 50-record page, the load generator sharing the machine.
//! Prints `figure: NAME VALUE` lines, read by `cargo xtask bench-mock`.

use servicetitan_mock::{MockServer, Settings};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn startup_in_process(rounds: usize) -> f64 {
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let m = MockServer::start(Settings::default())
            .await
            .expect("starts");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(m);
    }
    median(times)
}

async fn startup_as_process(rounds: usize) -> f64 {
    use tokio::io::AsyncBufReadExt;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_servicetitan-mock"))
            .args(["--port", "0"])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn");
        let out = child.stdout.take().expect("stdout");
        let line = tokio::io::BufReader::new(out)
            .lines()
            .next_line()
            .await
            .expect("read")
            .expect("a ready line");
        assert!(line.starts_with("servicetitan-mock ready"), "{line}");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        child.kill().await.expect("kill");
    }
    median(times)
}

/// Requests a second for `GET customers?pageSize=50` from `clients` concurrent loops.
async fn throughput(clients: usize, run: Duration) -> (f64, usize) {
    let m = MockServer::start(Settings {
        rate_limit: false,
        ..Settings::default()
    })
    .await
    .expect("starts");
    let http = servicetitan_runtime::http_builder()
        .expect("http")
        .build()
        .expect("http");
    let form =
        "grant_type=client_credentials&client_id=mock-client-id&client_secret=mock-client-secret";
    let token: serde_json::Value = serde_json::from_slice(
        &http
            .post(format!("{}/connect/token", m.url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("token")
            .bytes()
            .await
            .expect("body"),
    )
    .expect("json");
    let auth = format!("Bearer {}", token["access_token"].as_str().expect("token"));
    let url = format!("{}/crm/v2/tenant/1/customers?pageSize=50", m.url());
    let page = http
        .get(&url)
        .header("authorization", &auth)
        .header("st-app-key", "mock-app-key")
        .send()
        .await
        .expect("page")
        .bytes()
        .await
        .expect("body");
    let served = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + run;
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url, auth, served) =
                (http.clone(), url.clone(), auth.clone(), served.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let r = http
                        .get(&url)
                        .header("authorization", &auth)
                        .header("st-app-key", "mock-app-key")
                        .send()
                        .await
                        .expect("answer");
                    assert_eq!(r.status(), 200);
                    r.bytes().await.expect("body");
                    served.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    for t in tasks {
        t.await.expect("join");
    }
    let n = served.load(Ordering::Relaxed) as f64;
    (n / started.elapsed().as_secs_f64(), page.len())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let in_process = startup_in_process(20).await;
        println!("figure: mock.startup_ms {in_process:.2}");
        let process = startup_as_process(5).await;
        println!("figure: mock.process_ready_ms {process:.1}");
        let (rps, bytes) = throughput(32, Duration::from_secs(5)).await;
        println!("figure: mock.page_bytes {bytes}");
        println!("figure: mock.rps {rps:.0}");
    });
}
