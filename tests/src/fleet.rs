//! The fleet worker (`src/bin/fleet_worker.rs`) as the fleet tests and benchmark start it:
//! configured from `ST_*` variables, as a user's program, against the stand-in.

use servicetitan_mock::MockServer;
use std::process::Stdio;
use std::time::Instant;

/// The worker binary `bin` (`env!("CARGO_BIN_EXE_fleet_worker")` in a test or bench)
/// calling the stand-in `m` for `tenant`, sharing through `redis` when given; output
/// piped, killed when dropped.
pub fn worker(
    bin: &str,
    m: &MockServer,
    tenant: i64,
    redis: Option<&str>,
) -> tokio::process::Command {
    let s = m.settings();
    let mut c = tokio::process::Command::new(bin);
    c.env("ST_AUTH_URL", m.url())
        .env("ST_API_URL", m.url())
        .env("ST_CLIENT_ID", &s.client_id)
        .env("ST_CLIENT_SECRET", &s.client_secret)
        .env("ST_APP_KEY", &s.app_key)
        .env("ST_TENANT_ID", tenant.to_string())
        .env_remove("ST_REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(url) = redis {
        c.env("ST_REDIS_URL", url);
    }
    c
}

/// Waits for each worker to end and returns its JSON line; fails on a failed worker.
pub async fn finish(workers: Vec<tokio::process::Child>) -> Vec<serde_json::Value> {
    let mut lines = Vec::new();
    for w in workers {
        let out = w.wait_with_output().await.expect("the worker runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "a worker failed: {stderr}");
        let line = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("a worker's line is not JSON ({e}): {stderr}"));
        lines.push(line);
    }
    lines
}

/// The tenant's API calls as the stand-in received them: (arrival, status).
pub fn calls_of(m: &MockServer, tenant: i64) -> Vec<(Instant, u16)> {
    let needle = format!("/tenant/{tenant}/");
    let mut calls: Vec<_> = m
        .requests()
        .into_iter()
        .filter(|r| r.path.contains(&needle))
        .map(|r| (r.received, r.status))
        .collect();
    calls.sort_by_key(|c| c.0);
    calls
}
