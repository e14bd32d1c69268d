//! The CRM customers export, one JSON object per line on stdout, resumable.
//!
//! ```sh
//! cargo run -p servicetitan --example export_customers -- --state customers.json
//! ```
//!
//! Starts from the checkpoint in the state file when it exists (else from the
//! beginning), and writes the last checkpoint to it at the end, so the next run prints
//! only what changed since. If the run fails part-way, the checkpoint of the last
//! complete batch is still written: nothing is lost and nothing repeated on the next run.
//! A state file of another export, tenant or filters is refused, not used.
//!
//! Configured only by the `ST_*` environment variables (see `list_customers`).

use futures_util::StreamExt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prints an error by its message (`Display`), not as a debug dump, and exits with 1.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut state: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--state" => state = Some(args.next().ok_or("--state needs a file")?.into()),
            other => {
                return Err(format!(
                    "unknown argument `{other}`; usage: export_customers --state FILE"
                )
                .into())
            }
        }
    }
    let state = state.ok_or("usage: export_customers --state FILE")?;
    let from: Option<servicetitan::runtime::Checkpoint> = match std::fs::read(&state) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };

    let st = servicetitan::Client::from_env()?;
    let mut customers = st
        .crm()
        .export_customers()
        .get_customers()
        .changes(from.as_ref())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut count = 0u64;
    let result: Result<(), Box<dyn std::error::Error>> = async {
        while let Some(customer) = customers.next().await {
            serde_json::to_writer(&mut out, &customer?)?;
            out.write_all(b"\n")?;
            count += 1;
        }
        Ok(())
    }
    .await;
    out.flush()?;
    // Store the checkpoint of the last complete batch, even after an error.
    if let Some(checkpoint) = customers.checkpoint() {
        save(&state, &serde_json::to_vec(checkpoint)?)?;
    }
    eprintln!(
        "{count} customers{}",
        if from.is_some() {
            " changed since the last run"
        } else {
            ""
        }
    );
    result
}

/// Writes the checkpoint atomically: a crash never leaves a half-written state file.
fn save(path: &Path, checkpoint: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, checkpoint)?;
    std::fs::rename(tmp, path)
}
