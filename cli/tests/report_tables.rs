//! Reports into a database, SQLite and PostgreSQL: a table per report made from its
//! definition (typed columns, the window and the row's number in it, `extra` for what no
//! typed column holds), a column the definition has and the table lacks added, a window
//! read again replacing its rows, a run stopped between windows resumed from its
//! checkpoint with nothing lost or doubled, and `--report-param` values checked against
//! each report's definition before anything is run.

mod common;

use common::temp_dir;
use servicetitan_mock::{Fault, MockServer, Settings, Target};
use servicetitan_tests::postgres::PostgresServer;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The stand-in, its report limit raised: each run of the command (a process of its own,
/// with its own pacing) keeps the documents' 5 runs a minute, not the whole test.
async fn stand_in() -> MockServer {
    MockServer::start(Settings {
        records: 20,
        seed: 7,
        operation_limit: Some((1_000, Duration::from_secs(1))),
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts")
}

/// The command with `args` against the stand-in: its exit code and standard error.
async fn sync(m: &MockServer, args: &[&str]) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_servicetitan"));
    let out = common::sync_command(bin, m)
        .arg("--quiet")
        .args(args)
        .output()
        .await
        .expect("the command runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stderr)
}

/// The data requests the stand-in received (report runs).
fn data_requests(m: &MockServer) -> usize {
    m.requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("ReportCategoryReports_GetData"))
        .count()
}

/// A database the test reads with SQL both dialects run alike.
enum Db<'a> {
    Sqlite(PathBuf),
    Postgres(&'a PostgresServer),
}

impl Db<'_> {
    fn url(&self) -> String {
        match self {
            Db::Sqlite(path) => format!("sqlite:{}", path.display()),
            Db::Postgres(pg) => pg.url_of("copy"),
        }
    }

    /// Each row's values as text joined by `|` (null empty), as `psql -A -t` writes them.
    fn query(&self, sql: &str) -> Vec<String> {
        match self {
            Db::Postgres(pg) => pg.psql("copy", sql).lines().map(String::from).collect(),
            Db::Sqlite(path) => {
                use rusqlite::types::Value;
                let conn = rusqlite::Connection::open(path).expect("the database");
                let mut st = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let n = st.column_count();
                let rows = st.query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| match r.get::<_, Value>(i) {
                            Ok(Value::Integer(v)) => v.to_string(),
                            Ok(Value::Real(v)) => v.to_string(),
                            Ok(Value::Text(v)) => v,
                            _ => String::new(),
                        })
                        .collect();
                    Ok(cells.join("|"))
                });
                rows.expect("rows").map(|r| r.expect("a row")).collect()
            }
        }
    }

    /// The one value `sql` selects.
    fn one(&self, sql: &str) -> String {
        let rows = self.query(sql);
        assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
        rows[0].clone()
    }

    fn execute(&self, sql: &str) {
        match self {
            Db::Postgres(pg) => {
                pg.psql("copy", sql);
            }
            Db::Sqlite(path) => rusqlite::Connection::open(path)
                .and_then(|c| c.execute_batch(sql))
                .expect("executed"),
        }
    }

    /// The table of an older definition of `operations/1101` (only `Date` and
    /// `Revenue`), holding a row of a window before the test's.
    fn make_an_older_table(&self) {
        let (int, date, text, number, json, strict) = match self {
            Db::Sqlite(_) => ("INTEGER", "TEXT", "TEXT", "TEXT", "TEXT", " STRICT"),
            Db::Postgres(_) => ("bigint", "date", "text", "numeric", "jsonb", ""),
        };
        self.execute(&format!(
            "CREATE TABLE report_operations_1101 (tenant {int} NOT NULL, report {text} NOT NULL, \
             window_from {date} NOT NULL, window_to {date} NOT NULL, \"row\" {int} NOT NULL, \
             date {date}, revenue {number}, extra {json}, \
             PRIMARY KEY (tenant, report, window_from, window_to, \"row\")){strict}; \
             INSERT INTO report_operations_1101 VALUES \
             (42, 'operations/1101', '2026-10-01', '2026-10-01', 1, '2026-10-01', '1.5', NULL)"
        ));
    }

    /// The columns' types of report `1103`'s table: date, number, time, boolean, text.
    fn types(&self) -> String {
        match self {
            Db::Sqlite(_) => self.one(
                "SELECT group_concat(type, '|') FROM (SELECT type FROM \
                 pragma_table_info('report_operations_1103') WHERE name IN \
                 ('date', 'revenue', 'first_call', 'closed', 'business_unit') ORDER BY name)",
            ),
            Db::Postgres(_) => self.one(
                "SELECT pg_typeof(business_unit), pg_typeof(closed), pg_typeof(date), \
                 pg_typeof(first_call), pg_typeof(revenue) FROM report_operations_1103 LIMIT 1",
            ),
        }
    }
}

