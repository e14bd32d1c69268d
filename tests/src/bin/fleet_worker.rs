//! One worker of a fleet, for the fleet tests and benchmark (`tests/tests/fleet.rs`,
//! `tests/benches/fleet.rs`): configured like any program, from `ST_*` variables
//! (`ST_REDIS_URL` for the shared limiter and tokens), it calls one list of the stand-in
//! ServiceTitan from `FLEET_TASKS` tasks (default 4) as fast as the client lets it, for
//! `FLEET_SECONDS` seconds (default 5), or `FLEET_CALLS` calls in all when that is set;
//! then prints one JSON line of what it did. `FLEET_LOCK_TTL_MS` shortens the token
//! lock's time to live (the test of a holder killed while fetching); `FLEET_RATE` sets
//! the client's limit per tenant in calls a second (the benchmark raises it to measure
//! what the limiter costs rather than what it waits).

use serde_json::json;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn var<T: std::str::FromStr>(name: &str) -> Result<Option<T>, String> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} is not a number: {v:?}")),
        Err(_) => Ok(None),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet_worker: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let seconds: f64 = var("FLEET_SECONDS")?.unwrap_or(5.0);
    let tasks: usize = var("FLEET_TASKS")?.unwrap_or(4);
    let calls: Option<u64> = var("FLEET_CALLS")?;
    let config = servicetitan::runtime::Config::from_env().map_err(|e| e.to_string())?;
    let tenant = config.tenant_id();
    let mut builder = config.into_builder();
    if let (Some(ttl), Ok(url)) = (
        var::<u64>("FLEET_LOCK_TTL_MS")?,
        std::env::var("ST_REDIS_URL"),
    ) {
        let settings = servicetitan::runtime::RedisSettings::new(url)
            .map_err(|e| e.to_string())?
            .lock_ttl(Duration::from_millis(ttl));
        builder = builder.redis(settings);
    }
    if let Some(rate) = var::<u32>("FLEET_RATE")? {
        let limit = servicetitan::runtime::RateLimit::new(rate, Duration::from_secs(1));
        builder = builder.rate_limit(Some(limit));
    }
    let client = servicetitan::runtime::Runtime::new(builder).map_err(|e| e.to_string())?;
    let st = servicetitan::Client::new(client.clone(), tenant);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let issued = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (st, issued, ok, errors) = (st.clone(), issued.clone(), ok.clone(), errors.clone());
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = issued.fetch_add(1, Relaxed);
                let more = match calls {
                    Some(c) => n < c,
                    None => Instant::now() < deadline,
                };
                if !more {
                    break;
                }
                let t0 = Instant::now();
                match st.crm().customers().get_list().page_size(1).await {
                    Ok(_) => {
                        ok.fetch_add(1, Relaxed);
                    }
                    Err(e) => errors.lock().expect("errors").push(e.to_string()),
                }
                latencies.push(t0.elapsed().as_micros() as u64);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await.map_err(|e| format!("a task failed: {e}"))?);
    }
    latencies.sort_unstable();
    let counts = client.counts();
    let errors = errors.lock().expect("errors").clone();
    let line = json!({
        "tenant": tenant,
        "seconds": started.elapsed().as_secs_f64(),
        "ok": ok.load(Relaxed),
        "errors": errors.len(),
        "first_error": errors.first(),
        "requests": counts.requests,
        "retries": counts.retries,
        "token_requests": counts.token_requests,
        "shared_fallbacks": counts.shared_fallbacks,
        "median_call_us": latencies.get(latencies.len() / 2),
    });
    println!("{line}");
    Ok(())
}
