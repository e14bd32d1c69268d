//! The same sync into PostgreSQL (Debian's server, started on loopback for the test): one
//! row per record in typed columns (`numeric`, `timestamptz`, `jsonb`), a second run
//! changes nothing, changes arrive once; and two processes of the command on one database
//! each sync some resources and together leave what one process leaves.

mod common;

use common::{command, postgres_dump as dump, stand_in, sync_once};
use servicetitan_tests::postgres::PostgresServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_into_postgres_keeps_one_typed_row_per_record() {
    let pg = PostgresServer::start();
    pg.psql("postgres", "CREATE DATABASE copy");
    let url = pg.url_of("copy");
    let m = stand_in().await;

    let first = sync_once(&m, &url).await;
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    let ids = common::customer_ids(&m).await;
    let count = pg.psql(
        "copy",
        "SELECT count(*), count(DISTINCT id) FROM crm_customers WHERE tenant = 42",
    );
    assert_eq!(
        count.trim(),
        format!("{0}|{0}", ids.len()),
        "one row per customer"
    );
    let types = pg.psql(
        "copy",
        "SELECT pg_typeof(balance), pg_typeof(modified_on), pg_typeof(address) FROM crm_customers LIMIT 1",
    );
    assert_eq!(types.trim(), "numeric|timestamp with time zone|jsonb");
    println!(
        "first run: {} records, {} rows written",
        first.records, first.written
    );

    let before = dump(&pg, "copy");
    let second = sync_once(&m, &url).await;
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_eq!(second.written, 0, "a run without changes writes nothing");
    assert_eq!(dump(&pg, "copy"), before);

    let created = common::change_three_customers(&m, "Renamed").await;
    let third = sync_once(&m, &url).await;
    assert!(third.failed.is_empty(), "{:?}", third.failed);
    let rows = pg.psql(
        "copy",
        &format!(
            "SELECT id, name, active FROM crm_customers WHERE id IN (10, 20, {created}) ORDER BY id"
        ),
    );
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows[0], "10|Renamed|t");
    assert!(
        rows[1].ends_with("|f"),
        "the deleted customer is inactive: {}",
        rows[1]
    );
    assert_eq!(rows[2], format!("{created}|Created between runs|t"));
    let count = pg.psql(
        "copy",
        "SELECT count(*) FROM crm_customers WHERE tenant = 42",
    );
    assert_eq!(
        count.trim(),
        (ids.len() + 1).to_string(),
        "the created customer once"
    );
}

/// The streams a run's summary shows with records.
fn streams_with_records(summary: &str) -> Vec<String> {
    summary
        .lines()
        .filter(|l| l.contains(" written)"))
        .map(|l| l.split_whitespace().nth(2).unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_split_the_work() {
    let pg = PostgresServer::start();
    pg.psql("postgres", "CREATE DATABASE one");
    pg.psql("postgres", "CREATE DATABASE two");
    let m = stand_in().await;

    let alone = command(&m, &pg.url_of("one")).output().await.expect("runs");
    assert!(
        alone.status.success(),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );

    let (a, b) = tokio::join!(
        command(&m, &pg.url_of("two")).output(),
        command(&m, &pg.url_of("two")).output()
    );
    let (a, b) = (a.expect("runs"), b.expect("runs"));
    let (sa, sb) = (
        String::from_utf8_lossy(&a.stderr).to_string(),
        String::from_utf8_lossy(&b.stderr).to_string(),
    );
    assert!(a.status.success() && b.status.success(), "{sa}\n{sb}");
    let (wa, wb) = (streams_with_records(&sa), streams_with_records(&sb));
    println!("process a synced {} streams, b {}", wa.len(), wb.len());
    assert!(
        !wa.is_empty() && !wb.is_empty(),
        "each process synced something:\n{sa}\n{sb}"
    );
    assert!(
        wa.iter().all(|s| !wb.contains(s)),
        "no stream synced with records by both: {wa:?} {wb:?}"
    );
    assert_eq!(
        dump(&pg, "two"),
        dump(&pg, "one"),
        "two processes leave what one leaves"
    );
}