/// The typed columns of the revenue reports, for comparing their tables.
const REVENUE_COLUMNS: &str = "window_from, window_to, \"row\", date, business_unit_id, \
     business_unit, revenue, jobs, margin, closed";

/// Three reports over three days into `db`, units 1 and 3: `1103` requires them, the
/// revenue reports take them; `1102` answers `1101`'s values with a column added and a
/// pair swapped. Then the next day with a look-back of two: the two days read again keep
/// their row counts.
async fn reports_into(db: &Db<'_>) {
    let m = stand_in().await;
    db.make_an_older_table();
    let url = db.url();
    let args = |to: &'static str| {
        let mut a = vec!["--to", url.as_str(), "--reports"];
        a.extend([
            "operations/1101,operations/1102,operations/1103",
            "--report-from",
            "2026-11-01",
            "--report-to",
            to,
            "--report-param",
            "BusinessUnitIds=1",
            "--report-param",
            "BusinessUnitIds=3",
        ]);
        a
    };
    let (code, stderr) = sync(&m, &args("2026-11-03")).await;
    assert_eq!(code, 0, "{stderr}");
    for report in ["1101", "1102", "1103"] {
        let line = format!("report operations/{report}: 6 rows in 3 windows");
        assert!(stderr.contains(&line), "no `{line}` in:\n{stderr}");
    }
    assert_eq!(data_requests(&m), 9);
    rows_are_typed(db);
    changed_columns_land_by_name(db);

    let mut again = args("2026-11-04");
    again.retain(|a| !a.starts_with("operations/"));
    again.splice(3..3, ["operations/1103", "--report-look-back", "2"]);
    let (code, stderr) = sync(&m, &again).await;
    assert_eq!(code, 0, "{stderr}");
    let line = "report operations/1103: 6 rows in 3 windows";
    assert!(stderr.contains(line), "no `{line}` in:\n{stderr}");
    let per_window = db.query(
        "SELECT window_from, count(*), min(\"row\"), max(\"row\") FROM report_operations_1103 \
         GROUP BY window_from ORDER BY window_from",
    );
    assert_eq!(
        per_window,
        [
            "2026-11-01|2|1|2",
            "2026-11-02|2|1|2",
            "2026-11-03|2|1|2",
            "2026-11-04|2|1|2"
        ],
        "each window's rows once, numbered from 1"
    );
    let checkpoint = db.one(
        "SELECT checkpoint FROM servicetitan_report_checkpoints \
         WHERE tenant = 42 AND report = 'operations/1103'",
    );
    assert!(
        checkpoint.contains("\"through\":\"2026-11-04\""),
        "{checkpoint}"
    );
}

/// Report `1103`'s values in their typed columns, exact, for the units asked for.
fn rows_are_typed(db: &Db<'_>) {
    let units = db.query(
        "SELECT DISTINCT business_unit_id, business_unit FROM report_operations_1103 ORDER BY business_unit",
    );
    assert_eq!(units, ["3|East", "1|North"], "the units asked for only");
    // Day 20758 (2026-11-01), unit 1: n = 62275, revenue 9275.75, jobs n % 17 = 4,
    // first call 07+n%4 : n*7%60, closed n even.
    let row = db.one(
        "SELECT tenant, report, window_to, revenue, jobs, first_call, \
         CASE WHEN closed THEN 'yes' ELSE 'no' END, extra FROM report_operations_1103 \
         WHERE date = '2026-11-01' AND business_unit_id = '1'",
    );
    assert_eq!(row, "42|operations/1103|2026-11-01|9275.75|4|10:25:00|no|");
    let types = db.types();
    match db {
        Db::Sqlite(_) => assert_eq!(types, "TEXT|INTEGER|TEXT|TEXT|TEXT"),
        Db::Postgres(_) => assert_eq!(types, "text|boolean|date|time without time zone|numeric"),
    }
}

