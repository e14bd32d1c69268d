//! A soak against the stand-in ServiceTitan answering a share of requests with random
//! faults (5xx, 429 with `Retry-After`, bodies cut short, resets, HTML pages, revoked
//! tokens, slow answers): 20 tenants on one client, each streaming a paged list and an
//! export of thousands of records at once, through the generated client. Each export is
//! stopped at a random moment (its task aborted, as a process killed) and resumed from
//! the last checkpoint it committed with its records. Every record arrives exactly once,
//! every stream ends, no secret is logged (the runtime's TRACE output is scanned), and
//! memory does not grow from round to round.
//!
//! Bounded for CI (one round). Longer runs, with figures:
//! `ST_SOAK_SECONDS=300 cargo test --release -p servicetitan-tests --test chaos -- --nocapture`

use futures_util::StreamExt;
use servicetitan::runtime::{self as rt, RetryPolicy};
use servicetitan_mock::{MockServer, Settings};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TENANTS: i64 = 20;
const RECORDS: usize = 3000;
const SECRET: &str = "soak-client-secret";
const APP_KEY: &str = "soak-app-key";

/// What an export consumer has committed: the records of every complete batch, and the
/// checkpoint after the last of them, updated together.
#[derive(Default)]
struct Committed {
    ids: Vec<i64>,
    checkpoint: Option<String>,
}

/// Streams the export from the committed checkpoint, committing batch by batch.
async fn export_from(st: servicetitan::Client, committed: Arc<Mutex<Committed>>) {
    let from = committed.lock().expect("lock").checkpoint.clone();
    let mut request = st.crm().export_customers().get_customers();
    if let Some(token) = from {
        request = request.from(token);
    }
    let mut batches = request.batches();
    while let Some(batch) = batches.next().await {
        let batch = batch.expect("an export batch");
        let mut c = committed.lock().expect("lock");
        c.ids
            .extend(batch.data.iter().map(|r| r.id.expect("id").get()));
        c.checkpoint = Some(batch.continue_from.clone());
    }
}

/// One tenant: the list, and the export stopped after `stop` and resumed.
async fn one_tenant(st: servicetitan::Client, stop: Duration) -> (Vec<i64>, Vec<i64>, bool) {
    let list = tokio::spawn({
        let st = st.clone();
        async move {
            st.crm()
                .customers()
                .get_list()
                .page_size(500)
                .items()
                .map(|c| c.expect("a listed customer").id.expect("id").get())
                .collect::<Vec<_>>()
                .await
        }
    });
    let committed = Arc::new(Mutex::new(Committed::default()));
    let first = tokio::spawn(export_from(st.clone(), committed.clone()));
    tokio::time::sleep(stop).await;
    let stopped = !first.is_finished();
    first.abort();
    let _ = first.await;
    export_from(st, committed.clone()).await;
    let listed = list.await.expect("the list");
    let exported = std::mem::take(&mut committed.lock().expect("lock").ids);
    (listed, exported, stopped)
}

/// This process's resident memory now and at its peak, in MiB (Linux).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_tenants_streaming_through_random_faults_lose_and_repeat_nothing() {
    let logs = servicetitan_tests::scan_logs(&[SECRET, APP_KEY, "mock-token-"]);
    let seconds: u64 = std::env::var("ST_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let started = Instant::now();
    let (mut rounds, mut requests, mut records, mut stopped, mut log_bytes) = (0u64, 0, 0, 0, 0);
    let mut faults: BTreeMap<String, usize> = BTreeMap::new();
    let mut rss_after = Vec::new();
    loop {
        rounds += 1;
        let mock = MockServer::start(Settings {
            client_secret: SECRET.into(),
            app_key: APP_KEY.into(),
            chaos: 0.15,
            seed: rounds,
            records: RECORDS,
            export_batch: 500,
            ..Settings::default()
        })
        .await
        .expect("the stand-in starts");
        let client = rt::Runtime::new(
            mock.builder().retry(
                RetryPolicy::default()
                    .max_attempts(12)
                    .initial_backoff(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(50))
                    .max_elapsed(Duration::from_secs(300)),
            ),
        )
        .expect("client");
        let tasks: Vec<_> = (1..=TENANTS)
            .map(|t| {
                let st = servicetitan::Client::new(client.clone(), t);
                let stop = Duration::from_millis(50 + (rounds * 37 + t as u64 * 53) % 400);
                tokio::spawn(one_tenant(st, stop))
            })
            .collect();
        let every: Vec<i64> = (1..=RECORDS as i64).collect();
        for (t, task) in tasks.into_iter().enumerate() {
            let (listed, mut exported, was_stopped) = task.await.expect("the tenant's streams");
            assert_eq!(
                listed,
                every,
                "tenant {}: the list, each once, in order",
                t + 1
            );
            exported.sort_unstable();
            assert_eq!(
                exported,
                every,
                "tenant {}: the export, stopped and resumed, each once",
                t + 1
            );
            records += listed.len() + exported.len();
            stopped += usize::from(was_stopped);
        }
        let log = mock.requests();
        requests += log.len();
        for f in log.iter().filter_map(|r| r.fault) {
            let kind = format!("{f:?}");
            let kind = kind.split('(').next().unwrap_or_default().to_string();
            *faults.entry(kind).or_default() += 1;
        }
        drop(log);
        drop(mock);
        log_bytes += logs.check_and_clear();
        rss_after.push(memory_mib().0);
        if started.elapsed().as_secs() >= seconds {
            break;
        }
    }
    let (rss, peak) = memory_mib();
    println!(
        "{rounds} rounds in {:.1} s: {TENANTS} tenants x (list + export) of {RECORDS} records; \
         {requests} requests; faults {faults:?}; {records} records delivered, none lost or \
         repeated; {stopped} exports stopped mid-way and resumed; {:.1} MB of TRACE logs \
         scanned; memory after each round {:?} MiB, now {rss:.0}, peak {peak:.0}",
        started.elapsed().as_secs_f64(),
        log_bytes as f64 / 1e6,
        rss_after
            .iter()
            .map(|m| m.round() as i64)
            .collect::<Vec<_>>()
    );
    assert!(
        faults.values().sum::<usize>() > 0,
        "the chaos injected faults"
    );
    if rss_after.len() >= 4 {
        let settled = rss_after[1];
        let last = *rss_after.last().expect("rounds");
        assert!(
            last <= settled * 1.5 + 64.0,
            "memory grows from round to round: {rss_after:?} MiB"
        );
    }
}
