//! A soak against the stand-in ServiceTitan answering a share of requests with random
//! faults (5xx, 429 with `Retry-After`, bodies cut short, resets, HTML pages, revoked
//! tokens, delays): many tenants, each streaming a paged list and an export at once,
//! through the generated client. Nothing is lost and nothing arrives twice.
//!
//! Bounded for CI (one round). Longer runs, with figures:
//! `ST_SOAK_SECONDS=300 cargo test --release -p servicetitan-tests --test chaos -- --nocapture`

use futures_util::StreamExt;
use servicetitan::runtime::{self as rt, RetryPolicy};
use servicetitan_mock::{MockServer, Settings};
use std::time::{Duration, Instant};

const TENANTS: i64 = 6;
const RECORDS: usize = 300;

/// Every customer of `tenant` through the paged list, and through the export.
async fn one_tenant(st: servicetitan::Client) -> (Vec<i64>, Vec<i64>) {
    let crm = st.crm();
    let list = crm.customers().get_list().page_size(50).items();
    let export = crm.export_customers().get_customers().items();
    let (listed, exported) = tokio::join!(list.collect::<Vec<_>>(), export.collect::<Vec<_>>());
    let listed = listed
        .into_iter()
        .map(|c| c.expect("a listed customer").id.expect("id"))
        .collect();
    let exported = exported
        .into_iter()
        .map(|c| c.expect("an exported customer").id.expect("id"))
        .collect();
    (listed, exported)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tenants_and_streams_through_random_faults_lose_nothing() {
    let seconds: u64 = std::env::var("ST_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let started = Instant::now();
    let mut rounds = 0u64;
    let (mut requests, mut faults, mut records) = (0usize, 0usize, 0usize);
    loop {
        rounds += 1;
        let mock = MockServer::start(Settings {
            chaos: 0.2,
            seed: rounds,
            records: RECORDS,
            export_batch: 40,
            ..Settings::default()
        })
        .await
        .expect("the stand-in starts");
        let client = rt::Client::new(mock.builder().retry(RetryPolicy {
            max_attempts: 12,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(120),
            ..RetryPolicy::default()
        }))
        .expect("client");
        let tasks: Vec<_> = (1..=TENANTS)
            .map(|t| tokio::spawn(one_tenant(servicetitan::Client::new(client.clone(), t))))
            .collect();
        let every: Vec<i64> = (1..=RECORDS as i64).collect();
        for (t, task) in tasks.into_iter().enumerate() {
            let (listed, mut exported) = task.await.expect("the tenant's streams");
            assert_eq!(
                listed,
                every,
                "tenant {}: the list, each once, in order",
                t + 1
            );
            exported.sort_unstable();
            assert_eq!(exported, every, "tenant {}: the export, each once", t + 1);
            records += listed.len() + exported.len();
        }
        let log = mock.requests();
        requests += log.len();
        faults += log.iter().filter(|r| r.fault.is_some()).count();
        if started.elapsed().as_secs() >= seconds {
            break;
        }
    }
    println!(
        "{rounds} rounds in {:.1} s: {requests} requests, {faults} answered with a fault, \
         {records} records delivered, none lost or repeated",
        started.elapsed().as_secs_f64()
    );
    assert!(faults > 0, "the chaos injected faults");
}