/// `1102`'s values under their own names, as `1101`'s; its added `Region` kept in
/// `extra`, as are the `Margin` values that are not numbers; the older table of `1101`
/// given the columns it lacked, its row kept.
fn changed_columns_land_by_name(db: &Db<'_>) {
    let this_month = "WHERE window_from >= '2026-11-01'";
    let differ = format!(
        "SELECT {REVENUE_COLUMNS} FROM report_operations_1101 {this_month} EXCEPT \
         SELECT {REVENUE_COLUMNS} FROM report_operations_1102"
    );
    assert!(
        db.query(&differ).is_empty(),
        "the same values under the same names"
    );
    let count = |sql: &str| db.one(&format!("SELECT count(*) FROM {sql}"));
    assert_eq!(count(&format!("report_operations_1101 {this_month}")), "6");
    assert_eq!(count("report_operations_1102"), "6");
    assert_eq!(
        count("report_operations_1102 WHERE extra ->> 'Region' IN ('Upstate', 'Downstate')"),
        "6",
        "the added column kept"
    );
    let not_numbers = "margin IS NULL AND extra ->> 'Margin' = 'n/a'";
    assert_eq!(
        count(&format!("report_operations_1101 WHERE {not_numbers}")),
        count(&format!("report_operations_1102 WHERE {not_numbers}"))
    );
    assert_ne!(
        count(&format!("report_operations_1101 WHERE {not_numbers}")),
        "0"
    );
    assert_eq!(
        count(&format!(
            "report_operations_1101 {this_month} AND margin IS NULL AND extra IS NULL"
        )),
        "0",
        "every margin kept, typed or in extra"
    );
    assert_eq!(
        db.one("SELECT revenue, business_unit FROM report_operations_1101 WHERE window_from = '2026-10-01'"),
        "1.5|",
        "the older row kept, its new columns null"
    );
}

#[tokio::test]
async fn reports_run_into_sqlite_tables_from_their_definitions() {
    let dir = temp_dir("report-tables-sqlite");
    reports_into(&Db::Sqlite(dir.join("copy.db"))).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_run_into_postgres_tables_from_their_definitions() {
    let pg = PostgresServer::start();
    pg.psql("postgres", "CREATE DATABASE copy");
    reports_into(&Db::Postgres(&pg)).await;
}

/// Every row of report `1103`'s table, in order.
fn rows_1103(db: &Db<'_>) -> Vec<String> {
    db.query(
        "SELECT tenant, report, window_from, window_to, \"row\", date, business_unit_id, \
         business_unit, jobs, revenue, first_call, closed, extra FROM report_operations_1103 \
         ORDER BY window_from, \"row\"",
    )
}

#[tokio::test]
async fn a_run_stopped_between_windows_resumes_from_its_checkpoint_with_nothing_lost_or_doubled() {
    let m = stand_in().await;
    let dir = temp_dir("report-tables-resume");
    let (stopped, whole) = (
        Db::Sqlite(dir.join("stopped.db")),
        Db::Sqlite(dir.join("whole.db")),
    );
    let args = |db: &Db<'_>| {
        [
            "--to",
            &db.url(),
            "--reports",
            "operations/1103",
            "--report-from",
            "2026-11-01",
            "--report-to",
            "2026-11-04",
            "--report-param",
            "BusinessUnitIds=2",
        ]
        .map(String::from)
    };
    // The third window's run fails for good: the first two are committed, each with its
    // checkpoint; the third is not.
    let data = Target::operation("ReportCategoryReports_GetData");
    m.on(data, [Fault::Pass, Fault::Pass, Fault::Status(404)]);
    let (code, stderr) = sync(&m, &args(&stopped).each_ref().map(String::as_str)).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("report operations/1103: FAILED"),
        "{stderr}"
    );
    assert_eq!(rows_1103(&stopped).len(), 2, "two windows of one unit");
    // The next run goes on from the checkpoint: the third and fourth days.
    let (code, stderr) = sync(&m, &args(&stopped).each_ref().map(String::as_str)).await;
    assert_eq!(code, 0, "{stderr}");
    let line = "report operations/1103: 2 rows in 2 windows";
    assert!(stderr.contains(line), "no `{line}` in:\n{stderr}");
    assert_eq!(data_requests(&m), 5);
    let (code, stderr) = sync(&m, &args(&whole).each_ref().map(String::as_str)).await;
    assert_eq!(code, 0, "{stderr}");
    let rows = rows_1103(&whole);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows_1103(&stopped), rows, "as one uninterrupted run");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reports and `--report-param` values refused, and what the refusal says.
