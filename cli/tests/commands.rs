//! The binary's commands against the stand-in: a read, every page as JSON lines and CSV,
//! bad flags refused before any call, writes refused, shown, confirmed and audited, an
//! export resumed from its checkpoint, and a closed pipe.

mod common;

use common::{customer_ids, st_command, stand_in};
use serde_json::Value;
use servicetitan_mock::MockServer;
use std::path::Path;
use tokio::io::{AsyncBufReadExt, BufReader};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn st(m: &MockServer, args: &[&str]) -> Out {
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let out = st_command(bin, m)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .output()
        .await
        .expect("the command runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The requests the stand-in has seen, token requests included.
fn seen(m: &MockServer) -> usize {
    m.requests().len()
}

#[tokio::test]
async fn a_read_and_every_page_as_json_lines_and_csv() {
    let m = stand_in().await;
    let out = st(
        &m,
        &["crm", "customers", "get", "--id", "10", "--output", "json"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let c: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(c["id"], 10);

    let ids = customer_ids(&m).await;
    assert!(ids.len() > 100, "{}", ids.len());
    let before = seen(&m);
    let out = st(
        &m,
        &["crm", "customers", "get-list", "--page-size", "25", "--all"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let mut got: Vec<i64> = lines
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    got.sort_unstable();
    let mut want = ids.clone();
    want.sort_unstable();
    assert_eq!(got, want, "every customer once");
    let pages = ids.len().div_ceil(25);
    assert_eq!(seen(&m) - before, pages + 1, "a token and {pages} pages");
    assert!(
        out.stderr
            .contains(&format!("{} records in {pages} pages", ids.len())),
        "{}",
        out.stderr
    );

    let out = st(
        &m,
        &[
            "crm",
            "customers",
            "get-list",
            "--page-size",
            "40",
            "--all",
            "-o",
            "csv",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut rows = csv::Reader::from_reader(out.stdout.as_bytes());
    let header = rows.headers().expect("a header").clone();
    assert_eq!(&header[0], "id");
    assert!(header.iter().any(|h| h == "modifiedOn"), "{header:?}");
    let n = rows.records().filter(|r| r.is_ok()).count();
    assert_eq!(n, ids.len());
}

#[tokio::test]
async fn bad_flags_are_refused_before_any_call() {
    let m = stand_in().await;
    let before = seen(&m);
    let too_many: Vec<String> = (1..=51).map(|i| i.to_string()).collect();
    let too_many = too_many.join(",");
    for (args, says) in [
        (
            vec!["jpm", "jobs", "get-list", "--job-status", "Sleeping"],
            "possible values: Scheduled",
        ),
        (
            vec!["crm", "customers", "get", "--id", "twelve"],
            "it takes an integer",
        ),
        (
            vec!["crm", "locations", "get-list", "--ids", &too_many],
            "holds 51 ids; at most 50",
        ),
        (
            vec!["crm", "customers", "get-list", "--sort", "+Name"],
            "one of Id, ModifiedOn, CreatedOn",
        ),
        (
            vec![
                "crm",
                "customers",
                "get-list",
                "--modified-on-or-after",
                "yesterday",
            ],
            "a date-time",
        ),
        (vec!["crm", "customers", "get"], "--id <INTEGER>"),
        (
            vec!["crm", "customers", "create", "--set", "nmae=Jane"],
            "no field `nmae`",
        ),
        (
            vec!["crm", "customers", "create", "--set", "name=Jane"],
            "locations: The locations field is required",
        ),
    ] {
        let out = st(&m, &args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(seen(&m), before, "no call, not even a token");
}

#[tokio::test]
async fn writes_are_refused_shown_confirmed_and_audited() {
    let m = stand_in().await;
    let dir = common::temp_dir("commands-writes");
    let audit = dir.join("audit.jsonl");
    let audit_arg = audit.to_str().expect("a path");
    let rename = [
        "crm",
        "customers",
        "update",
        "--id",
        "10",
        "--set",
        "name=Renamed by the command",
    ];
    let before = seen(&m);
    let out = st(&m, &rename).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--allow-writes"), "{}", out.stderr);

    let out = st(&m, &[&rename[..], &["--dry-run"]].concat()).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with(&format!("PATCH {}/crm/v2/tenant/42/customers/10", m.url())),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Authorization: Bearer ***") && out.stdout.contains("ST-App-Key: ***")
    );
    assert!(
        out.stdout.contains("\"name\": \"Renamed by the command\""),
        "{}",
        out.stdout
    );
    let s = m.settings();
    for secret in [&s.client_secret, &s.app_key, &s.client_id] {
        assert!(!out.stdout.contains(secret.as_str()) && !out.stderr.contains(secret.as_str()));
    }
    assert_eq!(
        seen(&m),
        before,
        "neither the refusal nor the dry run called"
    );

    let out = st(
        &m,
        &[
            &rename[..],
            &["--allow-writes", "--yes", "--audit", audit_arg],
        ]
        .concat(),
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = st(&m, &["crm", "customers", "get", "--id", "10", "-o", "json"]).await;
    let back: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(back["name"], "Renamed by the command", "read back");

    let gone = st(
        &m,
        &[
            "crm",
            "customers",
            "update",
            "--id",
            "999999",
            "--set",
            "name=Nobody",
            "--allow-writes",
            "--audit",
            audit_arg,
        ],
    )
    .await;
    assert_eq!(gone.code, 3, "a refusal: {}", gone.stderr);
    assert!(gone.stderr.contains("404"), "{}", gone.stderr);

    check_audit(&audit, &[&s.client_secret, &s.app_key]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The audit file's two lines: the confirmed write and the refused one, with no secret
/// and no body value.
fn check_audit(audit: &Path, secrets: &[&str]) {
    let text = std::fs::read_to_string(audit).expect("the audit file");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["operation"], "Customers_Update");
    assert_eq!(lines[0]["method"], "PATCH");
    assert_eq!(lines[0]["path"], "/crm/v2/tenant/42/customers/10");
    assert_eq!(lines[0]["tenant"], 42);
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["ids"]["id"], 10);
    assert!(lines[0]["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(lines[1]["status"], 404);
    assert_eq!(lines[1]["failure"], "refused");
    for secret_or_value in ["Renamed", "Nobody"].iter().chain(secrets) {
        assert!(
            !text.contains(secret_or_value),
            "{secret_or_value} in the audit"
        );
    }
}

#[tokio::test]
async fn an_export_resumes_from_its_checkpoint() {
    let m = stand_in().await;
    let dir = common::temp_dir("commands-export");
    let cp = dir.join("customers.checkpoint");
    let cp_arg = cp.to_str().expect("a path");
    let export = [
        "crm",
        "export-customers",
        "get-customers",
        "--all",
        "--checkpoint",
        cp_arg,
    ];
    let first = st(&m, &export).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let n = first.stdout.lines().count();
    assert_eq!(n, customer_ids(&m).await.len());
    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(&cp).expect("kept")).expect("JSON");
    assert_eq!(c["operation"], "ExportCustomers_GetCustomers");
    common::change_three_customers(&m, "Changed after the export").await;
    let again = st(&m, &export).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let names: Vec<Value> = again
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert!(names.len() < n, "only what changed: {}", names.len());
    assert!(names
        .iter()
        .any(|c| c["name"] == "Changed after the export"));
    let other = st(
        &m,
        &[
            "crm",
            "export-locations",
            "locations",
            "--all",
            "--checkpoint",
            cp_arg,
        ],
    )
    .await;
    assert_eq!(
        other.code, 2,
        "another export's checkpoint: {}",
        other.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_closed_pipe_ends_quietly() {
    let m = stand_in().await;
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let mut child = st_command(bin, &m)
        .args(["crm", "customers", "get-list", "--page-size", "5", "--all"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next_line().await.expect("reads").expect("a line");
    assert!(first.starts_with('{'), "{first}");
    drop(lines);
    let out = child.wait_with_output().await.expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

#[tokio::test]
async fn lists_maps_and_signs_are_sent_as_the_client_sends_them() {
    let m = stand_in().await;
    m.clear_requests();
    let out = st(
        &m,
        &[
            "accounting",
            "invoices",
            "get-list",
            "--statuses",
            "posted,pending",
            "--assigned-to-ids",
            "1,2",
            "--assigned-to-ids",
            "3",
            "--custom-field-fields",
            "Color=Red",
            "--sort",
            "-Id",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let sent = m
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/invoices"))
        .expect("the list was asked");
    let pairs: Vec<(&str, &str)> = sent
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for pair in [
        ("statuses", "Posted"),
        ("statuses", "Pending"),
        ("assignedToIds", "1"),
        ("assignedToIds", "2"),
        ("assignedToIds", "3"),
        ("customField.Fields[Color]", "Red"),
        ("sort", "-Id"),
    ] {
        assert!(pairs.contains(&pair), "{pair:?} not in {pairs:?}");
    }
    let out = st(
        &m,
        &[
            "accounting",
            "invoices",
            "get-list",
            "--custom-field-fields",
            "Red",
        ],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("KEY=VALUE"), "{}", out.stderr);
}

#[tokio::test]
async fn a_dry_run_needs_no_secret_and_a_checkpoint_no_table() {
    let m = stand_in().await;
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let out = st_command(bin, &m)
        .env_remove("ST_CLIENT_SECRET")
        .env_remove("ST_APP_KEY")
        .args([
            "crm",
            "customers",
            "update",
            "--id",
            "4",
            "--set",
            "active=false",
            "--dry-run",
        ])
        .stdout(std::process::Stdio::piped())
        .output()
        .await
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("PATCH ") && stdout.contains("\"active\": false"),
        "{stdout}"
    );
    let out = st(
        &m,
        &[
            "crm",
            "export-customers",
            "get-customers",
            "--all",
            "--checkpoint",
            "cp.json",
            "-o",
            "table",
        ],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("choose -o jsonl"), "{}", out.stderr);
}
