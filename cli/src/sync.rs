//! `servicetitan sync`: every export and every list with a modification filter of the
//! chosen domains, for each tenant, into a database or JSON-lines files, incremental
//! from the last checkpoint and resumable after a kill at any moment.

use crate::args::{Output, SyncArgs};
use crate::row::{row, Row};
use crate::schema::{Catalog, Table};
use crate::sink::{jsonl, Commit, Database, Fallible, Session};
use futures_util::StreamExt;
use servicetitan::runtime::{ChangeOptions, Checkpoint, RawRecord, SyncSource, TenantClient};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one stream did in this run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub tenant: i64,
    /// `<module>/<operation id>`.
    pub stream: String,
    pub records: u64,
    /// Rows written (a database) or lines (files).
    pub written: u64,
    pub result: Result<(), String>,
    /// Why the stream was not synced in this run, when it was not.
    pub skipped: Option<&'static str>,
}

#[derive(Default)]
struct Progress {
    records: AtomicU64,
    done: AtomicU64,
}

/// Where one stream writes.
enum Out {
    Db {
        session: Session,
        table: &'static Table,
        rows: Vec<Row>,
    },
    Files(Box<jsonl::Stream>),
}

impl Out {
    fn push(&mut self, record: &RawRecord) -> Fallible<()> {
        match self {
            Out::Db { table, rows, .. } => rows.push(row(table, record)?),
            Out::Files(f) => f.push(record)?,
        }
        Ok(())
    }

    async fn commit(
        &mut self,
        tenant: i64,
        stream: &str,
        checkpoint: Option<&Checkpoint>,
        records: u64,
    ) -> Fallible<u64> {
        match self {
            Out::Db {
                session,
                table,
                rows,
            } => {
                let commit = Commit {
                    tenant,
                    stream: stream.to_string(),
                    table,
                    rows: std::mem::take(rows),
                    checkpoint: checkpoint.cloned(),
                    records,
                };
                session.commit(commit).await
            }
            Out::Files(f) => f.commit(checkpoint, records),
        }
    }
}

/// Where the whole run writes.
#[derive(Clone)]
enum Destination {
    Db(Database),
    Files(jsonl::Files),
}

/// Runs the sync of the generated catalog; every stream's outcome.
pub async fn run(args: &SyncArgs, runtime: servicetitan::Runtime) -> Fallible<Vec<Outcome>> {
    run_with(args, runtime, Catalog::generated()).await
}

/// Runs the sync of `catalog`'s sources into its tables; every stream's outcome.
pub async fn run_with(
    args: &SyncArgs,
    runtime: servicetitan::Runtime,
    catalog: Catalog,
) -> Fallible<Vec<Outcome>> {
    let sources = sources(&args.domains, &catalog)?;
    let destination = match &args.output {
        Output::Database(url) => Destination::Db(Database::open(url, catalog.migrations).await?),
        Output::Files { out, state } => {
            let [tenant] = args.tenants[..] else {
                return Err(
                    "JSON-lines files hold one tenant: several tenants need a database (--to)"
                        .into(),
                );
            };
            Destination::Files(jsonl::Files::open(out, state, tenant)?)
        }
    };
    let progress = Arc::new(Progress::default());
    let work: Vec<(i64, &str, SyncSource)> = args
        .tenants
        .iter()
        .flat_map(|t| sources.iter().map(move |(m, s)| (*t, *m, *s)))
        .collect();
    let total = work.len() as u64;
    let bar = (args.progress && std::io::stderr().is_terminal()).then(|| {
        let bar = progress_bar(total);
        (bar.clone(), tokio::spawn(draw(progress.clone(), bar)))
    });
    let options = ChangeOptions::default().page_size(args.page_size);
    let outcomes = futures_util::stream::iter(work)
        .map(|(tenant, module, source)| {
            let client = runtime.tenant(tenant);
            let (destination, progress, options) =
                (destination.clone(), progress.clone(), options.clone());
            async move {
                let at = (&destination, catalog);
                let outcome = stream(&client, at, module, &source, &options, &progress).await;
                progress.done.fetch_add(1, Relaxed);
                outcome
            }
        })
        .buffer_unordered(args.concurrency)
        .collect::<Vec<_>>()
        .await;
    if let Some((bar, task)) = bar {
        task.abort();
        bar.set_position(progress.done.load(Relaxed));
        bar.finish();
    }
    Ok(outcomes)
}

