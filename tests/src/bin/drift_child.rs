//! A program observing drift, for the test that kills it (`tests/tests/drift_kills.rs`):
//! configured like any program from `ST_*` variables, it notes drift into `DRIFT_FILE`
//! (written every `DRIFT_FLUSH_MS` milliseconds while notes change; with `DRIFT_SIGNALS`,
//! the runtime handles SIGTERM and SIGINT), reads one page of customers, prints `noted`,
//! and waits to be killed.

use std::process::ExitCode;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("drift_child: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let file = std::env::var("DRIFT_FILE").map_err(|_| "DRIFT_FILE is not set")?;
    let every: u64 = std::env::var("DRIFT_FLUSH_MS")
        .map_err(|_| "DRIFT_FLUSH_MS is not set".to_string())?
        .parse()
        .map_err(|_| "DRIFT_FLUSH_MS is not a number")?;
    let config = servicetitan::runtime::Config::from_env().map_err(|e| e.to_string())?;
    let tenant = config.tenant_id();
    let mut builder = config
        .into_builder()
        .observe_drift(file)
        .drift_flush_interval(Duration::from_millis(every));
    if std::env::var_os("DRIFT_SIGNALS").is_some() {
        builder = builder.flush_drift_on_signals();
    }
    let runtime = servicetitan::runtime::Runtime::new(builder).map_err(|e| e.to_string())?;
    let st = servicetitan::Client::new(runtime, tenant);
    st.crm()
        .customers()
        .get_list()
        .await
        .map_err(|e| e.to_string())?;
    println!("noted");
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}
