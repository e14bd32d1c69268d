//! Configuration from `ST_*` environment variables (or any lookup): the tenant, its
//! credential pair, the app key, the environment (explicit: no default), the optional
//! host overrides and the fleet's Redis.

#[cfg(feature = "redis")]
use crate::config::RedisSettings;
use crate::config::{Credentials, Environment, RuntimeBuilder};
use crate::Error;

/// Configuration read from `ST_*` environment variables.
#[derive(Clone, Debug)]
pub struct Config {
    builder: RuntimeBuilder,
    tenant: i64,
}

impl Config {
    /// Reads `ST_TENANT_ID`, `ST_APP_KEY`, the tenant's credential pair
    /// (`ST_CLIENT_ID_<TENANT>` and `ST_CLIENT_SECRET_<TENANT>`, else `ST_CLIENT_ID` and
    /// `ST_CLIENT_SECRET`), `ST_ENVIRONMENT` (`production` or `integration`: required, so
    /// that a program never writes to production by default), and the optional overrides
    /// `ST_AUTH_URL` and `ST_API_URL` (with either, `ST_ENVIRONMENT` may be left out).
    pub fn from_env() -> Result<Config, Error> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// As [`Config::from_env`], from any lookup (for tests and other configuration sources).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let need = |k: &str| {
            get(k)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Error::config(format!("{k} is not set")))
        };
        let tenant_text = need("ST_TENANT_ID")?;
        let tenant: i64 = tenant_text.trim().parse().map_err(|_| {
            Error::config(format!(
                "ST_TENANT_ID must be an integer, not {tenant_text:?}"
            ))
        })?;
        let (client_id, secret) = credential_pair(&get, tenant)?;
        let app_key = need("ST_APP_KEY")?;
        let auth = get("ST_AUTH_URL").filter(|v| !v.is_empty());
        let api = get("ST_API_URL").filter(|v| !v.is_empty());
        let env_name = get("ST_ENVIRONMENT").filter(|v| !v.trim().is_empty());
        let base = match env_name.as_deref().map(|e| e.trim().to_ascii_lowercase()) {
            Some(e) if e == "production" || e == "prod" => Environment::Production,
            Some(e) if e == "integration" || e == "sandbox" => Environment::Integration,
            Some(other) => {
                return Err(Error::config(format!(
                    "ST_ENVIRONMENT must be `production` or `integration`, not {other:?}"
                )))
            }
            // Overrides name the hosts themselves; without them the choice is explicit.
            None if auth.is_some() || api.is_some() => Environment::Production,
            None => {
                return Err(Error::config(
                    "ST_ENVIRONMENT is not set: set it to `integration` (the sandbox) or \
                     `production` (the tenant's live data); it has no default, so that a \
                     program never writes to production by accident",
                ))
            }
        };
        let environment = if auth.is_some() || api.is_some() {
            Environment::Custom {
                auth_url: auth.unwrap_or_else(|| base.auth_url().to_string()),
                api_url: api.unwrap_or_else(|| base.api_url().to_string()),
            }
        } else {
            base
        };
        let builder = RuntimeBuilder::new(environment)
            .app_key(app_key)
            .credentials(Credentials::new(client_id, secret));
        let builder = redis_from_lookup(builder, &get)?;
        Ok(Config { builder, tenant })
    }

    /// The tenant of `ST_TENANT_ID`.
    pub fn tenant_id(&self) -> i64 {
        self.tenant
    }
    /// The environment of `ST_ENVIRONMENT` (or the `ST_AUTH_URL`/`ST_API_URL` overrides).
    pub fn environment(&self) -> &Environment {
        &self.builder.environment
    }
    /// The settings, to adjust before building the client.
    pub fn into_builder(self) -> RuntimeBuilder {
        self.builder
    }
}

/// The tenant's own credential pair (`ST_CLIENT_ID_<TENANT>`, `ST_CLIENT_SECRET_<TENANT>`)
/// where it is set, else the shared one (`ST_CLIENT_ID`, `ST_CLIENT_SECRET`); half of a
/// pair is an error naming the missing half.
fn credential_pair(
    get: &impl Fn(&str) -> Option<String>,
    tenant: i64,
) -> Result<(String, String), Error> {
    let set = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let own = (
        format!("ST_CLIENT_ID_{tenant}"),
        format!("ST_CLIENT_SECRET_{tenant}"),
    );
    for (id_key, secret_key) in [
        (own.0.as_str(), own.1.as_str()),
        ("ST_CLIENT_ID", "ST_CLIENT_SECRET"),
    ] {
        match (set(id_key), set(secret_key)) {
            (Some(id), Some(secret)) => return Ok((id, secret)),
            (Some(_), None) => {
                return Err(Error::config(format!(
                    "{secret_key} is not set (but {id_key} is)"
                )))
            }
            (None, Some(_)) => {
                return Err(Error::config(format!(
                    "{id_key} is not set (but {secret_key} is)"
                )))
            }
            (None, None) => {}
        }
    }
    Err(Error::config(format!(
        "ST_CLIENT_ID is not set (nor the tenant's own {})",
        own.0
    )))
}

/// `ST_REDIS_URL` (and `ST_REDIS_PREFIX`): the fleet's shared limits and tokens.
#[cfg(feature = "redis")]
fn redis_from_lookup(
    builder: RuntimeBuilder,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<RuntimeBuilder, Error> {
    let Some(url) = get("ST_REDIS_URL").filter(|v| !v.trim().is_empty()) else {
        return Ok(builder);
    };
    let mut settings = RedisSettings::new(url.trim()).map_err(|e| match e.kind() {
        crate::ErrorKind::Config(m) => Error::config(format!("ST_REDIS_URL: {m}")),
        _ => e,
    })?;
    if let Some(prefix) = get("ST_REDIS_PREFIX").filter(|v| !v.trim().is_empty()) {
        settings = settings.prefix(prefix.trim());
    }
    Ok(builder.redis(settings))
}

/// Without the `redis` feature, `ST_REDIS_URL` is refused rather than ignored: a fleet
/// that believes it shares one budget must not silently keep one each.
#[cfg(not(feature = "redis"))]
fn redis_from_lookup(
    builder: RuntimeBuilder,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<RuntimeBuilder, Error> {
    match get("ST_REDIS_URL").filter(|v| !v.trim().is_empty()) {
        Some(_) => Err(Error::config(
            "ST_REDIS_URL is set, but this program was built without the `redis` feature \
             (servicetitan-runtime/redis, or servicetitan's `redis`): limits and tokens \
             would not be shared",
        )),
        None => Ok(builder),
    }
}

/// Runs with the runtime's own tests without features (`cargo test -p
/// servicetitan-runtime`); with the feature, `tests/tests/fleet.rs` covers `ST_REDIS_URL`.
#[cfg(all(test, not(feature = "redis")))]
mod tests {
    #[test]
    fn st_redis_url_is_refused_by_a_build_without_the_redis_feature() {
        let vars = [
            ("ST_CLIENT_ID", "cid"),
            ("ST_CLIENT_SECRET", "secret"),
            ("ST_APP_KEY", "key"),
            ("ST_TENANT_ID", "42"),
            ("ST_ENVIRONMENT", "integration"),
            ("ST_REDIS_URL", "redis://:pw@127.0.0.1:6379/"),
        ];
        let lookup = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let err = super::Config::from_lookup(lookup).expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("`redis` feature"), "{text}");
        assert!(!text.contains("pw@"), "{text}");
        let without = |k: &str| lookup(k).filter(|_| k != "ST_REDIS_URL");
        assert!(super::Config::from_lookup(without).is_ok());
    }
}