/// The sources of `domains` (modules), with their module.
fn sources(domains: &[String], catalog: &Catalog) -> Fallible<Vec<(&'static str, SyncSource)>> {
    let mut out = Vec::new();
    for d in domains {
        let all = d == "all";
        let found: Vec<_> = catalog
            .sources
            .iter()
            .filter(|(m, _)| all || m == d)
            .collect();
        if found.is_empty() {
            let known: Vec<&str> = catalog.sources.iter().map(|(m, _)| *m).collect();
            return Err(format!("unknown domain `{d}`; known: {}", known.join(", ")).into());
        }
        for (m, list) in found {
            out.extend(list.iter().map(|s| (*m, *s)));
        }
    }
    Ok(out)
}

async fn stream(
    client: &TenantClient,
    (destination, catalog): (&Destination, Catalog),
    module: &'static str,
    source: &SyncSource,
    options: &ChangeOptions,
    progress: &Progress,
) -> Outcome {
    let tenant = client.tenant();
    let key = format!("{module}/{}", source.operation.id);
    let mut outcome = Outcome {
        tenant,
        stream: key.clone(),
        records: 0,
        written: 0,
        result: Ok(()),
        skipped: None,
    };
    let out = match open(destination, catalog, tenant, (module, source), &key).await {
        Ok(Ok(out)) => out,
        Ok(Err(why)) => {
            outcome.skipped = Some(why);
            return outcome;
        }
        Err(e) => {
            outcome.result = Err(e.to_string());
            return outcome;
        }
    };
    // Records are read raw (exact numbers); when drift is observed, each is also checked
    // against its model, as a typed call's answer is.
    let check = catalog
        .check_of(source.operation.id)
        .filter(|_| client.client().observes_drift());
    let from = (source, check);
    if let Err(e) = copy(client, out, from, options, progress, &key, &mut outcome).await {
        outcome.result = Err(e.to_string());
    }
    outcome
}

/// The stream's output, or why it is not synced in this run.
async fn open(
    destination: &Destination,
    catalog: Catalog,
    tenant: i64,
    (module, source): (&str, &SyncSource),
    key: &str,
) -> Fallible<Result<(Out, Option<Checkpoint>), &'static str>> {
    match destination {
        Destination::Files(files) => {
            let f = files.stream(key)?;
            let since = f.checkpoint().cloned();
            Ok(Ok((Out::Files(Box::new(f)), since)))
        }
        Destination::Db(db) => {
            let Some(table) = catalog.table_of(module, source.operation.id) else {
                return Ok(Err("no table: its records have no id"));
            };
            let Some(session) = db.session(tenant, key).await? else {
                return Ok(Err("another worker is syncing it"));
            };
            let since = session.checkpoint(tenant, key).await?;
            let rows = Vec::new();
            Ok(Ok((
                Out::Db {
                    session,
                    table,
                    rows,
                },
                since,
            )))
        }
    }
}

/// Copies one stream's changes, committing at every checkpoint.
async fn copy(
    client: &TenantClient,
    (mut out, since): (Out, Option<Checkpoint>),
    (source, check): (&SyncSource, Option<crate::schema::Check>),
    options: &ChangeOptions,
    progress: &Progress,
    key: &str,
    outcome: &mut Outcome,
) -> Fallible<()> {
    let tenant = client.tenant();
    let mut changes = source.open_raw(client, since.as_ref(), options)?;
    let mut committed = changes.checkpoint().cloned();
    let mut uncommitted = 0u64;
    let mut failure = None;
    while let Some(record) = changes.next().await {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if let Some(check) = check {
            client
                .client()
                .note_drift(&check(source.operation, record.get().as_bytes()));
        }
        out.push(&record)?;
        uncommitted += 1;
        progress.records.fetch_add(1, Relaxed);
        if changes.checkpoint() != committed.as_ref() {
            committed = changes.checkpoint().cloned();
            outcome.written += out
                .commit(tenant, key, committed.as_ref(), uncommitted)
                .await?;
            outcome.records += std::mem::take(&mut uncommitted);
        }
    }
    // The end (or an error) may move the checkpoint past the last records.
    if changes.checkpoint() != committed.as_ref() {
        outcome.written += out
            .commit(tenant, key, changes.checkpoint(), uncommitted)
            .await?;
        outcome.records += uncommitted;
    }
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The progress bar on standard error (indicatif: drawn on a terminal only).
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    let template = "[{bar:30}] {pos}/{len} resources, {msg} ({elapsed})";
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("#>-"));
    }
    bar
}

