//! A sync into SQLite killed five times at seeded random moments, then run to the end,
//! leaves exactly what an uninterrupted run leaves, table by table: each batch of rows
//! and the checkpoint after it commit together, so a kill loses nothing and applies
//! nothing twice.

mod common;

use common::{command, dump, stand_in};
use rusqlite::Connection;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_five_times_then_completed_equals_one_uninterrupted_run() {
    let m = stand_in().await;
    let dir = common::temp_dir("kills");
    let (whole, cut) = (dir.join("whole.db"), dir.join("cut.db"));
    let url = |p: &std::path::Path| format!("sqlite:{}", p.display());

    let done = command(&m, &url(&whole)).output().await.expect("runs");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );

    let mut killed = 0;
    for (run, delay) in delays(0x5eed, 5).into_iter().enumerate() {
        let mut child = command(&m, &url(&cut)).spawn().expect("starts");
        tokio::select! {
            status = child.wait() => {
                assert!(status.expect("exit").success(), "run {run} ended on its own, successfully");
            }
            _ = tokio::time::sleep(Duration::from_millis(delay)) => {
                child.kill().await.expect("killed");
                killed += 1;
            }
        }
    }
    println!("{killed} of 5 runs killed");
    assert!(
        killed >= 3,
        "only {killed} runs were cut short: the test would prove little"
    );
    let last = command(&m, &url(&cut)).output().await.expect("runs");
    assert!(
        last.status.success(),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );

    let (a, b) = (
        dump(&Connection::open(&whole).expect("opens")),
        dump(&Connection::open(&cut).expect("opens")),
    );
    assert!(a.len() > 1_000, "{} rows", a.len());
    assert_eq!(a.len(), b.len(), "as many rows");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "the same row");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
