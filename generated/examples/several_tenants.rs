//! One client, several tenants: one connection pool and one token cache, a token per
//! tenant. Prints how many CRM customers each tenant has, the tenants queried at once.
//!
//! ```sh
//! cargo run -p servicetitan --example several_tenants -- 1011 1012
//! ```
//!
//! Credentials: `ST_CLIENT_ID_<TENANT>` and `ST_CLIENT_SECRET_<TENANT>` for a tenant's own
//! pair, else `ST_CLIENT_ID` / `ST_CLIENT_SECRET` as enterprise-hub credentials (the token
//! request then names the tenant). Also `ST_APP_KEY`, `ST_ENVIRONMENT`, and optionally
//! `ST_AUTH_URL` / `ST_API_URL`, as for the other examples.

use servicetitan::runtime::{Config, Credentials, Runtime};
use servicetitan::Client;

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
    let tenants: Vec<i64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    if tenants.is_empty() {
        return Err("usage: several_tenants TENANT_ID [TENANT_ID ...]".into());
    }
    // ST_TENANT_ID is not needed here: the tenants come from the command line.
    let get = |k: &str| std::env::var(k).ok();
    let config = Config::from_lookup(|k| {
        if k == "ST_TENANT_ID" {
            Some(tenants[0].to_string())
        } else {
            get(k)
        }
    })?;
    let mut builder = config.into_builder();
    if let (Some(id), Some(secret)) = (get("ST_CLIENT_ID"), get("ST_CLIENT_SECRET")) {
        builder = builder.credentials(Credentials::enterprise(id, secret));
    }
    for t in &tenants {
        if let (Some(id), Some(secret)) = (
            get(&format!("ST_CLIENT_ID_{t}")),
            get(&format!("ST_CLIENT_SECRET_{t}")),
        ) {
            builder = builder.tenant_credentials(*t, Credentials::new(id, secret));
        }
    }
    let runtime = Runtime::new(builder)?;
    let calls = tenants.iter().map(|&t| {
        let st = Client::new(runtime.clone(), t);
        async move {
            (
                t,
                st.crm()
                    .customers()
                    .get_list()
                    .page_size(1)
                    .include_total(true)
                    .await,
            )
        }
    });
    for (tenant, result) in futures_util::future::join_all(calls).await {
        match result {
            Ok(page) => println!(
                "tenant {tenant}: {} customers",
                page.total_count.unwrap_or(page.data.len() as i64)
            ),
            Err(e) => println!("tenant {tenant}: {e}"),
        }
    }
    eprintln!(
        "{} token request(s) for {} tenant(s)",
        runtime.token_requests(),
        tenants.len()
    );
    Ok(())
}
