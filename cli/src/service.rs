//! `servicetitan sync` as a command, once or as a service: with `--every DURATION` it runs
//! again that long after each run ends, one summary line a run; SIGTERM or SIGINT stops it
//! between transactions (the checkpoints committed, exit 0), a second signal at once (the
//! transactions hold: each batch commits with its checkpoint). A failure nothing can get
//! past (credentials refused, a host unreachable, a scope missing) ends it with one error
//! and exit 1; a stream's own failure leaves the others, and the next run, going.

use crate::args::{Output, SyncArgs};
use crate::exit::Failure;
use crate::reports::Destination;
use crate::sink::Database;
use crate::stop::Stop;
use std::sync::Arc;
use std::time::Instant;

/// Exit status after a second signal: stopped at once (128 + SIGINT, as shells report it).
const STOPPED_AT_ONCE: i32 = 130;

/// `servicetitan sync`, as its matches say, configured by the profile and `ST_*` variables.
pub async fn command(
    m: &clap::ArgMatches,
    choice: &crate::ops::context::Choice,
) -> Result<(), Failure> {
    let (env, _) = crate::ops::context::lookup(choice)?;
    let usage = |e: Box<dyn std::error::Error + Send + Sync>| Failure::Usage(e.to_string());
    let mut a = crate::args::sync_matches(m, &env).map_err(usage)?;
    let service = crate::args::service_matches(m).map_err(usage)?;
    if let Some(addr) = service.metrics {
        crate::metrics::serve(addr).map_err(Failure::Usage)?;
    }
    let (runtime, tenants) =
        crate::args::runtime(&a.tenants, &env, service.metrics.is_some()).map_err(usage)?;
    a.tenants = tenants;
    // Reports' parameters are checked against their definitions before anything runs;
    // the first run takes the definitions read for it, each later run reads them again
    // (a field a report gained is a column its table gains).
    let mut reports = servicetitan_reports::Reports::new();
    if let Some(r) = &a.reports {
        let clients: Vec<servicetitan::Client> = a
            .tenants
            .iter()
            .map(|t| servicetitan::Client::new(runtime.clone(), *t))
            .collect();
        crate::reports::check(r, &clients, &reports)
            .await
            .map_err(Failure::Usage)?;
    }
    let stop = Arc::new(Stop::default());
    tokio::spawn(on_signals(stop.clone()));
    let mut failed = 0;
    for number in 1.. {
        metrics::counter!(crate::metrics::RUNS).increment(1);
        failed = once(
            (&a, &reports),
            &runtime,
            &stop,
            service.every.is_some().then_some(number),
        )
        .await?;
        reports = servicetitan_reports::Reports::new();
        if let Some(why) = stop.fatal() {
            return Err(Failure::Failed(why.to_string()));
        }
        match service.every {
            Some(every) if !stop.asked() => stop.sleep(every).await,
            _ => break,
        }
        if stop.asked() {
            break;
        }
    }
    match failed {
        _ if stop.asked() => Ok(()),
        0 => Ok(()),
        n => Err(Failure::Failed(format!(
            "{n} of the sync's streams and reports failed"
        ))),
    }
}

/// One run, and its summary (with `run`: the service's run number, one line); how many
/// streams and reports failed.
async fn once(
    (a, reports): (&SyncArgs, &servicetitan_reports::Reports),
    runtime: &servicetitan::Runtime,
    stop: &Arc<Stop>,
    run: Option<u64>,
) -> Result<usize, Failure> {
    let (started, before) = (Instant::now(), runtime.counts());
    let catalog = crate::schema::Catalog::generated();
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| Failure::Failed(e.to_string());
    // The database is opened (and migrated) once a run, for the streams and the reports.
    let db = match &a.output {
        Output::Database(url) => Some(
            Database::open(url, catalog.migrations)
                .await
                .map_err(failed)?,
        ),
        Output::Files { .. } => None,
    };
    let outcomes = crate::sync::run_until(a, runtime.clone(), catalog, stop.clone(), db.clone())
        .await
        .map_err(failed)?;
    let mut report_outcomes = Vec::new();
    if let Some(r) = a.reports.as_ref().filter(|_| !stop.stopping()) {
        let client = |t: &i64| servicetitan::Client::new(runtime.clone(), *t);
        match (&db, &a.output) {
            (Some(db), _) => {
                for t in &a.tenants {
                    let to = Destination::Database(db);
                    let done = crate::reports::run(r, to, &client(t), reports, stop).await;
                    report_outcomes.extend(done);
                }
            }
            // The files hold one tenant (the sync refused several).
            (None, Output::Files { out, .. }) => {
                if let Some(t) = a.tenants.first() {
                    let to = Destination::Files(out);
                    report_outcomes = crate::reports::run(r, to, &client(t), reports, stop).await;
                }
            }
            (None, Output::Database(_)) => {}
        }
    }
    if let Some(n) = run {
        eprint!("run {n}: ");
    }
    crate::sync::summary(runtime, &outcomes, started.elapsed(), before, run.is_none());
    crate::reports::summary(&report_outcomes);
    Ok(outcomes.iter().filter(|o| o.result.is_err()).count()
        + report_outcomes.iter().filter(|o| o.result.is_err()).count())
}

/// Asks `stop` to stop at the first SIGTERM or SIGINT; exits at once at the second.
async fn on_signals(stop: Arc<Stop>) {
    loop {
        if !signal().await {
            return;
        }
        if stop.ask() {
            eprintln!("stopped at once (second signal)");
            std::process::exit(STOPPED_AT_ONCE);
        }
        eprintln!("stopping after the current transactions (a second signal stops at once)");
    }
}

/// The next SIGTERM or SIGINT; `false` when signals cannot be listened for.
#[cfg(unix)]
async fn signal() -> bool {
    use tokio::signal::unix::{signal, SignalKind};
    // Listeners are made once per call: a signal between two calls is still seen, since
    // tokio keeps a signal's delivery from the first listener made for it.
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return false;
    };
    tokio::select! {
        _ = term.recv() => true,
        _ = int.recv() => true,
    }
}

/// The next Ctrl-C; `false` when it cannot be listened for.
#[cfg(not(unix))]
async fn signal() -> bool {
    tokio::signal::ctrl_c().await.is_ok()
}
