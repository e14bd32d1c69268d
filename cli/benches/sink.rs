//! Rows per second of a first sync into each destination, against the stand-in in the
//! same process: crm's customers (the list and the export, one table) with `RECORDS`
//! records each. The stand-in's own time (serving, and the client reading every record)
//! is measured apart, by a pass that reads both streams and writes nothing; each
//! destination's figure is its time beyond that. Then each destination alone: the same
//! records, read once beforehand, written in batches of a page (rows made, copied,
//! committed with their checkpoint), with no stand-in running. PostgreSQL is measured
//! plain (`sslmode=disable`) and over TLS (`verify-full` against a test authority, the
//! certificate made by the `openssl` command line). Three rounds, side by side (each
//! round in another order), in one run; the median is printed, and its ratio to JSON
//! lines'. Each destination's copy is removed once measured.
//!
//! `cargo bench -p servicetitan-cli --bench sink` (release build; starts PostgreSQL like
//! the tests, from Debian's package)

use futures_util::StreamExt;
use servicetitan::runtime::RawRecord;
use servicetitan::runtime::{ChangeOptions, SyncSource};
use servicetitan_cli::args::{Output, SyncArgs};
use servicetitan_cli::schema::Catalog;
use servicetitan_cli::sink::{jsonl, Commit, Database};
use servicetitan_mock::{MockServer, Settings};
use servicetitan_tests::postgres::{Certificates, PostgresServer};
use std::time::{Duration, Instant};

const RECORDS: usize = 20_000;
const ROUNDS: usize = 3;
const TENANT: i64 = 42;
const PAGE: usize = 5000;

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
    let options = ChangeOptions::default().page_size(PAGE as _);
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
        page_size: PAGE as i32,
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

/// Both streams' records, read once: each stream's operation id and records.
async fn streams(m: &MockServer, catalog: Catalog) -> Vec<(&'static str, Vec<RawRecord>)> {
    let client = runtime(m).tenant(TENANT);
    let options = ChangeOptions::default().page_size(PAGE as _);
    let mut out = Vec::new();
    for source in catalog.sources[0].1 {
        let mut changes = source.open_raw(&client, None, &options).expect("opens");
        let mut records = Vec::new();
        while let Some(r) = changes.next().await {
            records.push(r.expect("a record"));
        }
        out.push((source.operation.id, records));
    }
    out
}

