//! Reports against the stand-in, whose report `operations/1101` (revenue by business unit,
//! three rows a day) has a definition, parameters and dated data from one description,
//! and `operations/1102` the same, its data answered with a column added and two swapped.

use chrono::NaiveDate;
use serde_json::json;
use servicetitan::ids::ReportId;
use servicetitan::runtime::{RateLimit, Runtime};
use servicetitan_mock::{MockServer, Recorded, Settings};
use servicetitan_reports::{Cell, Dated, ReportCheckpoint, ReportError, Reports};
use std::time::Duration;

const TENANT: i64 = 42;
const DATA: &str = "ReportCategoryReports_GetData";

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).expect("date") + chrono::Days::new(u64::from(d) - 1)
}

/// The stand-in, its report limit `runs` a second (the client keeps the same).
async fn stand_in(runs: u32) -> (MockServer, servicetitan::Client) {
    let per = Duration::from_secs(1);
    let m = MockServer::start(Settings {
        operation_limit: Some((runs, per)),
        ..Settings::default()
    })
    .await
    .expect("the stand-in starts");
    let b = m.builder().operation_limit(DATA, RateLimit::new(runs, per));
    let st = servicetitan::Client::new(Runtime::new(b).expect("runtime"), TENANT);
    (m, st)
}

fn data_requests(m: &MockServer) -> Vec<Recorded> {
    m.requests()
        .into_iter()
        .filter(|r| r.operation.as_deref() == Some(DATA))
        .collect()
}

