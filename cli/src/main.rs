//! `servicetitan`: `servicetitan sync --domains crm,jpm --to sqlite:copy.db`. See
//! `servicetitan help` and the crate's README.

use servicetitan_cli::{args, reports, sync};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let result = match argv.next().as_deref() {
        Some("sync") => run_sync(argv.collect()).await,
        Some("help" | "--help" | "-h") | None => {
            println!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command `{other}`\n{}", args::USAGE).into()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether every stream succeeded.
async fn run_sync(argv: Vec<String>) -> servicetitan_cli::sink::Fallible<bool> {
    let env = |k: &str| std::env::var(k).ok();
    let mut a = args::sync_args(argv, env)?;
    let (runtime, tenants) = args::runtime(&a.tenants, env)?;
    a.tenants = tenants;
    let started = std::time::Instant::now();
    let outcomes = sync::run(&a, runtime.clone()).await?;
    let report_outcomes = match (&a.reports, &a.output, a.tenants.first()) {
        (Some(r), args::Output::Files { out, .. }, Some(tenant)) => {
            let client = servicetitan::Client::new(runtime.clone(), *tenant);
            reports::run(r, out, &client).await
        }
        _ => Vec::new(),
    };
    sync::summary(&runtime, &outcomes, started.elapsed());
    reports::summary(&report_outcomes);
    Ok(outcomes.iter().all(|o| o.result.is_ok())
        && report_outcomes.iter().all(|o| o.result.is_ok()))
}
