//! `servicetitan sync`: every export and every list with a modification filter of the
//! chosen domains, for each tenant, into a database or JSON-lines files, incremental
//! from the last checkpoint and resumable after a kill at any moment.

use crate::args::{Output, SyncArgs};
use crate::fallible::Fallible;
use crate::row::{row, Row};
use crate::schema::{Catalog, Table};
use crate::sink::{jsonl, Commit, Database, Session};
use crate::stop::Stop;
use futures_util::StreamExt;
use servicetitan::runtime::{
    ChangeOptions, Checkpoint, RawRecord, RuntimeCounts, SyncSource, TenantClient,
};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

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
    /// Its failure is one no stream can get past: the run stopped for it (and says so once).
    pub fatal: bool,
}

/// What every stream of a run shares.
struct Run<'a> {
    destination: &'a Destination,
    catalog: Catalog,
    options: &'a ChangeOptions,
    progress: &'a Progress,
    stop: &'a Stop,
}

/// One stream: a tenant's source, and its name in checkpoints, locks and metrics.
struct Stream<'a> {
    client: &'a TenantClient,
    module: &'static str,
    source: &'a SyncSource,
    /// `<module>/<operation id>`.
    key: String,
}

/// A stream's output, opened, and the checkpoint it goes on from.
struct Opened {
    out: Out,
    since: Option<Checkpoint>,
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
    let stop = Arc::new(Stop::default());
    let outcomes = run_until(args, runtime, catalog, stop.clone(), None).await?;
    match stop.fatal() {
        Some(why) => Err(why.into()),
        None => Ok(outcomes),
    }
}

