//! ServiceTitan's reports as data: a report's handle from its definition (fetched once per
//! tenant), parameters checked against it before anything is sent, date ranges run in
//! windows with a serde checkpoint and a look-back, every run paced by the report limit,
//! and rows read by the columns each answer lists, typed by the report's fields (values
//! that are not of their column's type kept as they came, and counted; columns added to
//! the report since its definition was read kept as they came, columns gone null, both
//! noted by name).
//!
//! ```no_run
//! use servicetitan::ids::ReportId;
//! use servicetitan_reports::{Dated, Reports};
//!
//! # async fn run(st: servicetitan::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let reports = Reports::new();
//! let revenue = reports.get(&st, "operations", ReportId::new(1101)).await?;
//! let params = revenue.params().set("Status", "Open")?;
//! let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("a date");
//! let mut run = revenue.dated(params, Dated::days(day(1), day(30)).look_back(3), None)?;
//! while let Some(window) = run.next_window().await {
//!     let window = window?;
//!     println!("{}: {} rows", window.window.from, window.rows.rows.len());
//! }
//! let checkpoint = serde_json::to_string(&run.checkpoint())?; // for tomorrow's run
//! # let _ = checkpoint;
//! # Ok(())
//! # }
//! ```
//!
//! Rooms: `definition.rs` (the handle, its parameters and fields, the cache), `params.rs`
//! (values checked as they are set, the errors), `typed.rs` (cells, rows, raw counts),
//! `dated.rs` (runs, windows, checkpoints).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dated;
mod definition;
mod error;
mod parameter;
mod params;
mod typed;

pub use dated::{Dated, DatedRun, ReportCheckpoint, WindowRows};
pub use definition::{Report, Reports};
pub use error::ReportError;
pub use parameter::{Accepts, Field, Parameter};
pub use params::Params;
pub use typed::{Cell, TypedRow, TypedRows, Window};

/// The date type of ranges, windows and checkpoints (chrono's, with its `Datelike`
/// methods), so that a program need not depend on chrono to name a day.
pub use chrono::{Datelike, NaiveDate};