/// Writes `streams` into `to` (a folder of JSON-lines files, or a database URL, opened
/// and migrated beforehand): the time of the writing alone.
async fn write_alone(
    catalog: Catalog,
    streams: &[(&'static str, Vec<RawRecord>)],
    to: &Output,
) -> Duration {
    let mut elapsed = Duration::ZERO;
    match to {
        Output::Files { out, state } => {
            let files = jsonl::Files::open(out, state, TENANT).expect("the files");
            for (operation, records) in streams {
                let mut stream = files.stream(&format!("crm/{operation}")).expect("a stream");
                let t = Instant::now();
                for page in records.chunks(PAGE) {
                    for r in page {
                        stream.push(r).expect("written");
                    }
                    stream.commit(None, page.len() as u64).expect("committed");
                }
                elapsed += t.elapsed();
            }
        }
        Output::Database(url) => {
            let db = Database::open(url, catalog.migrations)
                .await
                .expect("opens");
            for (operation, records) in streams {
                let key = format!("crm/{operation}");
                let table = catalog.table_of("crm", operation).expect("a table");
                let t = Instant::now();
                let mut session = db
                    .session(TENANT, &key)
                    .await
                    .expect("a session")
                    .expect("the lock");
                for page in records.chunks(PAGE) {
                    let rows = page
                        .iter()
                        .map(|r| servicetitan_cli::row::row(table, r).expect("a row"));
                    let commit = Commit {
                        tenant: TENANT,
                        stream: key.clone(),
                        table,
                        rows: rows.collect(),
                        checkpoint: None,
                        records: page.len() as u64,
                    };
                    session.commit(commit).await.expect("committed");
                }
                elapsed += t.elapsed();
            }
        }
    }
    elapsed
}

/// The time to make the records rows of their table, which a database's writing includes.
fn make_rows(catalog: Catalog, streams: &[(&'static str, Vec<RawRecord>)]) -> Duration {
    let t = Instant::now();
    for (operation, records) in streams {
        let table = catalog.table_of("crm", operation).expect("a table");
        for r in records {
            std::hint::black_box(servicetitan_cli::row::row(table, r).expect("a row"));
        }
    }
    t.elapsed()
}

/// The destinations, in order: JSON lines, SQLite, PostgreSQL, PostgreSQL over TLS (each
/// round a new file, folder or database).
fn destinations(dir: &std::path::Path, pg: &PostgresServer, ca: &str, name: &str) -> [Output; 4] {
    pg.psql("postgres", &format!("CREATE DATABASE {name}"));
    pg.psql("postgres", &format!("CREATE DATABASE {name}_tls"));
    let tls = pg.url_by("postgres", "localhost", &format!("{name}_tls"));
    [
        Output::Files {
            out: dir.join(format!("{name}-jsonl")),
            state: dir.join(format!("{name}-jsonl.state")),
        },
        Output::Database(format!(
            "sqlite:{}",
            dir.join(format!("{name}.db")).display()
        )),
        Output::Database(pg.url_of(name) + "?sslmode=disable"),
        Output::Database(format!("{tls}?sslmode=verify-full&sslrootcert={ca}")),
    ]
}

/// Removes what a destination wrote (the disk holds one round's copy at a time).
fn remove(pg: &PostgresServer, to: &Output) {
    match to {
        Output::Files { out, state } => {
            let _ = std::fs::remove_dir_all(out);
            let _ = std::fs::remove_file(state);
        }
        Output::Database(url) if url.starts_with("sqlite:") => {
            let path = &url["sqlite:".len()..];
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        Output::Database(url) => {
            let path = url.split('?').next().unwrap_or(url);
            let name = path.rsplit('/').next().expect("a database name");
            pg.psql("postgres", &format!("DROP DATABASE {name} WITH (FORCE)"));
        }
    }
}

fn clone(o: &Output) -> Output {
    match o {
        Output::Files { out, state } => Output::Files {
            out: out.clone(),
            state: state.clone(),
        },
        Output::Database(url) => Output::Database(url.clone()),
    }
}

/// Each figure's median, its rate, and its ratio to the first destination's (JSON
/// lines'): end to end when `beyond` is the reading's time, else of the writing alone.
fn report(names: &[&str], times: Vec<Vec<Duration>>, records: u64, beyond: Option<Duration>) {
    let medians: Vec<Duration> = times.into_iter().map(median).collect();
    let jsonl = medians[0];
    for (name, t) in names.iter().zip(medians) {
        let total = records as f64 / t.as_secs_f64();
        let own = t.saturating_sub(beyond.unwrap_or_default());
        let rate = records as f64 / own.as_secs_f64().max(1e-9);
        let ratio = t.as_secs_f64() / jsonl.as_secs_f64();
        match beyond {
            Some(_) => println!(
                "  {name:<32} {t:>9.2?}  {total:>9.0} records/s, {ratio:>5.2}x JSON lines'; beyond reading: {own:>9.2?}, {rate:>9.0} rows/s"
            ),
            None => println!("  {name:<32} {t:>9.2?}  {rate:>9.0} rows/s, {ratio:>5.2}x JSON lines'"),
        }
    }
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
    let certs = Certificates::make();
    let pg = PostgresServer::start_tls(&certs);
    let ca = certs.path("ca.crt");
    let dir = std::env::temp_dir().join(format!("st-bench-sink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");

    let names = ["JSON lines", "SQLite", "PostgreSQL", "PostgreSQL over TLS"];
    let (mut read, mut synced, mut alone) = (Vec::new(), vec![Vec::new(); 4], vec![Vec::new(); 4]);
    let (mut records, mut made) = (0, Vec::new());
    for round in 0..ROUNDS {
        let (n, t) = read_only(&m, catalog).await;
        records = n;
        read.push(t);
        // Each round in another order: no destination always first or last.
        let outputs = destinations(&dir, &pg, &ca, &format!("sync{round}"));
        for i in (0..outputs.len()).map(|k| (k + round) % outputs.len()) {
            synced[i].push(sync(&m, catalog, clone(&outputs[i])).await.1);
            remove(&pg, &outputs[i]);
        }
    }
    let streams = streams(&m, catalog).await;
    drop(m);
    for round in 0..ROUNDS {
        made.push(make_rows(catalog, &streams));
        let outputs = destinations(&dir, &pg, &ca, &format!("alone{round}"));
        for i in (0..outputs.len()).map(|k| (k + round) % outputs.len()) {
            alone[i].push(write_alone(catalog, &streams, &outputs[i]).await);
            remove(&pg, &outputs[i]);
        }
    }
    let read = median(read);
    println!("{records} records (crm customers: list and export, {RECORDS} each), median of {ROUNDS} rounds:");
    println!(
        "  {:<32} {read:>9.2?}  {:>9.0} records/s",
        "read only (stand-in + client)",
        records as f64 / read.as_secs_f64()
    );
    report(&names, synced, records, Some(read));
    println!("each destination alone, the same records read beforehand, batches of {PAGE}:");
    report(&names, alone, records, None);
    let made = median(made);
    let rate = records as f64 / made.as_secs_f64();
    println!(
        "  {:<32} {made:>9.2?}  {rate:>9.0} rows/s (within both databases' figures)",
        "(rows made, nothing written)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
