//! `servicetitan sync --metrics ADDR`: Prometheus's text format over HTTP at ADDR, by the
//! `metrics` crate's Prometheus exporter (a maintained exposition, not one written here).
//! Per tenant and stream (`crm/Customers_GetList`): records and rows written, API calls,
//! retries, 429 answers, failures, and the time of the last success; per process, the runs.
//! Calls, retries and 429s come from a runtime hook, so they count every attempt of every
//! page; the rest from the sync. Without `--metrics` nothing is recorded (the macros go to
//! no recorder).

use servicetitan::runtime::{AttemptOutcome, Hook};
use std::net::SocketAddr;

pub const RECORDS: &str = "servicetitan_sync_records_total";
pub const ROWS: &str = "servicetitan_sync_rows_written_total";
pub const CALLS: &str = "servicetitan_sync_calls_total";
pub const RETRIES: &str = "servicetitan_sync_retries_total";
pub const THROTTLED: &str = "servicetitan_sync_throttled_total";
pub const FAILURES: &str = "servicetitan_sync_failures_total";
pub const LAST_SUCCESS: &str = "servicetitan_sync_last_success_timestamp_seconds";
pub const RUNS: &str = "servicetitan_sync_runs_total";

/// Serves the metrics at `addr` for as long as the process runs.
pub fn serve(addr: SocketAddr) -> Result<(), String> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .map_err(|e| format!("--metrics {addr}: {e}"))?;
    use metrics::Unit;
    metrics::describe_counter!(RECORDS, Unit::Count, "Records read and committed");
    metrics::describe_counter!(ROWS, Unit::Count, "Rows or lines written");
    metrics::describe_counter!(CALLS, Unit::Count, "API attempts made");
    metrics::describe_counter!(RETRIES, Unit::Count, "API attempts followed by a retry");
    metrics::describe_counter!(THROTTLED, Unit::Count, "API answers of 429");
    metrics::describe_counter!(FAILURES, Unit::Count, "Stream runs that failed");
    metrics::describe_gauge!(
        LAST_SUCCESS,
        Unit::Seconds,
        "When the stream last ended without failure (Unix time)"
    );
    metrics::describe_counter!(RUNS, Unit::Count, "Sync runs started");
    Ok(())
}

/// What one stream committed: records read and rows written.
pub fn committed(tenant: i64, stream: &str, records: u64, rows: u64) {
    let labels = labels(tenant, stream);
    metrics::counter!(RECORDS, &labels).increment(records);
    metrics::counter!(ROWS, &labels).increment(rows);
}

/// A stream's run ended: a success sets the time of the last success, a failure counts.
pub fn ended(tenant: i64, stream: &str, ok: bool) {
    let labels = labels(tenant, stream);
    if ok {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        metrics::gauge!(LAST_SUCCESS, &labels).set(now);
    } else {
        metrics::counter!(FAILURES, &labels).increment(1);
    }
}

fn labels(tenant: i64, stream: &str) -> [(&'static str, String); 2] {
    [
        ("tenant", tenant.to_string()),
        ("stream", stream.to_string()),
    ]
}

/// Counts every API attempt under its stream (`<domain>/<operation id>`, the sync's name
/// for it).
pub struct Calls;

impl Hook for Calls {
    fn after_attempt(&self, o: &AttemptOutcome<'_>) {
        let stream = format!("{}/{}", o.operation.domain, o.operation.id);
        let labels = labels(o.tenant, &stream);
        metrics::counter!(CALLS, &labels).increment(1);
        if o.retry_in.is_some() {
            metrics::counter!(RETRIES, &labels).increment(1);
        }
        if o.status == Some(429) {
            metrics::counter!(THROTTLED, &labels).increment(1);
        }
    }
}
