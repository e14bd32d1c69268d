//! The runtime a command calls through: built from the chosen profile and the `ST_*`
//! variables, as any program on the library is, with a hook that keeps the last answer's
//! status (for the audit line).

use crate::exit::Failure;
use servicetitan::runtime::{AttemptOutcome, Config, Hook, Runtime, TenantClient};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Where a command's configuration comes from: `--profile`, `--tenant`.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub profile: Option<String>,
    pub tenant: Option<i64>,
}

/// The configured client and what the profile says of writes.
pub struct Context {
    pub client: TenantClient,
    pub profile: Option<String>,
    pub allow_writes: bool,
    pub audit: Option<PathBuf>,
    pub api_url: String,
    status: Arc<AtomicU32>,
}

/// Keeps the last attempt's status.
struct LastStatus(Arc<AtomicU32>);

impl Hook for LastStatus {
    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        self.0
            .store(outcome.status.map_or(0, u32::from), Ordering::Relaxed);
    }
}

/// The chosen profile, by name.
pub type Chosen = Option<(String, crate::profiles::Profile)>;

/// The lookup of `ST_*` values: `--tenant`, then the profile, then the environment.
pub fn lookup(choice: &Choice) -> Result<(impl Fn(&str) -> Option<String>, Chosen), Failure> {
    let profile = crate::profiles::chosen(choice.profile.as_deref()).map_err(Failure::Usage)?;
    let vars: HashMap<&'static str, String> = match &profile {
        Some((name, p)) => crate::profiles::variables(name, p).map_err(Failure::Usage)?,
        None => HashMap::new(),
    };
    let tenant = choice.tenant;
    let get = move |k: &str| -> Option<String> {
        if k == "ST_TENANT_ID" {
            if let Some(t) = tenant {
                return Some(t.to_string());
            }
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
        let api_url = config.environment().api_url().to_string();
        let status = Arc::new(AtomicU32::new(0));
        let builder = config.into_builder().hook(LastStatus(status.clone()));
        let runtime = Runtime::new(builder).map_err(|e| Failure::Usage(e.to_string()))?;
        let (name, p) = profile.unzip();
        let p = p.unwrap_or_default();
        Ok(Context {
            client: runtime.tenant(tenant),
            profile: name,
            allow_writes: p.allow_writes,
            audit: p.audit,
            api_url,
            status,
        })
    }

    /// The last answer's status, when there was one.
    pub fn last_status(&self) -> Option<u16> {
        match self.status.load(Ordering::Relaxed) {
            0 => None,
            s => u16::try_from(s).ok(),
        }
    }

    /// The tenant.
    pub fn tenant(&self) -> i64 {
        self.client.tenant()
    }
}
