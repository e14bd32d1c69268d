//! Reports in a sync: `--reports operations/1101 --report-from 2026-11-01` runs each
//! report over the range in windows (`--report-window` days, default 1), from its
//! checkpoint when it has one (re-reading `--report-look-back` days of a finished range),
//! its other parameters from `--report-param NAME=VALUE` (`params.rs`: typed by the
//! definition and checked, for every report and tenant, before anything runs: [`check`]).
//!
//! Into a database (`--to`): a table per report, made from its definition (`table.rs`:
//! a typed column per field, the window's days and the row's number in it, `extra` for
//! what no typed column holds), each window's rows replacing the window's (and those of
//! any window within it) in one transaction with the report's checkpoint
//! (`servicetitan_report_checkpoints`; `db.rs`): a window read again has its rows once,
//! and a run stopped anywhere resumes with nothing lost or doubled.
//!
//! Into the files (`--out`): `<out>/reports/<category>-<id>.jsonl`, one line per row, the
//! window's days first (`window_from`, `window_to`), then each column the answer lists,
//! under its own name, typed by the report's fields (a column the definition lacks as
//! sent). The checkpoint, `<category>-<id>.checkpoint.json` beside it, moves after each
//! window's rows are written and flushed; a run stopped between the two writes that
//! window again on the next run, so a window's rows may appear twice (the later ones are
//! the newer read), never not at all.

mod db;
mod params;
mod table;

use crate::fallible::Fallible;
use crate::sink::Database;
use crate::stop::Stop;
use chrono::NaiveDate;
use servicetitan::ids::ReportId;
use servicetitan_reports::{Dated, Report, ReportCheckpoint, ReportError, Reports, WindowRows};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which reports a sync runs, over which days, with which other parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportArgs {
    /// Category and id of each report.
    pub reports: Vec<(String, i64)>,
    pub from: NaiveDate,
    /// The last day; yesterday (UTC) when not given.
    pub to: Option<NaiveDate>,
    pub window_days: u32,
    pub look_back_days: u32,
    /// `--report-param` values, as given: name, value (a name repeated for a list).
    pub params: Vec<(String, String)>,
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

    /// `NAME=VALUE`.
    pub fn parse_param(s: &str) -> Fallible<(String, String)> {
        params::parse(s)
    }

    /// The range as a dated run reads it; the last day yesterday (UTC) when not given: a
    /// day still going on would be read as finished.
    fn dated(&self) -> Dated {
        let today = chrono::Utc::now().date_naive();
        let to = self.to.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
        Dated::days(self.from, to)
            .window(self.window_days)
            .look_back(self.look_back_days)
    }
}

