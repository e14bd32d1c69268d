//! Running a report: once (every page of its data), or over a date range in windows (a
//! day at a time, say), each window a run with the report's two date parameters set to
//! its first and last day. A backfill runs the range's windows one after another; a run
//! that starts from a checkpoint goes on where the last one stopped, re-reading the
//! look-back's days first when the last run had finished its range (for edits made to
//! recent days after they were read). Every page is a call of `GetData`, which the
//! client paces by the report limit (5 runs of the same report a minute per tenant,
//! shared across the fleet with Redis), so no run is refused for it.

use crate::definition::Report;
use crate::error::ReportError;
use crate::params::Params;
use crate::typed::{TypedRows, Window};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use servicetitan::reporting::{ReportDataParameter, ReportDataRequest};
use servicetitan::runtime::Json;

/// Rows a page of report data asks for.
const PAGE_SIZE: i32 = 5_000;

/// How a date range is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    /// The first day.
    pub from: NaiveDate,
    /// The last day (included).
    pub to: NaiveDate,
    /// Days a window holds (at least 1).
    pub window_days: u32,
    /// Days before the checkpoint read again when a run starts after one that finished
    /// its range.
    pub look_back_days: u32,
    /// The report's date parameters (first day, last day); `None` finds them
    /// ([`Report::date_parameters`]).
    pub dates: Option<(String, String)>,
}

impl Dated {
    /// Day by day over `from..=to`, no look-back.
    pub fn days(from: NaiveDate, to: NaiveDate) -> Dated {
        Dated {
            from,
            to,
            window_days: 1,
            look_back_days: 0,
            dates: None,
        }
    }
    /// Windows of `days` days.
    pub fn window(mut self, days: u32) -> Dated {
        self.window_days = days.max(1);
        self
    }
    /// Re-reads `days` days before the checkpoint.
    pub fn look_back(mut self, days: u32) -> Dated {
        self.look_back_days = days;
        self
    }
    /// Names the date parameters.
    pub fn dates(mut self, first_day: &str, last_day: &str) -> Dated {
        self.dates = Some((first_day.to_owned(), last_day.to_owned()));
        self
    }
}

/// Where a dated run of a report stands: serialized between runs like an export's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCheckpoint {
    /// The report's category.
    pub category: String,
    /// The report's id.
    pub report: i64,
    /// The tenant it was run for.
    pub tenant: i64,
    /// The other parameters' values: a checkpoint of other values does not apply.
    pub parameters: Json,
    /// The last day every window up to which was read.
    pub through: NaiveDate,
    /// The last day of the range of the run that wrote it.
    pub until: NaiveDate,
}

/// The rows of one window of a dated run.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRows {
    /// The window's days.
    pub window: Window,
    /// Its rows, each tagged with the window.
    pub rows: TypedRows,
}

impl Report {
    /// Runs the report once with `params`, every page of its data; rows read by the
    /// columns each page lists, typed.
    pub async fn run(&self, params: &Params<'_>) -> Result<TypedRows, ReportError> {
        params.complete()?;
        self.read(params.values(), None).await
    }

    /// Every page of one run.
    async fn read(
        &self,
        values: &[(String, Json)],
        window: Option<Window>,
    ) -> Result<TypedRows, ReportError> {
        let body = ReportDataRequest::new(
            values
                .iter()
                .map(|(n, v)| ReportDataParameter::new(n.as_str()).with_value(v.clone()))
                .collect(),
        );
        let mut rows = TypedRows::default();
        let mut page = 1;
        loop {
            let answer = self
                .client
                .reporting()
                .report_category_reports()
                .get_data(self.category.as_str(), self.id, body.clone())
                .page(page)
                .page_size(PAGE_SIZE)
                .send()
                .await
                .map_err(ReportError::Api)?;
            let header = answer.fields.unwrap_or_default();
            rows.push_page(
                &self.fields,
                &header,
                answer.data.unwrap_or_default(),
                window,
            );
            if answer.has_more != Some(true) {
                return Ok(rows);
            }
            page += 1;
        }
    }