/// The first day each data request asked for.
fn days_asked(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).expect("a JSON body");
            let params = body["parameters"].as_array().cloned().unwrap_or_default();
            params
                .iter()
                .find(|p| p["name"] == "From")
                .and_then(|p| p["value"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_wrong_name_or_value_is_refused_before_sending_with_the_valid_parameters_listed() {
    let (m, st) = stand_in(5).await;
    let report = Reports::new()
        .get(&st, "operations", ReportId::new(1101))
        .await
        .expect("the definition");
    assert_eq!(report.name(), "Revenue by business unit");
    fn refused<T: std::fmt::Debug>(r: Result<T, ReportError>) -> String {
        match r {
            Err(e @ ReportError::Parameter { .. }) => e.to_string(),
            other => panic!("not refused: {other:?}"),
        }
    }
    let unknown = refused(report.params().set("Stauts", "Open"));
    assert!(
        unknown.starts_with("report parameter `Stauts` is not a parameter of this report"),
        "{unknown}"
    );
    for listed in [
        "  From: Date, required",
        "  To: Date, required",
        "  BusinessUnitIds: Number list, from the dynamic value set `business-units`",
        "  Status: String, one of \"Open\", \"Closed\"",
        "  IncludeAdjustments: Boolean",
    ] {
        assert!(unknown.contains(listed), "no `{listed}` in:\n{unknown}");
    }
    let wrong = refused(report.params().set("From", 20_261_101));
    assert!(
        wrong.contains("`From` takes a Date (\"YYYY-MM-DD\"), not 20261101"),
        "{wrong}"
    );
    let date = refused(report.params().set("From", "11/01/2026"));
    assert!(date.contains("not \"11/01/2026\""), "{date}");
    let list = refused(report.params().set("BusinessUnitIds", 1));
    assert!(list.contains("takes a list of Numbers"), "{list}");
    let listed = refused(report.params().set("Status", "Pending"));
    assert!(
        listed.contains("takes one of \"Open\", \"Closed\""),
        "{listed}"
    );
    let missing = refused(
        report
            .run(&report.params().set("From", "2026-11-01").expect("set"))
            .await,
    );
    assert!(missing.contains("`To` is required"), "{missing}");
    assert!(
        data_requests(&m).is_empty(),
        "the stand-in saw a data request"
    );
    // The dynamic value set is read on request.
    let units = report
        .accepted_values("BusinessUnitIds")
        .await
        .expect("the set");
    assert_eq!(units, [json!(1), json!(2), json!(3)]);
    // What the stand-in refuses, the client refused first: a run it accepts goes through.
    let ok = report
        .params()
        .set("From", "2026-11-01")
        .and_then(|p| p.set("To", "2026-11-02"))
        .and_then(|p| p.set("BusinessUnitIds", json!([2, 3])))
        .expect("valid");
    assert_eq!(report.run(&ok).await.expect("a run").rows.len(), 4);
}

#[tokio::test]
async fn a_backfill_runs_a_window_a_day_paced_and_the_next_day_reads_its_look_back() {
    let (m, st) = stand_in(5).await;
    let report = Reports::new()
        .get(&st, "operations", ReportId::new(1101))
        .await
        .expect("the definition");
    let range = Dated::days(day(1), day(30)).look_back(3);
    let mut run = report
        .dated(report.params(), range, None)
        .expect("a dated run");
    assert_eq!(run.windows().len(), 30);
    let mut rows = 0;
    while let Some(w) = run.next_window().await {
        let w = w.expect("a window");
        assert_eq!(w.window.from, w.window.to, "a day a window");
        assert!(w.rows.rows.iter().all(|r| r.window() == Some(w.window)));
        rows += w.rows.rows.len();
    }
    assert_eq!(rows, 90);
    let backfill = data_requests(&m);
    assert_eq!(backfill.len(), 30, "exactly 30 runs");
    assert!(backfill.iter().all(|r| r.status == 200), "none refused");
    // Paced as the limit reads at its strictest: the stand-in, counting at most 5 runs in
    // any second, refused none (a client keeping a bucket's burst-then-rate would be).
    let spread = backfill[29].received.duration_since(backfill[0].received);
    println!("30 runs over {spread:?}");

    // The next day: the look-back's three days again, then the new one.
    let saved = serde_json::to_string(run.checkpoint().expect("a checkpoint")).expect("json");
    let since: ReportCheckpoint = serde_json::from_str(&saved).expect("read back");
    let next_day = Dated::days(day(1), day(31)).look_back(3);
    let mut run = report
        .dated(report.params(), next_day, Some(since))
        .expect("incremental");
    let planned: Vec<NaiveDate> = run.windows().iter().map(|w| w.from).collect();
    assert_eq!(planned, [day(28), day(29), day(30), day(31)]);
    while let Some(w) = run.next_window().await {
        w.expect("a window");
    }
    let all = data_requests(&m);
    assert_eq!(all.len(), 34, "exactly 4 more runs");
    assert!(all.iter().all(|r| r.status == 200), "none refused");
}

#[tokio::test]
async fn a_backfill_stopped_half_way_resumes_without_running_a_finished_window_again() {
    let (m, st) = stand_in(50).await;
    let reports = Reports::new();
    let report = reports
        .get(&st, "operations", ReportId::new(1101))
        .await
        .expect("the definition");
    let params = || report.params().set("Status", "Open").expect("valid");
    let range = Dated::days(day(1), day(30)).look_back(3);
    let mut run = report
        .dated(params(), range.clone(), None)
        .expect("a dated run");
    for _ in 0..15 {
        run.next_window().await.expect("a window").expect("rows");
    }
    let saved = serde_json::to_string(run.checkpoint().expect("a checkpoint")).expect("json");
    drop(run);
    let since: ReportCheckpoint = serde_json::from_str(&saved).expect("read back");
    assert_eq!(since.through, day(15));
    let mut resumed = report
        .dated(params(), range, Some(since.clone()))
        .expect("resumed");
    assert_eq!(resumed.windows().first().map(|w| w.from), Some(day(16)));
    while let Some(w) = resumed.next_window().await {
        w.expect("a window");
    }
    let asked = days_asked(&data_requests(&m));
    let expected: Vec<String> = (1..=30).map(|d| day(d).to_string()).collect();
    assert_eq!(asked, expected, "each day once, in order");
    // A checkpoint of other parameter values does not apply.
    let other = report.dated(report.params(), Dated::days(day(1), day(30)), Some(since));
    assert!(matches!(other, Err(ReportError::Dates(_))));
    // The definition was fetched once.
    let definitions = m
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("ReportCategoryReports_Get"))
        .count();
    reports
        .get(&st, "operations", ReportId::new(1101))
        .await
        .expect("cached");
    assert_eq!(definitions, 1);
}

#[tokio::test]
async fn values_not_of_their_declared_type_are_kept_raw_and_counted_exactly() {
    let (_m, st) = stand_in(50).await;
    let report = Reports::new()
        .get(&st, "operations", ReportId::new(1101))
        .await
        .expect("the definition");
    let params = report
        .params()
        .set("From", "2026-11-01")
        .and_then(|p| p.set("To", "2026-11-10"))
        .expect("valid");
    let rows = report.run(&params).await.expect("a run");
    assert_eq!(rows.rows.len(), 30);
    // The stand-in writes "n/a" in `Margin` (declared a number) where day * 3 + unit is a
    // multiple of 5, counted here from the typed date and unit.
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    let mut expected = 0;
    for r in &rows.rows {
        let (Some(Cell::Date(d)), Some(Cell::Number(unit))) =
            (r.get("Date"), r.get("BusinessUnitId"))
        else {
            panic!("untyped date or unit: {r:?}");
        };
        let n = d.signed_duration_since(epoch).num_days() * 3
            + unit.to_string().parse::<i64>().expect("unit");
        match r.get("Margin") {
            Some(Cell::Raw(v)) => {
                assert_eq!(*v, json!("n/a"));
                assert_eq!(n % 5, 0);
                expected += 1;
            }
            Some(Cell::Number(_)) => assert_ne!(n % 5, 0),
            other => panic!("margin {other:?}"),
        }
        assert!(matches!(r.get("Revenue"), Some(Cell::Number(_))));
    }
    assert!(expected > 0);
    assert_eq!(rows.raw, [("Margin".to_string(), expected)].into());
    // Into a struct of the program's own.
    #[derive(serde::Deserialize)]
    struct Revenue {
        #[serde(rename = "Date")]
        date: NaiveDate,
        #[serde(rename = "BusinessUnit")]
        unit: String,
        #[serde(rename = "Revenue")]
        revenue: f64,
        #[serde(rename = "Margin")]
        margin: serde_json::Value,
    }
    let typed: Vec<Revenue> = rows.deserialize().expect("structs");
    assert_eq!(typed[0].date, day(1));
    assert_eq!(typed[0].unit, "North");
    assert!(typed.iter().all(|r| r.revenue > 0.0));
    assert_eq!(
        typed.iter().filter(|r| r.margin == json!("n/a")).count() as u64,
        expected
    );
}

#[tokio::test]
async fn rows_are_read_by_the_columns_the_answer_lists_not_the_definitions_order() {
    let (_m, st) = stand_in(50).await;
    let reports = Reports::new();
    let run = |id: i64| {
        let (reports, st) = (reports.clone(), st.clone());
        async move {
            let report = reports
                .get(&st, "operations", ReportId::new(id))
                .await
                .expect("the definition");
            let params = report
                .params()
                .set("From", "2026-11-01")
                .and_then(|p| p.set("To", "2026-11-03"))
                .expect("valid");
            report.run(&params).await.expect("a run")
        }
    };
    let (before, changed) = (run(1101).await, run(1102).await);
    assert_eq!(changed.added, ["Region".to_string()].into());
    assert!(changed.missing.is_empty());
    assert_eq!(changed.raw, before.raw, "no value read as another column's");
    assert_eq!(before.rows.len(), changed.rows.len());
    for (b, c) in before.rows.iter().zip(&changed.rows) {
        let mut c: serde_json::Value = c.deserialize().expect("a map");
        let region = c.as_object_mut().and_then(|m| m.remove("Region"));
        assert!(region.is_some_and(|r| r.is_string()));
        assert_eq!(b.deserialize::<serde_json::Value>().expect("a map"), c);
    }
}
