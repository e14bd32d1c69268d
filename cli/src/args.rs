//! `servicetitan sync`'s arguments, parsed by clap, and the client from `ST_*` variables.

use crate::fallible::Fallible;
use clap::{Arg, ArgAction, ArgMatches, Command};
use servicetitan::runtime::{Config, Credentials};
use std::path::PathBuf;

const SYNC_ABOUT: &str = "Keeps a copy of tenants' data in SQLite, PostgreSQL or JSON-lines files";

const SYNC_LONG: &str = "\
Keeps a copy of tenants' data in SQLite, PostgreSQL or JSON-lines files: every export and
every list with a modification filter of the chosen domains, incremental from the last
checkpoint and resumable after a kill at any moment.

The client is configured by the profile (--profile, ST_PROFILE) and ST_* variables:
ST_APP_KEY, ST_ENVIRONMENT, ST_CLIENT_ID and ST_CLIENT_SECRET (or ST_CLIENT_ID_<TENANT>
and ST_CLIENT_SECRET_<TENANT> for a tenant's own pair), optionally ST_AUTH_URL and
ST_API_URL.";

/// `servicetitan sync`'s command.
pub fn sync_command() -> Command {
    let value = |id: &'static str, name: &'static str, help: &'static str| {
        Arg::new(id).long(id).value_name(name).help(help)
    };
    Command::new("sync")
        .about(SYNC_ABOUT)
        .long_about(SYNC_LONG)
        .arg(value("domains", "MODULE,...", "Domains to copy (comma-separated), or `all`"))
        .arg(value("to", "URL", "A database: SQLite (`sqlite:copy.db`) or PostgreSQL (`postgres://...`); DATABASE_URL when neither --to nor --out is given"))
        .arg(value("out", "DIR", "JSON-lines files, one per resource (one tenant; with --state)"))
        .arg(value("state", "FILE", "The JSON-lines files' state file (with --out)"))
        .arg(value("tenants", "ID,...", "Tenants to copy; default the profile's or ST_TENANT_ID"))
        .arg(value("concurrency", "N", "Resources read at once (default 4)"))
        .arg(value("page-size", "N", "Records per page (default 1000)"))
        .arg(Arg::new("quiet").long("quiet").action(ArgAction::SetTrue).help("No progress on standard error"))
        .arg(value("reports", "CATEGORY/ID,...", "Reports to run: into a table each (report_<category>_<id>) with --to, or into the JSON-lines files with --out; --domains may then be left out"))
        .arg(value("report-from", "DAY", "The first day of the reports' range"))
        .arg(value("report-to", "DAY", "The last day of the reports' range (default yesterday, UTC)"))
        .arg(value("report-window", "DAYS", "Days per report run (default 1)"))
        .arg(value("report-look-back", "DAYS", "Days of a finished range read again (default 0)"))
        .arg(value("report-param", "NAME=VALUE", "A report parameter besides the dates, checked against each report's definition; repeat it for a list (BusinessUnitIds=1 and BusinessUnitIds=2)").action(ArgAction::Append))
        .arg(value("every", "DURATION", "Run as a service: again this long after each run ends (`90s`, `15m`, `1h`); SIGTERM or SIGINT stops it between transactions"))
        .arg(value("metrics", "ADDR", "Serve Prometheus metrics at ADDR (`127.0.0.1:9187`): per stream records, rows, calls, retries, 429s, failures, last success"))
}

/// How the sync runs: once or as a service, and where its metrics are served.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceArgs {
    /// Run again this long after each run ends.
    pub every: Option<std::time::Duration>,
    /// Serve Prometheus metrics here.
    pub metrics: Option<std::net::SocketAddr>,
}

/// `sync`'s service options.
pub fn service_matches(m: &ArgMatches) -> Fallible<ServiceArgs> {
    let every = m
        .get_one::<String>("every")
        .map(|v| {
            duration(v)
                .ok_or_else(|| format!("--every {v}: not a duration such as 90s, 15m, 1h or 1d"))
        })
        .transpose()?;
    let metrics = m
        .get_one::<String>("metrics")
        .map(|v| {
            v.parse()
                .map_err(|_| format!("--metrics {v}: not an address such as 127.0.0.1:9187"))
        })
        .transpose()?;
    Ok(ServiceArgs { every, metrics })
}

/// `90s`, `15m`, `1h`, `1d` (a whole number and a unit), at least a second.
pub fn duration(v: &str) -> Option<std::time::Duration> {
    let v = v.trim();
    let unit = v.chars().last()?;
    let n: u64 = v[..v.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        's' => n,
        'm' => n.checked_mul(60)?,
        'h' => n.checked_mul(3_600)?,
        'd' => n.checked_mul(86_400)?,
        _ => return None,
    };
    (seconds > 0).then(|| std::time::Duration::from_secs(seconds))
}