    /// A dated run over `dated`'s range, from `since` (a checkpoint of an earlier run) or
    /// from the range's first day; `params` holds the other parameters.
    pub fn dated<'r>(
        &'r self,
        params: Params<'r>,
        dated: Dated,
        since: Option<ReportCheckpoint>,
    ) -> Result<DatedRun<'r>, ReportError> {
        let (first, last) = match dated.dates.clone() {
            Some(d) => d,
            None => self.date_parameters()?,
        };
        for name in [&first, &last] {
            if self.parameter(name).is_none_or(|p| p.data_type != "Date") {
                return Err(ReportError::Dates(format!(
                    "`{name}` is not a date parameter of {}",
                    self.name
                )));
            }
        }
        if dated.to < dated.from {
            return Err(ReportError::Dates(format!(
                "the range ends ({}) before it starts ({})",
                dated.to, dated.from
            )));
        }
        let others: Vec<(String, Json)> = params
            .values()
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(&first) && !n.eq_ignore_ascii_case(&last))
            .cloned()
            .collect();
        let fingerprint = Json::Array(
            others
                .iter()
                .map(|(n, v)| serde_json::json!([n, v]))
                .collect(),
        );
        let start = match &since {
            None => dated.from,
            Some(cp) => {
                let same = cp.category == self.category
                    && cp.report == self.id.get()
                    && cp.tenant == self.client.tenant()
                    && cp.parameters == fingerprint;
                if !same {
                    return Err(ReportError::Dates(
                        "the checkpoint is of another report, tenant or parameters".into(),
                    ));
                }
                let next = cp.through.succ_opt().ok_or_else(|| {
                    ReportError::Dates("the checkpoint is at the last day there is".into())
                })?;
                // A finished range: read its last days again. A stopped one: go on.
                let back = if cp.through >= cp.until {
                    dated.look_back_days
                } else {
                    0
                };
                next.checked_sub_days(Days::new(u64::from(back)))
                    .unwrap_or(dated.from)
                    .max(dated.from)
            }
        };
        // Every other required parameter is checked now, with the dates in place.
        let probe = params
            .clone()
            .set(&first, dated.from.format("%Y-%m-%d").to_string())?
            .set(&last, dated.to.format("%Y-%m-%d").to_string())?;
        probe.complete()?;
        Ok(DatedRun {
            report: self,
            others,
            dates: (first, last),
            next: start,
            dated,
            checkpoint: since,
            fingerprint,
            done: false,
        })
    }
}

/// A dated run in progress: [`DatedRun::next_window`] runs one window at a time.
#[derive(Debug)]
pub struct DatedRun<'r> {
    report: &'r Report,
    others: Vec<(String, Json)>,
    dates: (String, String),
    next: NaiveDate,
    dated: Dated,
    checkpoint: Option<ReportCheckpoint>,
    fingerprint: Json,
    /// The range ended at the last day there is.
    done: bool,
}

impl DatedRun<'_> {
    /// The windows still to run, in order.
    pub fn windows(&self) -> Vec<Window> {
        let mut out = Vec::new();
        let mut from = self.next;
        let span = Days::new(u64::from(self.dated.window_days.max(1)) - 1);
        while from <= self.dated.to && !self.done {
            let to = from
                .checked_add_days(span)
                .unwrap_or(self.dated.to)
                .min(self.dated.to);
            out.push(Window { from, to });
            match to.succ_opt() {
                Some(next) => from = next,
                None => break,
            }
        }
        out
    }

    /// Runs the next window: its rows, or `None` when the range is done. The checkpoint
    /// moves past a window only once all its rows have been read.
    pub async fn next_window(&mut self) -> Option<Result<WindowRows, ReportError>> {
        let window = *self.windows().first()?;
        let mut values = self.others.clone();
        values.push((
            self.dates.0.clone(),
            Json::String(window.from.format("%Y-%m-%d").to_string()),
        ));
        values.push((
            self.dates.1.clone(),
            Json::String(window.to.format("%Y-%m-%d").to_string()),
        ));
        match self.report.read(&values, Some(window)).await {
            Ok(rows) => {
                match window.to.succ_opt() {
                    Some(next) => self.next = next,
                    None => self.done = true,
                }
                self.checkpoint = Some(ReportCheckpoint {
                    category: self.report.category.clone(),
                    report: self.report.id.get(),
                    tenant: self.report.client.tenant(),
                    parameters: self.fingerprint.clone(),
                    through: window.to,
                    until: self.dated.to,
                });
                Some(Ok(WindowRows { window, rows }))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// Where the run stands: save it, and give it to the next run.
    pub fn checkpoint(&self) -> Option<&ReportCheckpoint> {
        self.checkpoint.as_ref()
    }
}
