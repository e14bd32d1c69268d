//! Reports in a sync's files: `--reports operations/1101 --report-from 2026-11-01` runs each
//! report over the range in windows (`--report-window` days, default 1), from its
//! checkpoint when it has one (re-reading `--report-look-back` days of a finished range),
//! into `<out>/reports/<category>-<id>.jsonl`: one line per row, the window's days first
//! (`window_from`, `window_to`), then each column the answer lists, under its own name,
//! typed by the report's fields (a column the definition lacks as sent). The
//! checkpoint, `<category>-<id>.checkpoint.json` beside it, moves after each window's rows
//! are written and flushed; a run stopped between the two writes that window again on the
//! next run, so a window's rows may appear twice (the later ones are the newer read),
//! never not at all.

use crate::sink::Fallible;
use chrono::NaiveDate;
use servicetitan::ids::ReportId;
use servicetitan_reports::{Dated, ReportCheckpoint, Reports, WindowRows};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which reports a sync runs, and over which days.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportArgs {
    /// Category and id of each report.
    pub reports: Vec<(String, i64)>,
    pub from: NaiveDate,
    /// The last day; yesterday (UTC) when not given.
    pub to: Option<NaiveDate>,
    pub window_days: u32,
    pub look_back_days: u32,
}

impl ReportArgs {
    /// `operations/1101,technician/2201`.
    pub fn parse_list(list: &str) -> Fallible<Vec<(String, i64)>> {
        list.split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                let (category, id) = r
                    .split_once('/')
                    .ok_or(format!("`{r}` is not CATEGORY/ID"))?;
                let id = id
                    .parse::<i64>()
                    .map_err(|_| format!("`{id}` is not a report id"))?;
                Ok((category.to_owned(), id))
            })
            .collect()
    }

    /// `YYYY-MM-DD`.
    pub fn parse_day(s: &str) -> Fallible<NaiveDate> {
        Ok(NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("`{s}` is not a day (YYYY-MM-DD)"))?)
    }
}

/// What one report's run did.
#[derive(Debug)]
pub struct ReportOutcome {
    pub report: String,
    pub windows: u64,
    pub rows: u64,
    /// Column -> values kept raw (not of the declared type).
    pub raw: std::collections::BTreeMap<String, u64>,
    /// Columns the answers listed that the definition lacks (kept as sent), and columns of
    /// the definition they lacked (null): names only.
    pub added: std::collections::BTreeSet<String>,
    pub missing: std::collections::BTreeSet<String>,
    pub result: Result<(), String>,
}

/// Runs every report of `args` for `client`'s tenant into `out/reports/`.
pub async fn run(
    args: &ReportArgs,
    out: &Path,
    client: &servicetitan::Client,
) -> Vec<ReportOutcome> {
    let reports = Reports::new();
    let mut outcomes = Vec::new();
    for (category, id) in &args.reports {
        let mut outcome = ReportOutcome {
            report: format!("{category}/{id}"),
            windows: 0,
            rows: 0,
            raw: Default::default(),
            added: Default::default(),
            missing: Default::default(),
            result: Ok(()),
        };
        if let Err(e) = one(args, out, client, &reports, (category, *id), &mut outcome).await {
            outcome.result = Err(e.to_string());
        }
        outcomes.push(outcome);
    }
    outcomes
}

async fn one(
    args: &ReportArgs,
    out: &Path,
    client: &servicetitan::Client,
    reports: &Reports,
    (category, id): (&str, i64),
    outcome: &mut ReportOutcome,
) -> Fallible<()> {
    let dir = out.join("reports");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (rows_path, checkpoint_path) = paths(&dir, category, id);
    let since: Option<ReportCheckpoint> = match std::fs::read_to_string(&checkpoint_path) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| format!("{}: {e}", checkpoint_path.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: {e}", checkpoint_path.display()).into()),
    };
    let report = reports.get(client, category, ReportId::new(id)).await?;
    // Yesterday by default: a day still going on would be read as finished.
    let today = chrono::Utc::now().date_naive();
    let to = args.to.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
    let dated = Dated::days(args.from, to)
        .window(args.window_days)
        .look_back(args.look_back_days);
    let mut run = report.dated(report.params(), dated, since)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&rows_path)
        .map_err(|e| format!("{}: {e}", rows_path.display()))?;
    while let Some(window) = run.next_window().await {
        let window = window?;
        write_rows(&mut file, &window).map_err(|e| format!("{}: {e}", rows_path.display()))?;
        outcome.windows += 1;
        outcome.rows += window.rows.rows.len() as u64;
        for (column, n) in &window.rows.raw {
            *outcome.raw.entry(column.clone()).or_insert(0) += n;
        }
        outcome.added.extend(window.rows.added.iter().cloned());
        outcome.missing.extend(window.rows.missing.iter().cloned());
        if let Some(cp) = run.checkpoint() {
            save(&checkpoint_path, cp)?;
        }
    }
    Ok(())
}

/// The rows file and the checkpoint of a report.
pub fn paths(dir: &Path, category: &str, id: i64) -> (PathBuf, PathBuf) {
    let stem: String = category
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        dir.join(format!("{stem}-{id}.jsonl")),
        dir.join(format!("{stem}-{id}.checkpoint.json")),
    )
}

/// A window's rows, one line each, flushed to the disk.
fn write_rows(file: &mut std::fs::File, w: &WindowRows) -> std::io::Result<()> {
    let mut buf = Vec::new();
    for row in &w.rows.rows {
        let mut line = serde_json::Map::new();
        line.insert("window_from".into(), w.window.from.to_string().into());
        line.insert("window_to".into(), w.window.to.to_string().into());
        if let Ok(serde_json::Value::Object(cells)) = row.deserialize::<serde_json::Value>() {
            line.extend(cells);
        }
        serde_json::to_writer(&mut buf, &line)?;
        buf.push(b'\n');
    }
    file.write_all(&buf)?;
    file.sync_data()
}

/// Writes the checkpoint beside, then renames it over the old one.
fn save(path: &Path, cp: &ReportCheckpoint) -> Fallible<()> {
    crate::sink::jsonl::replace_file(path, serde_json::to_string_pretty(cp)?.as_bytes())
}

/// One line per report on standard error.
pub fn summary(outcomes: &[ReportOutcome]) {
    for o in outcomes {
        match &o.result {
            Err(e) => eprintln!("report {}: FAILED: {e}", o.report),
            Ok(()) => {
                let raw: Vec<String> = o.raw.iter().map(|(c, n)| format!("{c} {n}")).collect();
                let mut notes = String::new();
                let mut note = |what: &str, list: Vec<String>| {
                    if !list.is_empty() {
                        notes.push_str(&format!("; {what}: {}", list.join(", ")));
                    }
                };
                note("values not of their column's type, kept as sent", raw);
                let names =
                    |set: &std::collections::BTreeSet<String>| set.iter().cloned().collect();
                note(
                    "columns not in the definition, kept as sent",
                    names(&o.added),
                );
                note(
                    "columns of the definition not in the answer, null",
                    names(&o.missing),
                );
                eprintln!(
                    "report {}: {} rows in {} windows{notes}",
                    o.report, o.rows, o.windows
                );
            }
        }
    }
}