/// The arguments after `sync`; `env` reads variables (`DATABASE_URL`).
pub fn sync_args(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Fallible<SyncArgs> {
    let argv = std::iter::once("sync".to_string()).chain(args);
    let m = sync_command().try_get_matches_from(argv)?;
    sync_matches(&m, env)
}

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
    /// Reports to run, into the database or the files.
    pub reports: Option<crate::reports::ReportArgs>,
}

/// `sync`'s matches as arguments; `env` reads variables (`DATABASE_URL`).
pub fn sync_matches(m: &ArgMatches, env: impl Fn(&str) -> Option<String>) -> Fallible<SyncArgs> {
    let text = |id: &str| m.get_one::<String>(id).cloned();
    let number = |id: &str, default: usize| -> Fallible<usize> {
        Ok(match text(id) {
            Some(v) => v.parse().map_err(|_| format!("--{id} {v}: not a number"))?,
            None => default,
        })
    };
    let (domains, to, tenants) = (text("domains"), text("to"), text("tenants"));
    let (out, state) = (
        text("out").map(PathBuf::from),
        text("state").map(PathBuf::from),
    );
    let concurrency = number("concurrency", 4)?;
    let page_size =
        i32::try_from(number("page-size", 1_000)?).map_err(|_| "--page-size: too large")?;
    let progress = !m.get_flag("quiet");
    let report = [
        "reports",
        "report-from",
        "report-to",
        "report-window",
        "report-look-back",
    ]
    .map(text);
    let params: Vec<String> = m
        .get_many::<String>("report-param")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let reports = report_args(report, &params)?;
    let domains = match (domains, &reports) {
        (Some(d), _) => d,
        (None, Some(_)) => String::new(),
        (None, None) => return Err("--domains is required (or --reports)".to_string().into()),
    };
    let output = match (to, out, state) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err("--to or --out/--state, not both".to_string().into())
        }
        (Some(url), None, None) => Output::Database(url),
        (None, Some(out), Some(state)) => Output::Files { out, state },
        (None, None, None) => match env("DATABASE_URL") {
            Some(url) => Output::Database(url),
            None => {
                return Err("where to? --to, --out/--state or DATABASE_URL"
                    .to_string()
                    .into())
            }
        },
        (None, _, _) => return Err("--out and --state go together".to_string().into()),
    };
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
    params: &[String],
) -> Fallible<Option<crate::reports::ReportArgs>> {
    use crate::reports::ReportArgs;
    let Some(reports) = reports else {
        let others = [&from, &to, &window, &look_back];
        if others.iter().any(|o| o.is_some()) || !params.is_empty() {
            return Err("the --report-* options go with --reports"
                .to_string()
                .into());
        }
        return Ok(None);
    };
    let from = from.ok_or("--reports needs --report-from".to_string())?;
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
        params: params
            .iter()
            .map(|p| ReportArgs::parse_param(p))
            .collect::<Fallible<_>>()?,
    }))
}

/// The runtime for `tenants` (the first stands for `ST_TENANT_ID` when they are given),
/// and the tenants to sync.
/// With `metrics`, every API attempt is counted under its stream (`crate::metrics`).
pub fn runtime(
    tenants: &[i64],
    env: impl Fn(&str) -> Option<String>,
    metrics: bool,
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
    if metrics {
        builder = builder.hook(crate::metrics::Calls);
    }
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

    #[test]
    fn a_service_runs_every_whole_duration_and_serves_metrics_at_an_address() {
        use std::time::Duration;
        assert_eq!(duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(duration("1h"), Some(Duration::from_secs(3_600)));
        assert_eq!(duration("2d"), Some(Duration::from_secs(172_800)));
        for wrong in [
            "",
            "s",
            "0s",
            "15",
            "1.5h",
            "-1m",
            "1w",
            "99999999999999999999d",
            "é",
        ] {
            assert_eq!(duration(wrong), None, "{wrong}");
        }
        let m = |line: &str| {
            let argv = format!("sync --domains crm --to a.db {line}");
            let m = sync_command()
                .try_get_matches_from(argv.split_whitespace())
                .expect("parsed");
            service_matches(&m)
        };
        let a = m("--every 5m --metrics 127.0.0.1:9187").expect("ok");
        assert_eq!(a.every, Some(Duration::from_secs(300)));
        assert_eq!(
            a.metrics,
            Some("127.0.0.1:9187".parse().expect("an address"))
        );
        assert_eq!(m("").expect("ok"), ServiceArgs::default());
        assert!(m("--every soon").is_err() && m("--metrics localhost").is_err());
    }
}
