//! Rows per second of a first sync into each destination, against the stand-in in the
//! same process: crm's customers (the list and the export, one table) with `RECORDS`
//! records each. The stand-in's own time (serving, and the client reading every record)
//! is measured apart, by a pass that reads both streams and writes nothing; each
//! destination's figure is its time beyond that. Three rounds, side by side, in one run;
//! the median is printed.
//!
//! `cargo bench -p servicetitan-cli --bench sink` (release build; starts PostgreSQL like
//! the tests, from Debian's package)

use futures_util::StreamExt;
use servicetitan::runtime::{ChangeOptions, SyncSource};
use servicetitan_cli::args::{Output, SyncArgs};
use servicetitan_cli::schema::Catalog;
use servicetitan_mock::{MockServer, Settings};
use servicetitan_tests::postgres::PostgresServer;
use std::time::{Duration, Instant};

const RECORDS: usize = 20_000;
const ROUNDS: usize = 3;
const TENANT: i64 = 42;

/// The generated catalog with crm's customer sources only.
fn customers() -> Catalog {
    let generated = Catalog::generated();
    let crm: Vec<SyncSource> = servicetitan::crm::SYNC_SOURCES
        .iter()
        .filter(|s| ["Customers_GetList", "ExportCustomers_GetCustomers"].contains(&s.operation.id))
        .copied()
        .collect();
    assert_eq!(crm.len(), 2, "the customers' list and export");
    let crm: &'static [SyncSource] = Box::leak(crm.into_boxed_slice());
    Catalog {
        sources: Box::leak(Box::new([("crm", crm)])),
        ..generated
    }
}

fn runtime(m: &MockServer) -> servicetitan::Runtime {
    servicetitan::Runtime::new(m.builder()).expect("a runtime")
}

/// Reads both streams, writing nothing: the stand-in's and the client's share.
async fn read_only(m: &MockServer, catalog: Catalog) -> (u64, Duration) {
    let client = runtime(m).tenant(TENANT);
    let options = ChangeOptions::default().page_size(5000);
    let t = Instant::now();
    let mut n = 0;
    for source in catalog.sources[0].1 {
        let mut changes = source.open_raw(&client, None, &options).expect("opens");
        while let Some(r) = changes.next().await {
            r.expect("a record");
            n += 1;
        }
    }
    (n, t.elapsed())
}

async fn sync(m: &MockServer, catalog: Catalog, output: Output) -> (u64, Duration) {
    let args = SyncArgs {
        domains: vec!["crm".into()],
        output,
        tenants: vec![TENANT],
        concurrency: 1,
        page_size: 5000,
        progress: false,
        reports: None,
    };
    let t = Instant::now();
    let outcomes = servicetitan_cli::sync::run_with(&args, runtime(m), catalog)
        .await
        .expect("the sync runs");
    let elapsed = t.elapsed();
    for o in &outcomes {
        assert!(o.result.is_ok(), "{}: {:?}", o.stream, o.result);
    }
    (outcomes.iter().map(|o| o.records).sum(), elapsed)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let m = MockServer::start(Settings {
        records: RECORDS,
        seed: 7,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts");
    let catalog = customers();
    let pg = PostgresServer::start();
    let dir = std::env::temp_dir().join(format!("st-bench-sink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");

    let names = [
        "read only (stand-in + client)",
        "JSON lines",
        "SQLite",
        "PostgreSQL",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    let mut records = 0;
    for round in 0..ROUNDS {
        let (n, t) = read_only(&m, catalog).await;
        records = n;
        times[0].push(t);
        let files = Output::Files {
            out: dir.join(format!("jsonl-{round}")),
            state: dir.join(format!("jsonl-{round}.state")),
        };
        times[1].push(sync(&m, catalog, files).await.1);
        let sqlite = format!("sqlite:{}", dir.join(format!("copy-{round}.db")).display());
        times[2].push(sync(&m, catalog, Output::Database(sqlite)).await.1);
        pg.psql("postgres", &format!("CREATE DATABASE copy{round}"));
        let url = pg.url_of(&format!("copy{round}"));
        times[3].push(sync(&m, catalog, Output::Database(url)).await.1);
    }
    let read = median(times[0].clone());
    println!("{records} records (crm customers: list and export, {RECORDS} each), median of {ROUNDS} rounds:");
    for (name, t) in names.iter().zip(times) {
        let t = median(t);
        let total = records as f64 / t.as_secs_f64();
        if t == read {
            println!("  {name:<32} {t:>9.2?}  {total:>9.0} records/s");
            continue;
        }
        let beyond = t.saturating_sub(read);
        let sink = records as f64 / beyond.as_secs_f64().max(1e-9);
        println!(
            "  {name:<32} {t:>9.2?}  {total:>9.0} records/s end to end; beyond reading: {beyond:>9.2?}, {sink:>9.0} rows/s"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
