//! Reports in the sync command's files: run over a range a day at a time, from their
//! checkpoint on the next run (re-reading the look-back of a finished range).

mod common;

use common::{stand_in, temp_dir};
use servicetitan_mock::MockServer;
use std::path::Path;

/// The command with `args`, JSON-lines files in `dir`, against the stand-in.
async fn sync(m: &MockServer, dir: &Path, args: &[&str]) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let out = common::sync_command(bin, m)
        .args(["--out", &dir.join("out").display().to_string()])
        .args(["--state", &dir.join("state.json").display().to_string()])
        .args(["--quiet"])
        .args(args)
        .output()
        .await
        .expect("the command runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn data_requests(m: &MockServer) -> usize {
    m.requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("ReportCategoryReports_GetData"))
        .count()
}

#[tokio::test]
async fn a_report_runs_into_the_files_a_day_at_a_time_and_goes_on_from_its_checkpoint() {
    let m = stand_in().await;
    let dir = temp_dir("reports");
    let report = [
        "--reports",
        "operations/1101",
        "--report-from",
        "2026-11-01",
    ];
    let first = sync(
        &m,
        &dir,
        &[&report[..], &["--report-to", "2026-11-03"]].concat(),
    )
    .await;
    assert!(
        first.contains("report operations/1101: 9 rows in 3 windows"),
        "{first}"
    );
    assert_eq!(data_requests(&m), 3);
    // The next day, with a day of look-back: the 3rd again, and the 4th.
    let args = [
        &report[..],
        &["--report-to", "2026-11-04", "--report-look-back", "1"],
    ]
    .concat();
    let next = sync(&m, &dir, &args).await;
    assert!(
        next.contains("report operations/1101: 6 rows in 2 windows"),
        "{next}"
    );
    assert_eq!(data_requests(&m), 5);
    let rows =
        std::fs::read_to_string(dir.join("out/reports/operations-1101.jsonl")).expect("rows");
    let rows: Vec<serde_json::Value> = rows
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 15);
    let days: Vec<&str> = rows
        .iter()
        .map(|r| r["window_from"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        days.iter().filter(|d| **d == "2026-11-03").count(),
        6,
        "read twice"
    );
    assert!(rows
        .iter()
        .all(|r| r["Date"] == r["window_from"] && r["Revenue"].is_number()));
    let checkpoint =
        std::fs::read_to_string(dir.join("out/reports/operations-1101.checkpoint.json"))
            .expect("checkpoint");
    assert!(
        checkpoint.contains("\"through\": \"2026-11-04\""),
        "{checkpoint}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The JSON lines of a report's rows file.
fn rows_of(dir: &Path, report: &str) -> Vec<serde_json::Value> {
    let path = dir.join(format!("out/reports/{report}.jsonl"));
    let text = std::fs::read_to_string(&path).expect("rows");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test]
async fn rows_carry_each_value_under_its_own_name_when_the_answer_changed_its_columns() {
    let m = stand_in().await;
    let dir = temp_dir("report-columns");
    // 1102 is 1101 answered with a column added (`Region`) and two swapped.
    let args = [
        "--reports",
        "operations/1101,operations/1102",
        "--report-from",
        "2026-11-01",
        "--report-to",
        "2026-11-02",
    ];
    let stderr = sync(&m, &dir, &args).await;
    let line = |report: &str| {
        let start = format!("report {report}: 6 rows in 2 windows");
        let line = stderr.lines().find(|l| l.starts_with(&start));
        line.unwrap_or_else(|| panic!("no `{start}` in:\n{stderr}"))
    };
    let added = "columns not in the definition, kept as sent: Region";
    assert!(line("operations/1102").ends_with(added), "{stderr}");
    assert!(!line("operations/1101").contains("columns"), "{stderr}");
    let (before, changed) = (
        rows_of(&dir, "operations-1101"),
        rows_of(&dir, "operations-1102"),
    );
    assert_eq!(before.len(), 6);
    assert_eq!(before.len(), changed.len());
    for (b, mut c) in before.into_iter().zip(changed) {
        let region = c.as_object_mut().and_then(|o| o.remove("Region"));
        assert!(region.is_some_and(|r| r.is_string()), "{c}");
        assert_eq!(b, c, "the same values under the same names");
        assert!(c["Revenue"].is_number() && c["BusinessUnit"].is_string());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_options_are_checked() {
    use servicetitan_cli::args::sync_args;
    let args = |a: &str| sync_args(a.split(' ').map(str::to_owned), |_| None);
    let e = args("--reports operations/1101 --out o --state s").expect_err("no from");
    assert!(
        e.to_string().contains("--reports needs --report-from"),
        "{e}"
    );
    let db = args(
        "--reports operations/1101 --report-from 2026-11-01 --to sqlite:x.db \
         --report-param BusinessUnitIds=1 --report-param BusinessUnitIds=2 --report-param Note=a=b",
    )
    .expect("a database takes reports");
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        db.reports.expect("reports").params,
        pairs(&[
            ("BusinessUnitIds", "1"),
            ("BusinessUnitIds", "2"),
            ("Note", "a=b")
        ])
    );
    let e = args("--reports operations/1101 --report-from 2026-11-01 --to x.db --report-param x")
        .expect_err("no value");
    assert!(e.to_string().contains("`x`: not NAME=VALUE"), "{e}");
    let e = args("--domains crm --to x.db --report-param Status=Open").expect_err("alone");
    assert!(e.to_string().contains("go with --reports"), "{e}");
    let e =
        args("--reports operations --report-from 2026-11-01 --out o --state s").expect_err("no id");
    assert!(e.to_string().contains("is not CATEGORY/ID"), "{e}");
    let e = args("--domains crm --report-window 2 --out o --state s").expect_err("alone");
    assert!(e.to_string().contains("go with --reports"), "{e}");
    let ok = args(
        "--reports operations/1101 --report-from 2026-11-01 --report-window 7 --out o --state s",
    )
    .expect("valid");
    let r = ok.reports.expect("reports");
    assert_eq!(
        (r.reports, r.window_days, r.look_back_days),
        (vec![("operations".to_string(), 1101)], 7, 0)
    );
    assert!(ok.domains.is_empty());
}
