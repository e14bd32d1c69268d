//! A backfill of the stand-in's report `operations/1101`, a day a window, at the report
//! limit the documents give (5 runs of the same report a minute per tenant), on the
//! client and the stand-in alike: how many runs, and how long.
//!
//! `cargo run --release -p servicetitan-reports --example backfill -- [DAYS]` (default 90;
//! about 17 minutes for 90 days: 5 at once, then one every 12 s).

use chrono::NaiveDate;
use servicetitan::ids::ReportId;
use servicetitan::runtime::Runtime;
use servicetitan_mock::{MockServer, Settings};
use servicetitan_reports::{Dated, Reports};
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let days: u64 = std::env::args()
        .nth(1)
        .map(|d| d.parse())
        .transpose()?
        .unwrap_or(90)
        .max(1);
    let m = MockServer::start(Settings::default()).await?;
    let st = servicetitan::Client::new(Runtime::new(m.builder())?, 42);
    let report = Reports::new()
        .get(&st, "operations", ReportId::new(1101))
        .await?;
    let from = NaiveDate::from_ymd_opt(2026, 9, 1).ok_or("date")?;
    let to = from + chrono::Days::new(days - 1);
    let mut run = report.dated(report.params(), Dated::days(from, to), None)?;
    let started = Instant::now();
    let (mut windows, mut rows) = (0, 0);
    while let Some(w) = run.next_window().await {
        let w = w?;
        windows += 1;
        rows += w.rows.rows.len();
        if windows % 10 == 0 {
            eprintln!("{windows} windows, {:.0?}", started.elapsed());
        }
    }
    let elapsed = started.elapsed();
    let data: Vec<_> = m
        .requests()
        .into_iter()
        .filter(|r| r.operation.as_deref() == Some("ReportCategoryReports_GetData"))
        .collect();
    let refused = data.iter().filter(|r| r.status == 429).count();
    println!(
        "{days}-day backfill: {windows} windows, {} runs ({refused} refused for the limit), {rows} rows, {:.1} s ({:.1} s a run after the first 5)",
        data.len(),
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() / (data.len().saturating_sub(5).max(1)) as f64
    );
    Ok(())
}
