//! Downloading a file: a call recording from Telecom, written to disk.
//!
//! ```sh
//! cargo run -p servicetitan --example download_recording -- CALL_ID [FILE]
//! ```
//!
//! Configured by the `ST_*` environment variables (see `list_customers`).

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
    let mut args = std::env::args().skip(1);
    let call: servicetitan::ids::CallId = args
        .next()
        .ok_or("usage: download_recording CALL_ID [FILE]")?
        .parse()?;
    let st = servicetitan::Client::from_env()?;
    let download = st.telecom().calls().get_recording(call).await?;
    let file = args
        .next()
        .or(download.file_name.clone())
        .unwrap_or_else(|| format!("call-{call}.recording"));
    std::fs::write(&file, &download.bytes)?;
    println!(
        "{} bytes ({}) written to {file}",
        download.bytes.len(),
        download.content_type.as_deref().unwrap_or("unknown type")
    );
    Ok(())
}
