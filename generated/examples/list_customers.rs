//! Every CRM customer through the paged list, one JSON object per line on stdout.
//!
//! ```sh
//! cargo run -p servicetitan --example list_customers -- --page-size 500
//! ```
//!
//! Configured only by `ST_CLIENT_ID`, `ST_CLIENT_SECRET`, `ST_APP_KEY`, `ST_TENANT_ID`,
//! `ST_ENVIRONMENT` (and optionally `ST_AUTH_URL`, `ST_API_URL`). Rate limits (429) and a
//! token revoked mid-run are handled by the client: the page is fetched again.

use futures_util::StreamExt;
use std::io::Write;

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
    let mut page_size = 500;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--page-size" => {
                page_size = args.next().ok_or("--page-size needs a number")?.parse()?;
                if !(1..=5000).contains(&page_size) {
                    return Err("--page-size must be between 1 and 5000".into());
                }
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}`; usage: list_customers [--page-size N]"
                )
                .into())
            }
        }
    }
    let st = servicetitan::Client::from_env()?;
    let mut customers = st.crm().customers().get_list().page_size(page_size).items();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut count = 0u64;
    while let Some(customer) = customers.next().await {
        serde_json::to_writer(&mut out, &customer?)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    eprintln!("{count} customers");
    Ok(())
}