/// Runs the sync of `catalog`'s sources into its tables until it ends or `stop` says:
/// streams not begun are skipped, and those going stop after their next commit. `opened`:
/// the database of `--to`, when the caller has opened (and migrated) it already.
pub async fn run_until(
    args: &SyncArgs,
    runtime: servicetitan::Runtime,
    catalog: Catalog,
    stop: Arc<Stop>,
    opened: Option<Database>,
) -> Fallible<Vec<Outcome>> {
    let sources = sources(&args.domains, &catalog)?;
    let destination = match (&args.output, opened) {
        (Output::Database(_), Some(db)) => Destination::Db(db),
        (Output::Database(url), None) => {
            Destination::Db(Database::open(url, catalog.migrations).await?)
        }
        (Output::Files { out, state }, _) => {
            let [tenant] = args.tenants[..] else {
                return Err(
                    "JSON-lines files hold one tenant: several tenants need a database (--to)"
                        .into(),
                );
            };
            Destination::Files(jsonl::Files::open(out, state, tenant)?)
        }
    };
    if let Err(why) = preflight(&runtime, &args.tenants, &sources).await {
        stop.fail(why);
        return Ok(Vec::new());
    }
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
            let (destination, progress, options, stop) = (
                destination.clone(),
                progress.clone(),
                options.clone(),
                stop.clone(),
            );
            async move {
                let run = Run {
                    destination: &destination,
                    catalog,
                    options: &options,
                    progress: &progress,
                    stop: &stop,
                };
                let key = format!("{module}/{}", source.operation.id);
                let s = Stream {
                    client: &client,
                    module,
                    source: &source,
                    key,
                };
                let outcome = stream(&s, &run).await;
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

/// Every tenant's token, before any stream begins: credentials that do not work, a
/// token endpoint out of reach, or scopes the app lacks for a chosen stream are said once,
/// with their fix, after one token request (and its retries) per tenant.
async fn preflight(
    runtime: &servicetitan::Runtime,
    tenants: &[i64],
    sources: &[(&str, SyncSource)],
) -> Result<(), String> {
    for t in tenants {
        let granted = runtime
            .tenant(*t)
            .authenticate()
            .await
            .map_err(|e| crate::stop::fatal(&e).unwrap_or_else(|| e.to_string()))?;
        let Some(granted) = granted else { continue };
        let mut missing = std::collections::BTreeMap::<&str, Vec<&str>>::new();
        for (module, source) in sources {
            for scope in source.operation.missing_scopes(&granted) {
                missing.entry(scope).or_default().push(module);
            }
        }
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter_mut()
                .map(|(scope, modules)| {
                    modules.dedup();
                    format!("{scope} ({})", modules.join(", "))
                })
                .collect();
            return Err(format!(
                "tenant {t}: the app lacks the scopes {} that the chosen domains need: give the \
                 app the scopes named (the developer portal, then reconnect it to the tenant), \
                 or leave those domains out of --domains",
                list.join(", ")
            ));
        }
    }
    Ok(())
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

async fn stream(s: &Stream<'_>, run: &Run<'_>) -> Outcome {
    let stop = run.stop;
    let tenant = s.client.tenant();
    let mut outcome = Outcome {
        tenant,
        stream: s.key.clone(),
        records: 0,
        written: 0,
        result: Ok(()),
        skipped: None,
        fatal: false,
    };
    if stop.stopping() {
        outcome.skipped = Some("the sync is stopping");
        return outcome;
    }
    let opened = match open(s, run).await {
        Ok(Ok(opened)) => opened,
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
    let check = run
        .catalog
        .check_of(s.source.operation.id)
        .filter(|_| s.client.client().observes_drift());
    if let Err(e) = copy(s, opened, check, run, &mut outcome).await {
        if let Some(why) = crate::stop::fatal(&*e) {
            stop.fail(why);
            outcome.fatal = true;
        }
        outcome.result = Err(e.to_string());
    }
    crate::metrics::ended(tenant, &s.key, outcome.result.is_ok());
    outcome
}

/// The stream's output, or why it is not synced in this run.
async fn open(s: &Stream<'_>, run: &Run<'_>) -> Fallible<Result<Opened, &'static str>> {
    let (tenant, key) = (s.client.tenant(), s.key.as_str());
    match run.destination {
        Destination::Files(files) => {
            let f = files.stream(key)?;
            let since = f.checkpoint().cloned();
            let out = Out::Files(Box::new(f));
            Ok(Ok(Opened { out, since }))
        }
        Destination::Db(db) => {
            let Some(table) = run.catalog.table_of(s.module, s.source.operation.id) else {
                return Ok(Err("no table: its records have no id"));
            };
            let Some(session) = db.session(tenant, key).await? else {
                return Ok(Err("another worker is syncing it"));
            };
            let since = session.checkpoint(tenant, key).await?;
            let rows = Vec::new();
            let out = Out::Db {
                session,
                table,
                rows,
            };
            Ok(Ok(Opened { out, since }))
        }
    }
}

/// Copies one stream's changes, committing at every checkpoint.
async fn copy(
    s: &Stream<'_>,
    Opened { mut out, since }: Opened,
    check: Option<crate::schema::Check>,
    run: &Run<'_>,
    outcome: &mut Outcome,
) -> Fallible<()> {
    let (client, source, key) = (s.client, s.source, s.key.as_str());
    let tenant = client.tenant();
    let mut changes = source.open_raw(client, since.as_ref(), run.options)?;
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
        run.progress.records.fetch_add(1, Relaxed);
        if changes.checkpoint() != committed.as_ref() {
            committed = changes.checkpoint().cloned();
            let written = out
                .commit(tenant, key, committed.as_ref(), uncommitted)
                .await?;
            crate::metrics::committed(tenant, key, uncommitted, written);
            outcome.written += written;
            outcome.records += std::mem::take(&mut uncommitted);
            if run.stop.stopping() {
                // Stopped between transactions: the next run goes on from here.
                return Ok(());
            }
        }
    }
    // The end (or an error) may move the checkpoint past the last records.
    if changes.checkpoint() != committed.as_ref() {
        let written = out
            .commit(tenant, key, changes.checkpoint(), uncommitted)
            .await?;
        crate::metrics::committed(tenant, key, uncommitted, written);
        outcome.written += written;
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

/// The summary on standard error: each stream with a failure of its own (and, with
/// `each`, each with records), then one line of totals. A failure that stopped the run is
/// left to the caller, to be said once.
pub fn summary(
    runtime: &servicetitan::Runtime,
    outcomes: &[Outcome],
    elapsed: Duration,
    before: RuntimeCounts,
    each: bool,
) {
    let now = runtime.counts();
    let calls = now.requests - before.requests;
    let retries = now.retries - before.retries;
    let token_requests = now.token_requests - before.token_requests;
    let mut sorted: Vec<&Outcome> = outcomes.iter().collect();
    sorted.sort_by(|a, b| (a.tenant, &a.stream).cmp(&(b.tenant, &b.stream)));
    for o in sorted.iter().filter(|o| !o.fatal) {
        match (&o.result, o.skipped) {
            (Err(e), _) => eprintln!("{:>10}  {} {}  FAILED: {e}", o.records, o.tenant, o.stream),
            (Ok(()), Some(why)) if each => {
                eprintln!("{:>10}  {} {}  skipped: {why}", "-", o.tenant, o.stream)
            }
            (Ok(()), None) if each && o.records > 0 => {
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
        calls,
        retries,
        token_requests,
    );
    crate::ops::drift::summary(runtime);
}
