//! The runtime a command calls through: built from the chosen profile and the `ST_*`
//! variables, as any program on the library is, with a hook that keeps the last answer's
//! status (for the audit line).

use crate::exit::Failure;
use servicetitan_runtime::{AttemptOutcome, Config, Hook, Runtime, TenantClient};
use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;

/// Where a command's configuration comes from: `--profile`, `--tenant`.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub profile: Option<String>,
    pub tenant: Option<i64>,
    /// Nothing will be sent: secrets are neither needed nor read (no command is run).
    pub dry_run: bool,
}

/// What a dry run puts where a secret would be.
const UNREAD: &str = "(not read for a dry run)";

/// The configured client and what the profile says of writes.
pub struct Context {
    pub client: TenantClient,
    pub profile: Option<String>,
    pub allow_writes: bool,
    pub audit: Option<PathBuf>,
}

tokio::task_local! {
    /// The last status of the call being awaited in this task ([`with_status`]).
    static STATUS: Cell<Option<u16>>;
}

/// Keeps each attempt's status for the call that made it (the runtime attempts inside
/// the caller's task, so a task-local is the call's own: calls side by side, as an MCP
/// server makes them, each see theirs).
struct LastStatus;

impl Hook for LastStatus {
    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        let _ = STATUS.try_with(|s| s.set(outcome.status));
    }
}

/// Awaits `call`, and gives the status of its last attempt's answer, when there was one.
pub async fn with_status<F: Future>(call: F) -> (F::Output, Option<u16>) {
    STATUS
        .scope(Cell::new(None), async move {
            let out = call.await;
            (out, STATUS.with(Cell::get))
        })
        .await
}

/// The chosen profile, by name.
pub type Chosen = Option<(String, crate::profiles::Profile)>;

/// The lookup of `ST_*` values: `--tenant`, then the profile, then the environment.
pub fn lookup(choice: &Choice) -> Result<(impl Fn(&str) -> Option<String>, Chosen), Failure> {
    let profile = crate::profiles::chosen(choice.profile.as_deref()).map_err(Failure::Usage)?;
    let vars: HashMap<&'static str, String> = match &profile {
        Some((name, p)) => {
            crate::profiles::variables(name, p, !choice.dry_run).map_err(Failure::Usage)?
        }
        None => HashMap::new(),
    };
    let (tenant, dry_run) = (choice.tenant, choice.dry_run);
    let get = move |k: &str| -> Option<String> {
        if k == "ST_TENANT_ID" {
            if let Some(t) = tenant {
                return Some(t.to_string());
            }
        }
        if dry_run && matches!(k, "ST_APP_KEY" | "ST_CLIENT_ID" | "ST_CLIENT_SECRET") {
            return Some(UNREAD.into());
        }
        vars.get(k).cloned().or_else(|| std::env::var(k).ok())
    };
    Ok((get, profile))
}

impl Context {
    /// The context of `choice`.
    pub fn build(choice: &Choice) -> Result<Context, Failure> {
        let (get, profile) = lookup(choice)?;
        let config = Config::from_lookup(&get).map_err(|e| Failure::Usage(e.to_string()))?;
        let tenant = config.tenant_id();
        let builder = config.into_builder().hook(LastStatus);
        let runtime = Runtime::new(builder).map_err(|e| Failure::Usage(e.to_string()))?;
        let (name, p) = profile.unzip();
        let p = p.unwrap_or_default();
        Ok(Context {
            client: runtime.tenant(tenant),
            profile: name,
            allow_writes: p.allow_writes,
            audit: p.audit,
        })
    }

    /// The tenant.
    pub fn tenant(&self) -> i64 {
        self.client.tenant()
    }
}
