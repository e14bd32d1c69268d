//! Drift notes survive the process: written every interval while they change, so a
//! `kill -9` after more than one interval leaves them in the file (and one before the
//! first interval, with a long interval, shows that nothing else wrote them); with the
//! runtime handling signals, SIGTERM writes them at once and ends the process as SIGTERM
//! does.

use serde_json::json;
use servicetitan::runtime::drift::{notes_file, DriftKind};
use servicetitan_tests::{Reply, ScriptedServer};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

const SECRET: &str = "drift-kills-client-secret";

/// A page of one customer with a property the document does not have.
async fn server() -> ScriptedServer {
    ScriptedServer::with_token("", |_| {
        let customer = json!({"id": 7, "name": "Kill Test", "loyaltyTier": "gold"});
        let page = json!({"page": 1, "pageSize": 50, "hasMore": false, "data": [customer]});
        Reply::json(200, page)
    })
    .await
}

/// The child, started, once it has noted its drift.
async fn noted(
    server: &ScriptedServer,
    file: &Path,
    every_ms: u64,
    signals: bool,
) -> tokio::process::Child {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_drift_child"));
    c.env("ST_ENVIRONMENT", "integration")
        .env("ST_AUTH_URL", server.url())
        .env("ST_API_URL", server.url())
        .env("ST_CLIENT_ID", "cid.drift")
        .env("ST_CLIENT_SECRET", SECRET)
        .env("ST_APP_KEY", "ak1.drift-kills")
        .env("ST_TENANT_ID", "42")
        .env("DRIFT_FILE", file)
        .env("DRIFT_FLUSH_MS", every_ms.to_string())
        .env_remove("ST_DRIFT_REPORT")
        .env_remove("ST_DRIFT_NOTES")
        .env_remove("ST_DRIFT_FLUSH_SECONDS")
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    if signals {
        c.env("DRIFT_SIGNALS", "1");
    }
    let mut child = c.spawn().expect("the child starts");
    let out = child.stdout.take().expect("piped");
    let mut lines = tokio::io::BufReader::new(out).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("within 30 s")
        .expect("reads");
    assert_eq!(line.as_deref(), Some("noted"));
    child
}

fn unknown_fields(file: &Path) -> usize {
    match notes_file::read(file) {
        Ok(notes) => notes
            .keys()
            .filter(|p| p.kind == DriftKind::UnknownField && p.field == "loyaltyTier")
            .count(),
        Err(_) => 0,
    }
}

fn signal(child: &tokio::process::Child, name: &str) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_after_an_interval_leaves_the_notes_and_one_before_it_does_not() {
    let server = server().await;
    let dir = std::env::temp_dir().join(format!("drift-kills-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");

    let file = dir.join("after.jsonl");
    let mut child = noted(&server, &file, 200, false).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await; // five intervals
    signal(&child, "KILL");
    let status = child.wait().await.expect("ended");
    assert_eq!(status.signal(), Some(9));
    assert_eq!(unknown_fields(&file), 1, "written within an interval");

    let file = dir.join("before.jsonl");
    let mut child = noted(&server, &file, 600_000, false).await;
    signal(&child, "KILL");
    child.wait().await.expect("ended");
    assert_eq!(
        unknown_fields(&file),
        0,
        "nothing but the interval writes them"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_writes_the_notes_when_the_runtime_handles_signals() {
    let server = server().await;
    let dir = std::env::temp_dir().join(format!("drift-term-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let file = dir.join("term.jsonl");
    // An interval far longer than the test: only the signal can write the notes.
    let mut child = noted(&server, &file, 600_000, true).await;
    signal(&child, "TERM");
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("ends")
        .expect("ended");
    assert_eq!(
        status.signal(),
        Some(15),
        "ended as SIGTERM ends it: {status:?}"
    );
    assert_eq!(unknown_fields(&file), 1, "written at the signal");
    let _ = std::fs::remove_dir_all(&dir);
}
