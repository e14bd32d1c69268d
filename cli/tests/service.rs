//! `servicetitan sync` as a service (`--every`, stopped by SIGTERM between transactions,
//! metrics scraped over HTTP) and failing fast when nothing can work (an unreachable
//! token endpoint, a refused secret, a missing scope): one error, no storm per stream.

mod common;

use common::{command, dump, stand_in, temp_dir};
use rusqlite::Connection;
use servicetitan_mock::{MockServer, Settings};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::sync::mpsc::UnboundedReceiver;

/// The lines of `child`'s standard error, as they come.
fn stderr_lines(child: &mut Child) -> UnboundedReceiver<String> {
    let stderr = child.stderr.take().expect("standard error is piped");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Waits (at most a minute) for a line starting with `start`; every line read until then.
async fn until(lines: &mut UnboundedReceiver<String>, start: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let wait = async {
        while let Some(line) = lines.recv().await {
            let found = line.starts_with(start);
            seen.push(line);
            if found {
                return true;
            }
        }
        false
    };
    let found = tokio::time::timeout(Duration::from_secs(60), wait).await;
    assert!(matches!(found, Ok(true)), "no line `{start}`: {seen:#?}");
    seen
}

fn terminate(child: &Child) {
    let pid = child.id().expect("still running");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_stopped_by_sigterm_in_its_second_run_exits_0_with_rows_and_checkpoints_agreeing()
{
    let m = stand_in().await;
    let dir = temp_dir("service");
    let (whole, cut) = (dir.join("whole.db"), dir.join("cut.db"));
    let url = |p: &std::path::Path| format!("sqlite:{}", p.display());
    let done = command(&m, &url(&whole)).output().await.expect("runs");
    assert!(done.status.success());

    let mut child = command(&m, &url(&cut))
        .args(["--every", "1s"])
        .spawn()
        .expect("starts");
    let mut lines = stderr_lines(&mut child);
    until(&mut lines, "run 1: ").await;
    // The second run has begun once the stand-in hears from it.
    let heard = m.requests().len();
    let second = async {
        while m.requests().len() == heard {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), second)
        .await
        .expect("a second run");
    terminate(&child);
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("stops promptly")
        .expect("exit");
    let rest: Vec<String> = std::iter::from_fn(|| lines.try_recv().ok()).collect();
    assert!(status.success(), "{status:?}: {rest:#?}");
    assert!(
        rest.iter().any(|l| l.starts_with("stopping after")),
        "{rest:#?}"
    );

    // What the checkpoints say was committed is there: a run from them leaves what an
    // uninterrupted run leaves.
    let last = command(&m, &url(&cut)).output().await.expect("runs");
    assert!(last.status.success());
    let (a, b) = (
        dump(&Connection::open(&whole).expect("opens")),
        dump(&Connection::open(&cut).expect("opens")),
    );
    assert!(a.len() > 1_000, "{} rows", a.len());
    assert_eq!(a, b);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The samples of `metric` in Prometheus's text: (stream, value).
fn samples(text: &str, metric: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")))
        .map(|l| {
            let (labels, value) = l.rsplit_once(' ').expect("a value");
            let stream = labels.split("stream=\"").nth(1).expect("a stream label");
            let stream = stream.split('"').next().expect("closed").to_string();
            (stream, value.parse().expect("a number"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_endpoint_counts_the_rows_written_per_stream() {
    let m = stand_in().await;
    let dir = temp_dir("metrics");
    let db = dir.join("copy.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = command(&m, &format!("sqlite:{}", db.display()))
        .args(["--every", "1h", "--metrics", &addr])
        .spawn()
        .expect("starts");
    let mut lines = stderr_lines(&mut child);
    until(&mut lines, "run 1: ").await;
    let http = servicetitan::runtime::http_builder()
        .expect("a builder")
        .build()
        .expect("an HTTP client");
    let text = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("scraped")
        .text()
        .await
        .expect("a body");
    terminate(&child);
    assert!(child.wait().await.expect("exit").success());

    let conn = Connection::open(&db).expect("opens");
    let catalog = servicetitan_cli::schema::Catalog::generated();
    let rows = samples(&text, "servicetitan_sync_rows_written_total");
    assert!(rows.len() > 10, "{text}");
    // A table fed by one stream holds the rows it wrote; one fed by two (a resource's
    // export and its list) at most the rows both wrote (the second may update the first's).
    let mut written = std::collections::BTreeMap::<&str, (f64, usize)>::new();
    for (stream, value) in &rows {
        let (module, op) = stream.split_once('/').expect("module/operation");
        let table = catalog.table_of(module, op).expect("a table").name;
        let w = written.entry(table).or_default();
        *w = (w.0 + value, w.1 + 1);
    }
    let mut single = 0;
    for (table, (value, streams)) in &written {
        let count = conn
            .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get::<_, i64>(0)
            })
            .expect("counted") as f64;
        match streams {
            1 => assert_eq!(*value, count, "{table}"),
            _ => assert!(
                *value >= count && count > 0.0,
                "{table}: {value} for {count}"
            ),
        }
        single += usize::from(*streams == 1);
    }
    assert!(single >= 10, "{written:?}");
    let total: f64 = written.values().map(|(v, _)| v).sum();
    assert!(total > 1_000.0, "{total}");
    let records: f64 = samples(&text, "servicetitan_sync_records_total")
        .iter()
        .map(|(_, v)| v)
        .sum();
    assert!(records >= total, "{records} records for {total} rows");
    let calls = samples(&text, "servicetitan_sync_calls_total");
    assert!(calls.iter().all(|(_, v)| *v >= 1.0) && calls.len() >= rows.len());
    assert_eq!(
        samples(&text, "servicetitan_sync_last_success_timestamp_seconds").len(),
        rows.len()
    );
    assert!(text.contains("servicetitan_sync_runs_total 1"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sync that cannot work: its exit status, standard error, and the token requests its
/// summary counts.
async fn hopeless(
    m: &MockServer,
    configure: impl FnOnce(&mut tokio::process::Command),
) -> (bool, String, u64) {
    let dir = temp_dir("hopeless");
    let mut c = command(m, &format!("sqlite:{}", dir.join("copy.db").display()));
    configure(&mut c);
    let out = tokio::time::timeout(Duration::from_secs(60), c.output())
        .await
        .expect("ends within a minute")
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let tokens = stderr
        .split(" token requests")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of token requests: {stderr}"));
    let _ = std::fs::remove_dir_all(&dir);
    (out.status.success(), stderr, tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_can_work_so_the_sync_stops_with_one_error() {
    let m = stand_in().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    // The port is closed once the listener is dropped: connections are refused.
    let (ok, stderr, tokens) = hopeless(&m, |c| {
        c.env("ST_AUTH_URL", format!("http://{closed}"));
    })
    .await;
    assert!(!ok, "{stderr}");
    assert_eq!(
        stderr.matches("could not be reached").count(),
        1,
        "{stderr}"
    );
    assert!(
        !stderr.contains("FAILED"),
        "no failure per stream: {stderr}"
    );
    let allowed = servicetitan::runtime::RetryPolicy::default().max_attempts;
    assert!(
        tokens <= u64::from(allowed),
        "{tokens} token requests: {stderr}"
    );

    let (ok, stderr, tokens) = hopeless(&m, |c| {
        c.env("ST_CLIENT_SECRET", "not-the-secret");
    })
    .await;
    assert!(!ok, "{stderr}");
    assert_eq!(stderr.matches("invalid_client").count(), 1, "{stderr}");
    assert!(
        stderr.contains("ST_CLIENT_SECRET"),
        "names the fix: {stderr}"
    );
    assert_eq!(tokens, 1, "{stderr}");
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_the_app_lacks_stops_the_sync_with_one_error() {
    let m = MockServer::start(Settings {
        records: 120,
        seed: 7,
        scopes: Some(vec!["tn.crm.customers:r".to_string()]),
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts");
    let (ok, stderr, tokens) = hopeless(&m, |_| {}).await;
    assert!(!ok, "{stderr}");
    assert_eq!(
        stderr.matches("give the app the scopes").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("tn.jpm.jobs:r (jpm)"), "{stderr}");
    assert!(
        !stderr.contains("FAILED"),
        "no failure per stream: {stderr}"
    );
    assert_eq!(tokens, 1, "{stderr}");
}

/// The README's systemd unit and container command line run a sync the command accepts.
#[test]
fn the_readme_service_lines_are_sync_commands_the_program_accepts() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    let section = &readme[readme.find("#### As a service").expect("the section")..];
    let unit = section
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart=/usr/local/bin/servicetitan "))
        .expect("a unit's ExecStart");
    let container = section
        .lines()
        .find(|l| l.starts_with("docker run "))
        .and_then(|l| l.split_once(" servicetitan sync "))
        .map(|(_, args)| format!("sync {args}"))
        .expect("a container line");
    for line in [unit.to_string(), container] {
        let m = servicetitan_cli::args::sync_command()
            .try_get_matches_from(line.split_whitespace())
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        let env = |k: &str| (k == "DATABASE_URL").then(|| "postgres://db/copy".to_string());
        servicetitan_cli::args::sync_matches(&m, env).unwrap_or_else(|e| panic!("{line}: {e}"));
        let service = servicetitan_cli::args::service_matches(&m).expect("service options");
        assert!(
            service.every.is_some() && service.metrics.is_some(),
            "{line}"
        );
    }
}

/// A stream's own failure (one resource answering 500 after its retries) is reported,
/// and every other stream goes on: the rest of the copy is there, and the run exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streams_own_failure_leaves_the_others_going() {
    use servicetitan_mock::{Fault, Target};
    let m = stand_in().await;
    m.on(Target::operation("Leads_GetList"), [Fault::Status(500); 64]);
    let dir = temp_dir("own-failure");
    let db = dir.join("copy.db");
    let out = command(&m, &format!("sqlite:{}", db.display()))
        .output()
        .await
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("FAILED").count(), 1, "{stderr}");
    assert!(stderr.contains("crm/Leads_GetList  FAILED"), "{stderr}");
    let conn = Connection::open(&db).expect("opens");
    for table in ["crm_customers", "crm_locations", "jpm_jobs"] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("counted");
        assert!(n > 0, "{table} synced beside the failure");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
