//! `servicetitan sync` into JSON-lines files (`--out`, `--state`) against the stand-in
//! ServiceTitan, as a user runs it: killed at several moments while the tenant's users change records,
//! then run to the end. Every record of every resource is in the copy, no line twice,
//! every change as a new version, and the state file covers exactly what the files hold.

mod common;

use servicetitan::crm::UpdateCustomerRequest;
use servicetitan_mock::{MockServer, Settings};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

const TENANT: i64 = 42;
const RECORDS: usize = 400;

fn command(bin: &Path, m: &MockServer, out: &Path, state: &Path) -> tokio::process::Command {
    let mut c = common::sync_command(bin, m);
    c.args([
        "--domains",
        "crm,jpm",
        "--page-size",
        "100",
        "--quiet",
        "--out",
    ])
    .arg(out)
    .arg("--state")
    .arg(state);
    c
}

/// Every line of every file under `dir`, by file (relative path).
fn read_copy(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for domain in std::fs::read_dir(dir).expect("out dir") {
        let domain = domain.expect("entry").path();
        for file in std::fs::read_dir(&domain).expect("domain dir") {
            let file = file.expect("entry").path();
            let text = std::fs::read_to_string(&file).expect("a copy file");
            let key = file
                .strip_prefix(dir)
                .expect("under out")
                .display()
                .to_string();
            out.insert(key, text.lines().map(str::to_string).collect());
        }
    }
    out
}

fn ids(lines: &[String]) -> BTreeSet<i64> {
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["id"].as_i64().expect("an id")
        })
        .collect()
}

/// The copy in `out` after a completed run, checked: no line twice in any file, every
/// live customer in the list's file, every customer in the export's (deleted customer 20
/// marked inactive), each customer in `renamed` with its new name in both, and the
/// state's byte counts equal to the files' lengths.
fn assert_whole_copy(
    out: &Path,
    state: &Path,
    renamed: &BTreeMap<i64, String>,
) -> BTreeMap<String, Vec<String>> {
    let copy = read_copy(out);
    assert!(copy.len() >= 30, "{} resources copied", copy.len());
    for (file, lines) in &copy {
        let unique: BTreeSet<&String> = lines.iter().collect();
        assert_eq!(unique.len(), lines.len(), "{file}: a line repeated");
    }
    let all: BTreeSet<i64> = (1..=RECORDS as i64).collect();
    let customers = &copy["crm/Customers_GetList.jsonl"];
    // Customer 20 was deleted: the list has it only if a run read it before.
    let live: BTreeSet<i64> = all.iter().copied().filter(|i| *i != 20).collect();
    assert!(
        ids(customers).is_superset(&live),
        "every live customer in the list's copy"
    );
    let exported = &copy["crm/ExportCustomers_GetCustomers.jsonl"];
    assert_eq!(ids(exported), all, "every customer in the export's copy");
    for (id, name) in renamed {
        for lines in [customers, exported] {
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains(&format!("\"id\":{id},")) && l.contains(name.as_str())),
                "customer {id}'s change to {name:?} is in the copy"
            );
        }
    }
    assert!(
        exported
            .iter()
            .any(|l| l.contains("\"id\":20,") && l.contains("\"active\":false")),
        "the export shows the deleted customer"
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state).expect("state")).expect("state JSON");
    for (key, stream) in saved["streams"].as_object().expect("streams") {
        let len = std::fs::metadata(out.join(format!("{key}.jsonl")))
            .expect("its file")
            .len();
        assert_eq!(stream["bytes"].as_u64(), Some(len), "{key}");
    }
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_command_resumes_after_kills_and_loses_or_repeats_nothing() {
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let m = MockServer::start(Settings {
        records: RECORDS,
        unordered: true,
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts");
    let st = servicetitan_tests::stand_in_client(&m, TENANT);
    let dir = std::env::temp_dir().join(format!("st-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (out, state) = (dir.join("copy"), dir.join("state.json"));
    std::fs::create_dir_all(&dir).expect("temp dir");

    // Killed at several moments, each after some progress; the tenant's users change a
    // customer between runs.
    let mut killed = 0;
    let mut renamed = BTreeMap::new();
    for (run, delay_ms) in [350u64, 900, 200, 1_300, 600].into_iter().enumerate() {
        let mut child = command(bin, &m, &out, &state).spawn().expect("sync starts");
        tokio::select! {
            status = child.wait() => {
                assert!(status.expect("exit").success(), "run {run} ended on its own, successfully");
            }
            _ = tokio::time::sleep(Duration::from_millis(delay_ms)) => {
                child.kill().await.expect("killed");
                killed += 1;
            }
        }
        let id = 10 + run as i64;
        let name = format!("Renamed after run {run}");
        st.crm()
            .customers()
            .update(
                servicetitan::ids::CustomerId::new(id),
                UpdateCustomerRequest::default().with_name(name.clone()),
            )
            .await
            .expect("renamed");
        renamed.insert(id, name);
    }
    assert!(
        killed >= 3,
        "only {killed} runs were cut short: the test would prove little"
    );
    assert!(
        m.delete_record("/crm/v2/tenant/42/customers", 20),
        "deleted"
    );

    // To the end.
    let done = command(bin, &m, &out, &state)
        .output()
        .await
        .expect("sync runs");
    let summary = String::from_utf8_lossy(&done.stderr).to_string();
    assert!(done.status.success(), "{summary}");
    assert!(summary.contains("0 failed"), "{summary}");

    let copy = assert_whole_copy(&out, &state, &renamed);

    // Nothing changed since: nothing written.
    let again = command(bin, &m, &out, &state)
        .output()
        .await
        .expect("sync runs");
    assert!(again.status.success());
    assert_eq!(
        read_copy(&out),
        copy,
        "a run without changes writes nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
