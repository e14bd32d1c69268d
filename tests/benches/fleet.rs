//! A fleet on one budget: 4 worker processes (`src/bin/fleet_worker.rs`, 4 tasks each), 2
//! on each of 2 tenants, call the stand-in ServiceTitan as fast as their clients let
//! them for 30 seconds, once sharing limits and tokens through a real `redis-server` and
//! once with each process's own limiter; then the cost of the shared state per call.
//!
//! Per tenant and run: the rate at which the stand-in received calls and accepted them,
//! the most calls in any one second, the 429s it answered, and the tokens the fleet
//! fetched. Then one process making 2,000 sequential calls with the limit raised so far
//! that it never waits, shared and alone in turn (3 rounds each, alternating): the
//! median added latency is what asking Redis costs a call (the limiter's slot and the
//! token read, one round trip each).
//!
//! `cargo bench -p servicetitan-tests --bench fleet` (`FLEET_BENCH_SECONDS` shortens the
//! 30-second runs).

use serde_json::Value;
use servicetitan_mock::{MockServer, Settings};
use servicetitan_tests::fleet;
use servicetitan_tests::redis::RedisServer;
use std::time::{Duration, Instant};

const TENANTS: [i64; 2] = [42, 43];

async fn mock(rate_limit: bool) -> MockServer {
    MockServer::start(Settings {
        records: 5,
        rate_limit,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts")
}

/// Runs workers (tenant, extra env) to the end; their JSON lines.
async fn run_workers(
    m: &MockServer,
    redis: Option<&str>,
    workers: &[(i64, &[(&str, &str)])],
) -> Vec<Value> {
    let mut children = Vec::new();
    for (tenant, env) in workers {
        let mut c = fleet::worker(env!("CARGO_BIN_EXE_fleet_worker"), m, *tenant, redis);
        c.envs(env.iter().copied());
        children.push(c.spawn().expect("the worker starts"));
    }
    fleet::finish(children).await
}

struct Seen {
    /// Calls received a second, from the first to the last.
    received_per_s: f64,
    accepted_per_s: f64,
    max_in_a_second: usize,
    refused: usize,
    tokens: u64,
}

fn seen(m: &MockServer, lines: &[Value], tenant: i64) -> Seen {
    let calls = fleet::calls_of(m, tenant);
    let accepted: Vec<Instant> = calls.iter().filter(|c| c.1 == 200).map(|c| c.0).collect();
    // The most accepted calls in any window of one second (two pointers).
    let mut max_in_a_second = 0;
    let mut start = 0;
    for end in 0..accepted.len() {
        while accepted[end] - accepted[start] >= Duration::from_secs(1) {
            start += 1;
        }
        max_in_a_second = max_in_a_second.max(end - start + 1);
    }
    let tokens = lines
        .iter()
        .filter(|l| l["tenant"].as_i64() == Some(tenant))
        .map(|l| l["token_requests"].as_u64().unwrap_or(0))
        .sum();
    let span = (calls[calls.len() - 1].0 - calls[0].0).as_secs_f64();
    Seen {
        received_per_s: (calls.len() - 1) as f64 / span,
        accepted_per_s: accepted.len().saturating_sub(1) as f64 / span,
        max_in_a_second,
        refused: calls.iter().filter(|c| c.1 == 429).count(),
        tokens,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let seconds: f64 = std::env::var("FLEET_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30.0);
    let redis = RedisServer::start();
    let secs = seconds.to_string();
    let run: &[(&str, &str)] = &[("FLEET_SECONDS", &secs), ("FLEET_TASKS", "4")];
    let fleet: Vec<(i64, &[(&str, &str)])> =
        TENANTS.iter().flat_map(|&t| [(t, run), (t, run)]).collect();

    println!(
        "fleet: 4 processes x 4 tasks, 2 per tenant, {seconds} s, stand-in limit 60/s per tenant"
    );
    println!(
        "{:<10} {:>7} {:>11} {:>11} {:>12} {:>6} {:>7}",
        "limiter", "tenant", "received/s", "accepted/s", "max in 1 s", "429s", "tokens"
    );
    for (name, url) in [("shared", Some(redis.url())), ("in-memory", None)] {
        let m = mock(true).await;
        let lines = run_workers(&m, url.as_deref(), &fleet).await;
        let fallbacks: u64 = lines
            .iter()
            .map(|l| l["shared_fallbacks"].as_u64().unwrap_or(0))
            .sum();
        for tenant in TENANTS {
            let s = seen(&m, &lines, tenant);
            println!(
                "{name:<10} {tenant:>7} {:>11.2} {:>11.2} {:>12} {:>6} {:>7}",
                s.received_per_s, s.accepted_per_s, s.max_in_a_second, s.refused, s.tokens
            );
        }
        if fallbacks > 0 {
            println!("  ({fallbacks} decisions fell back to a process's own state)");
        }
    }

    // What the shared state costs a call: no waiting (the limit raised far above the
    // calls made), sequential calls, shared and alone in turn.
    let m = mock(false).await;
    let one: &[(&str, &str)] = &[
        ("FLEET_CALLS", "2000"),
        ("FLEET_TASKS", "1"),
        ("FLEET_RATE", "1000000"),
    ];
    let (mut shared, mut alone) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        for (url, into) in [(Some(redis.url()), &mut shared), (None, &mut alone)] {
            let lines = run_workers(&m, url.as_deref(), &[(TENANTS[0], one)]).await;
            into.push(lines[0]["median_call_us"].as_f64().expect("median"));
        }
    }
    let (s, a) = (median(shared), median(alone));
    println!(
        "per call, 2,000 sequential calls, median of 3 rounds: shared {s:.0} us, in-memory {a:.0} us, added {:.0} us ({:.2}x)",
        s - a,
        s / a
    );
}