/// Where reports are written.
#[derive(Clone, Copy)]
pub enum Destination<'a> {
    /// A table per report.
    Database(&'a Database),
    /// The JSON-lines files' folder (`--out`).
    Files(&'a Path),
}

/// What one report's run did.
#[derive(Debug)]
pub struct ReportOutcome {
    pub report: String,
    pub tenant: i64,
    pub windows: u64,
    pub rows: u64,
    /// Column -> values kept raw (not of the declared type).
    pub raw: std::collections::BTreeMap<String, u64>,
    /// Columns the answers listed that the definition lacks (kept as sent), and columns of
    /// the definition they lacked (null): names only.
    pub added: std::collections::BTreeSet<String>,
    pub missing: std::collections::BTreeSet<String>,
    /// Why the report was not run, when it was not.
    pub skipped: Option<&'static str>,
    pub result: Result<(), String>,
}

impl ReportOutcome {
    fn count(&mut self, window: &WindowRows) {
        self.windows += 1;
        self.rows += window.rows.rows.len() as u64;
        for (column, n) in &window.rows.raw {
            *self.raw.entry(column.clone()).or_insert(0) += n;
        }
        self.added.extend(window.rows.added.iter().cloned());
        self.missing.extend(window.rows.missing.iter().cloned());
    }
}

/// Checks `args`' parameter values against every report's definition for each of
/// `clients`' tenants, before anything runs (reading each definition once, into
/// `reports`): the first refused, in words. A definition that cannot be read now is left
/// to the run, which says why.
pub async fn check(
    args: &ReportArgs,
    clients: &[servicetitan::Client],
    reports: &Reports,
) -> Result<(), String> {
    for client in clients {
        for (category, id) in &args.reports {
            let Ok(report) = reports.get(client, category, ReportId::new(*id)).await else {
                continue;
            };
            let refused = |e: String| format!("report {category}/{id}: {e}");
            let params = params::of(&report, &args.params).map_err(refused)?;
            // The required ones, with the dates in place: nothing is sent.
            if let Err(e @ ReportError::Parameter { .. }) = report.dated(params, args.dated(), None)
            {
                return Err(refused(e.to_string()));
            }
        }
    }
    Ok(())
}

/// Runs every report of `args` for `client`'s tenant into `to`, until they end or `stop`
/// says (between windows); definitions from `reports`.
pub async fn run(
    args: &ReportArgs,
    to: Destination<'_>,
    client: &servicetitan::Client,
    reports: &Reports,
    stop: &Stop,
) -> Vec<ReportOutcome> {
    let mut outcomes = Vec::new();
    for (category, id) in &args.reports {
        if stop.stopping() {
            break;
        }
        let mut outcome = ReportOutcome {
            report: format!("{category}/{id}"),
            tenant: client.tenant(),
            windows: 0,
            rows: 0,
            raw: Default::default(),
            added: Default::default(),
            missing: Default::default(),
            skipped: None,
            result: Ok(()),
        };
        let report = reports.get(client, category, ReportId::new(*id)).await;
        let ran = match report {
            Ok(report) => one(args, to, &report, &mut outcome, stop).await,
            Err(e) => Err(e.into()),
        };
        if let Err(e) = ran {
            outcome.result = Err(e.to_string());
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// Where one report's windows go.
enum Writer {
    Table(Box<db::ReportTable>),
    Files {
        file: std::fs::File,
        rows: PathBuf,
        checkpoint: PathBuf,
    },
}

impl Writer {
    /// The report's writer and checkpoint; `None` when another worker runs it.
    async fn open(
        to: Destination<'_>,
        report: &Report,
        tenant: i64,
    ) -> Fallible<Option<(Writer, Option<ReportCheckpoint>)>> {
        match to {
            Destination::Database(db) => {
                let Some(mut table) = db::ReportTable::open(db, tenant, report).await? else {
                    return Ok(None);
                };
                let since = table.checkpoint().await?;
                Ok(Some((Writer::Table(Box::new(table)), since)))
            }
            Destination::Files(out) => {
                let dir = out.join("reports");
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let (rows, checkpoint) = paths(&dir, report.category(), report.id().get());
                let since = match std::fs::read_to_string(&checkpoint) {
                    Ok(text) => Some(
                        serde_json::from_str(&text)
                            .map_err(|e| format!("{}: {e}", checkpoint.display()))?,
                    ),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(format!("{}: {e}", checkpoint.display()).into()),
                };
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&rows)
                    .map_err(|e| format!("{}: {e}", rows.display()))?;
                let files = Writer::Files {
                    file,
                    rows,
                    checkpoint,
                };
                Ok(Some((files, since)))
            }
        }
    }

    /// Writes a window's rows, then (with them, in a database) the checkpoint after it.
    async fn write(&mut self, window: &WindowRows, cp: &ReportCheckpoint) -> Fallible<()> {
        match self {
            Writer::Table(table) => table.write(window, cp).await,
            Writer::Files {
                file,
                rows,
                checkpoint,
            } => {
                write_rows(file, window).map_err(|e| format!("{}: {e}", rows.display()))?;
                save(checkpoint, cp)
            }
        }
    }
}

async fn one(
    args: &ReportArgs,
    to: Destination<'_>,
    report: &Report,
    outcome: &mut ReportOutcome,
    stop: &Stop,
) -> Fallible<()> {
    let params = params::of(report, &args.params)?;
    let Some((mut writer, since)) = Writer::open(to, report, outcome.tenant).await? else {
        outcome.skipped = Some("another worker is running it");
        return Ok(());
    };
    let mut run = report.dated(params, args.dated(), since)?;
    while let Some(window) = run.next_window().await {
        let window = window?;
        let cp = run
            .checkpoint()
            .ok_or("a window was read and no checkpoint is after it")?;
        writer.write(&window, cp).await?;
        outcome.count(&window);
        if stop.stopping() {
            // Stopped between windows: the next run goes on from the checkpoint.
            break;
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

/// One line per report on standard error (its tenant named when there are several).
pub fn summary(outcomes: &[ReportOutcome]) {
    let several = outcomes.iter().any(|o| o.tenant != outcomes[0].tenant);
    for o in outcomes {
        let label = if several {
            format!("{} (tenant {})", o.report, o.tenant)
        } else {
            o.report.clone()
        };
        match (&o.result, o.skipped) {
            (Err(e), _) => eprintln!("report {label}: FAILED: {e}"),
            (Ok(()), Some(why)) => eprintln!("report {label}: skipped: {why}"),
            (Ok(()), None) => {
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
                    "report {label}: {} rows in {} windows{notes}",
                    o.rows, o.windows
                );
            }
        }
    }
}
