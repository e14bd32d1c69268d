//! The command line: `servicetitan sync ...`, and the client from `ST_*` variables.

use crate::sink::Fallible;
use servicetitan::runtime::{Config, Credentials};
use std::path::PathBuf;

pub const USAGE: &str = "\
usage: servicetitan sync --domains crm,jpm|all [--to sqlite:PATH|postgres://...]
                         [--out DIR --state FILE] [--tenants ID,ID,...]
                         [--concurrency N] [--page-size N] [--quiet]
                         [--reports CATEGORY/ID,... --report-from DAY [--report-to DAY]
                          [--report-window DAYS] [--report-look-back DAYS]]

  --domains      modules to copy (comma-separated), or `all`
  --to           a database: SQLite (`sqlite:copy.db`) or PostgreSQL (`postgres://...`);
                 DATABASE_URL when neither --to nor --out is given
  --out, --state JSON-lines files, one per resource, and the state file (one tenant)
  --tenants      tenants to copy; default ST_TENANT_ID
  --concurrency  resources read at once (default 4)
  --page-size    records per page (default 1000)
  --reports      reports to run into the JSON-lines files (with --out), each over the days
                 from --report-from to --report-to (default yesterday, UTC) in windows of
                 --report-window days (default 1), from its checkpoint, re-reading
                 --report-look-back days (default 0) of a range it had finished;
                 `--domains` may then be left out

The client is configured by ST_* variables: ST_APP_KEY, ST_ENVIRONMENT, ST_CLIENT_ID and
ST_CLIENT_SECRET (or ST_CLIENT_ID_<TENANT> and ST_CLIENT_SECRET_<TENANT> for a tenant's
own pair), optionally ST_AUTH_URL and ST_API_URL.";

/// Where a sync writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A database URL.
    Database(String),
    /// JSON-lines files and their state file.
    Files { out: PathBuf, state: PathBuf },
}

#[derive(Debug, Clone)]
pub struct SyncArgs {
    pub domains: Vec<String>,
    pub output: Output,
    /// Empty: the tenant of `ST_TENANT_ID`.
    pub tenants: Vec<i64>,
    pub concurrency: usize,
    pub page_size: i32,
    pub progress: bool,
    /// Reports to run into the files.
    pub reports: Option<crate::reports::ReportArgs>,
}

