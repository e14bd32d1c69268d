//! A sync killed (SIGKILL) five times at seeded random moments, then run to the end,
//! leaves exactly what an uninterrupted run leaves, table by table, in SQLite and in
//! PostgreSQL: each batch of rows and the checkpoint after it commit together, so a kill
//! loses nothing and applies nothing twice.

mod common;

use common::{command, dump, postgres_dump, stand_in};
use rusqlite::Connection;
use servicetitan_mock::MockServer;
use servicetitan_tests::postgres::PostgresServer;
use std::time::Duration;

/// Delays from 40 ms to 1.5 s, from a seed (a linear congruential generator).
fn delays(seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            40 + (x >> 33) % 1_460
        })
        .collect()
}

/// The command run to its end into `to`, successfully.
async fn run_to_end(m: &MockServer, to: &str) {
    let done = command(m, to).output().await.expect("runs");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// The command started into `to` five times, each killed after the seeded delay unless
/// it ended first (successfully). At least three must have been cut short, and one of
/// them with part of the copy's `total` rows written (`rows` counts them).
async fn kill_five_times(
    m: &MockServer,
    to: &str,
    seed: u64,
    total: usize,
    rows: impl Fn() -> usize,
) {
    let mut killed = Vec::new();
    for (run, delay) in delays(seed, 5).into_iter().enumerate() {
        let mut child = command(m, to).spawn().expect("starts");
        tokio::select! {
            status = child.wait() => {
                assert!(status.expect("exit").success(), "run {run} ended on its own, successfully");
            }
            _ = tokio::time::sleep(Duration::from_millis(delay)) => {
                child.kill().await.expect("killed");
                killed.push(rows());
            }
        }
    }
    println!(
        "{to}: {} of 5 runs killed, leaving {killed:?} of {total} rows",
        killed.len()
    );
    assert!(
        killed.len() >= 3,
        "only {} runs were cut short: the test would prove little",
        killed.len()
    );
    assert!(
        killed.iter().any(|n| (1..total).contains(n)),
        "no run was cut short while writing: {killed:?} of {total} rows"
    );
}

/// Waits until no connection but its own is open on PostgreSQL database `db`: a killed
/// process's connections end when the server next reads from them, and until then their
/// streams' locks keep another run off those streams.
async fn until_alone(pg: &PostgresServer, db: &str) {
    let others = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' \
         AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    );
    for _ in 0..600 {
        if pg.psql(db, &others).trim() == "0" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the killed runs' connections to {db} are still open");
}

/// Both dumps, row by row.
fn assert_same(whole: &[String], cut: &[String]) {
    assert!(whole.len() > 1_000, "{} rows", whole.len());
    assert_eq!(whole.len(), cut.len(), "as many rows");
    for (x, y) in whole.iter().zip(cut) {
        assert_eq!(x, y, "the same row");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_five_times_then_completed_equals_one_uninterrupted_run() {
    let m = stand_in().await;
    let dir = common::temp_dir("kills");
    let (whole, cut) = (dir.join("whole.db"), dir.join("cut.db"));
    let url = |p: &std::path::Path| format!("sqlite:{}", p.display());

    run_to_end(&m, &url(&whole)).await;
    let whole = dump(&Connection::open(&whole).expect("opens"));
    let rows = || dump(&Connection::open(&cut).expect("opens")).len();
    kill_five_times(&m, &url(&cut), 0x5eed, whole.len(), rows).await;
    run_to_end(&m, &url(&cut)).await;

    assert_same(&whole, &dump(&Connection::open(&cut).expect("opens")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_sync_killed_five_times_then_completed_equals_one_uninterrupted_run() {
    let pg = PostgresServer::start();
    pg.psql("postgres", "CREATE DATABASE whole");
    pg.psql("postgres", "CREATE DATABASE cut");
    let m = stand_in().await;

    run_to_end(&m, &pg.url_of("whole")).await;
    let whole = postgres_dump(&pg, "whole");
    let rows = || postgres_dump(&pg, "cut").len();
    kill_five_times(&m, &pg.url_of("cut"), 0x5eed_0f1a, whole.len(), rows).await;
    until_alone(&pg, "cut").await;
    run_to_end(&m, &pg.url_of("cut")).await;

    assert_same(&whole, &postgres_dump(&pg, "cut"));
}
