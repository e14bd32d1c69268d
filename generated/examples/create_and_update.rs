//! Creating and updating a record with typed bodies, including an explicit null: creates
//! a CRM contact with a title, then clears the title with a PATCH that sends
//! `"title": null` and leaves every other field as it is.
//!
//! ```sh
//! cargo run -p servicetitan --example create_and_update -- "Ada Lovelace"
//! ```
//!
//! Configured by the `ST_*` environment variables (see `list_customers`). It writes to the
//! tenant: run it against the integration environment.

use servicetitan::crm::{CreateContactRequest, UpdateContactRequest};
use servicetitan::runtime::Nullable;

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
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Example Contact".into());
    let st = servicetitan::Client::from_env()?;

    // Models are `#[non_exhaustive]` (a field the API adds breaks no code): they are built
    // with `new(..)` or `default()`, then a setter per optional field. A field not set
    // (`reference_id` here) is left out of the request body entirely.
    let create = CreateContactRequest::default()
        .with_name(name)
        .with_title("Engineer");
    let created = st.crm().contacts().create(create).await?;
    let id = created.id.ok_or("the API returned no contact id")?;
    println!("created {id}: title {:?}", created.title);

    // `new` takes the fields the document requires; the rest start absent.
    let mut update = UpdateContactRequest::new(false);
    update.title = Nullable::Null; // sent as "title": null: clear it
    let updated = st.crm().contacts().update(id, update).await?;
    println!("updated {id}: title {:?}", updated.title);
    Ok(())
}