/// The arguments after `sync`; `env` reads variables (`DATABASE_URL`).
pub fn sync_args(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Fallible<SyncArgs> {
    let (mut domains, mut to, mut out, mut state, mut tenants) = (None, None, None, None, None);
    let (mut concurrency, mut page_size, mut progress) = (4usize, 1_000i32, true);
    let mut report: [Option<String>; 5] = Default::default();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--domains" => domains = Some(value()?),
            "--to" => to = Some(value()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--state" => state = Some(PathBuf::from(value()?)),
            "--tenants" => tenants = Some(value()?),
            "--concurrency" => concurrency = value()?.parse()?,
            "--page-size" => page_size = value()?.parse()?,
            "--quiet" => progress = false,
            "--reports" => report[0] = Some(value()?),
            "--report-from" => report[1] = Some(value()?),
            "--report-to" => report[2] = Some(value()?),
            "--report-window" => report[3] = Some(value()?),
            "--report-look-back" => report[4] = Some(value()?),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}").into()),
        }
    }
    let reports = report_args(report)?;
    let domains = match (domains, &reports) {
        (Some(d), _) => d,
        (None, Some(_)) => String::new(),
        (None, None) => return Err(format!("--domains is required\n{USAGE}").into()),
    };
    let output = match (to, out, state) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(format!("--to or --out/--state, not both\n{USAGE}").into())
        }
        (Some(url), None, None) => Output::Database(url),
        (None, Some(out), Some(state)) => Output::Files { out, state },
        (None, None, None) => match env("DATABASE_URL") {
            Some(url) => Output::Database(url),
            None => {
                return Err(
                    format!("where to? --to, --out/--state or DATABASE_URL\n{USAGE}").into(),
                )
            }
        },
        (None, _, _) => return Err(format!("--out and --state go together\n{USAGE}").into()),
    };
    if reports.is_some() && !matches!(output, Output::Files { .. }) {
        return Err(
            format!("reports go into the JSON-lines files: --out and --state\n{USAGE}").into(),
        );
    }
    let tenants = match tenants {
        Some(list) => list
            .split(',')
            .map(|t| {
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("`{t}` is no tenant id"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    Ok(SyncArgs {
        domains: domains
            .split(',')
            .map(|d| d.trim().replace('-', "_"))
            .filter(|d| !d.is_empty())
            .collect(),
        reports,
        output,
        tenants,
        concurrency: concurrency.max(1),
        page_size,
        progress,
    })
}

/// The report options: all or none of them, `--reports` and `--report-from` needed.
fn report_args(
    [reports, from, to, window, look_back]: [Option<String>; 5],
) -> Fallible<Option<crate::reports::ReportArgs>> {
    use crate::reports::ReportArgs;
    let Some(reports) = reports else {
        if from.is_some() || to.is_some() || window.is_some() || look_back.is_some() {
            return Err(format!("the --report-* options go with --reports\n{USAGE}").into());
        }
        return Ok(None);
    };
    let from = from.ok_or(format!("--reports needs --report-from\n{USAGE}"))?;
    let days = |v: Option<String>, default: u32| -> Fallible<u32> {
        Ok(v.map(|v| {
            v.parse::<u32>()
                .ok()
                .filter(|d| *d <= 3_660)
                .ok_or_else(|| format!("`{v}` is not a number of days (at most 3660)"))
        })
        .transpose()?
        .unwrap_or(default))
    };
    Ok(Some(ReportArgs {
        reports: ReportArgs::parse_list(&reports)?,
        from: ReportArgs::parse_day(&from)?,
        to: to.as_deref().map(ReportArgs::parse_day).transpose()?,
        window_days: days(window, 1)?.max(1),
        look_back_days: days(look_back, 0)?,
    }))
}

/// The runtime for `tenants` (the first stands for `ST_TENANT_ID` when they are given),
/// and the tenants to sync.
pub fn runtime(
    tenants: &[i64],
    env: impl Fn(&str) -> Option<String>,
) -> Fallible<(servicetitan::Runtime, Vec<i64>)> {
    let config = Config::from_lookup(|k| match (k, tenants.first()) {
        ("ST_TENANT_ID", Some(t)) => Some(t.to_string()),
        _ => env(k),
    })?;
    let tenants = if tenants.is_empty() {
        vec![config.tenant_id()]
    } else {
        tenants.to_vec()
    };
    let mut builder = config.into_builder();
    for t in &tenants {
        let pair = (
            env(&format!("ST_CLIENT_ID_{t}")),
            env(&format!("ST_CLIENT_SECRET_{t}")),
        );
        if let (Some(id), Some(secret)) = pair {
            builder = builder.tenant_credentials(*t, Credentials::new(id, secret));
        }
    }
    Ok((servicetitan::Runtime::new(builder)?, tenants))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str, env: &[(&str, &str)]) -> Fallible<SyncArgs> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sync_args(line.split_whitespace().map(String::from), |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_destination_is_a_database_or_files() {
        let a = args("--domains crm,equipment-systems --to sqlite:x.db", &[]).expect("ok");
        assert_eq!(a.output, Output::Database("sqlite:x.db".into()));
        assert_eq!(a.domains, ["crm", "equipment_systems"]);
        let a = args("--domains crm", &[("DATABASE_URL", "postgres://h/db")]).expect("ok");
        assert_eq!(a.output, Output::Database("postgres://h/db".into()));
        let a = args("--domains crm --out o --state s --tenants 1,2", &[]).expect("ok");
        assert!(matches!(a.output, Output::Files { .. }));
        assert_eq!(a.tenants, [1, 2]);
        for wrong in [
            "--domains crm",
            "--domains crm --out o",
            "--domains crm --to a.db --out o --state s",
            "--to a.db",
            "--domains crm --to a.db --bogus",
        ] {
            assert!(args(wrong, &[]).is_err(), "{wrong}");
        }
    }
}