type Refused = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const BOTH: &str = "operations/1101,operations/1103";
const JOBS: &str = "operations/1103";

const REFUSED: &[Refused] = &[
    (
        BOTH,
        &[],
        &["report operations/1103: report parameter `BusinessUnitIds` is required"],
    ),
    (
        BOTH,
        &["BusinessUnitIds=2", "Stauts=Open"],
        &[
            "report operations/1101: report parameter `Stauts` is not a parameter of this report",
            "  Status: String, one of \"Open\", \"Closed\"",
        ],
    ),
    (
        JOBS,
        &["BusinessUnitIds=north"],
        &[
            "report operations/1103: report parameter `BusinessUnitIds` takes a Number (a JSON number)",
            "  BusinessUnitIds: Number list, required, from the dynamic value set",
        ],
    ),
    (
        JOBS,
        &["BusinessUnitIds=1", "DateType=Created", "DateType=Completed"],
        &["report parameter `DateType` takes one String, not a list"],
    ),
    (
        JOBS,
        &["BusinessUnitIds=1", "DateType=Scheduled"],
        &["`DateType` takes one of \"Created\", \"Completed\""],
    ),
    (
        JOBS,
        &["BusinessUnitIds=1", "From=2026-11-01"],
        &["`From` is each window's first day"],
    ),
    // 1101 takes the units too, but not `DateType`, which 1103 takes: refused for 1101.
    (
        BOTH,
        &["BusinessUnitIds=1", "DateType=Created"],
        &["report operations/1101: report parameter `DateType` is not a parameter"],
    ),
];

#[tokio::test]
async fn report_parameters_are_checked_against_each_definition_before_anything_runs() {
    let m = stand_in().await;
    let dir = temp_dir("report-tables-params");
    let db = dir.join("copy.db");
    let to = format!("sqlite:{}", db.display());
    let base = |reports| {
        let dates = ["--report-from", "2026-11-01", "--report-to", "2026-11-02"];
        [&["--to", to.as_str(), "--reports", reports][..], &dates].concat()
    };
    for (reports, params, said) in REFUSED {
        let mut args = base(reports);
        for p in *params {
            args.extend(["--report-param", p]);
        }
        let (code, stderr) = sync(&m, &args).await;
        assert_eq!(code, 2, "a usage error for {params:?}: {stderr}");
        for s in *said {
            assert!(stderr.contains(s), "no `{s}` for {params:?} in:\n{stderr}");
        }
    }
    assert_eq!(data_requests(&m), 0, "no report was run");
    assert!(!db.exists(), "nothing was written");
    // Into the files: checked alike, then run with the units asked for.
    let (out, state) = (dir.join("out"), dir.join("state.json"));
    let (out, state) = (out.display().to_string(), state.display().to_string());
    let mut args = vec!["--out", &out, "--state", &state];
    args.extend(&base(BOTH)[2..]);
    let (code, stderr) = sync(&m, &args).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`BusinessUnitIds` is required"), "{stderr}");
    args.extend(["--report-param", "BusinessUnitIds=2"]);
    let (code, stderr) = sync(&m, &args).await;
    assert_eq!(code, 0, "{stderr}");
    for report in ["1101", "1103"] {
        let path = dir.join(format!("out/reports/operations-{report}.jsonl"));
        let lines = std::fs::read_to_string(path).expect("rows");
        let units: Vec<Option<f64>> = lines
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a line"))
            .map(|row| row["BusinessUnitId"].as_f64())
            .collect();
        assert_eq!(units, [Some(2.0); 2], "{report}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