/// Keeps the bar up to date, four times a second (the streams count in atomics, so that
/// a record costs no more than an increment).
async fn draw(progress: Arc<Progress>, bar: indicatif::ProgressBar) {
    loop {
        bar.set_position(progress.done.load(Relaxed));
        bar.set_message(format!("{} records", progress.records.load(Relaxed)));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The summary on standard error: each stream with records or a failure, then totals.
pub fn summary(runtime: &servicetitan::Runtime, outcomes: &[Outcome], elapsed: Duration) {
    let counts = runtime.counts();
    let mut sorted: Vec<&Outcome> = outcomes.iter().collect();
    sorted.sort_by(|a, b| (a.tenant, &a.stream).cmp(&(b.tenant, &b.stream)));
    for o in &sorted {
        match (&o.result, o.skipped) {
            (Err(e), _) => eprintln!("{:>10}  {} {}  FAILED: {e}", o.records, o.tenant, o.stream),
            (Ok(()), Some(why)) => {
                eprintln!("{:>10}  {} {}  skipped: {why}", "-", o.tenant, o.stream)
            }
            (Ok(()), None) if o.records > 0 => {
                eprintln!(
                    "{:>10}  {} {} ({} written)",
                    o.records, o.tenant, o.stream, o.written
                )
            }
            _ => {}
        }
    }
    let records: u64 = outcomes.iter().map(|o| o.records).sum();
    let secs = elapsed.as_secs_f64().max(1e-3);
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    eprintln!(
        "{records} records from {} streams ({} with changes, {failed} failed) in {secs:.1} s: {:.0} records/s; {} calls, {} retries, {} token requests",
        outcomes.len(),
        outcomes.iter().filter(|o| o.records > 0).count(),
        records as f64 / secs,
        counts.requests,
        counts.retries,
        counts.token_requests,
    );
    crate::ops::drift::summary(runtime);
}

/// `servicetitan sync`, as its matches say, configured by the profile and `ST_*` variables.
pub async fn command(
    m: &clap::ArgMatches,
    choice: &crate::ops::context::Choice,
) -> Result<(), crate::exit::Failure> {
    use crate::exit::Failure;
    let (env, _) = crate::ops::context::lookup(choice)?;
    let mut a = crate::args::sync_matches(m, &env).map_err(|e| Failure::Usage(e.to_string()))?;
    let (runtime, tenants) =
        crate::args::runtime(&a.tenants, &env).map_err(|e| Failure::Usage(e.to_string()))?;
    a.tenants = tenants;
    let started = Instant::now();
    let outcomes = run(&a, runtime.clone())
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let report_outcomes = match (&a.reports, &a.output, a.tenants.first()) {
        (Some(r), Output::Files { out, .. }, Some(tenant)) => {
            let client = servicetitan::Client::new(runtime.clone(), *tenant);
            crate::reports::run(r, out, &client).await
        }
        _ => Vec::new(),
    };
    summary(&runtime, &outcomes, started.elapsed());
    crate::reports::summary(&report_outcomes);
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count()
        + report_outcomes.iter().filter(|o| o.result.is_err()).count();
    match failed {
        0 => Ok(()),
        n => Err(Failure::Failed(format!(
            "{n} of the sync's streams and reports failed"
        ))),
    }
}
