//! Named profiles: a TOML file in the platform's configuration folder
//! (`~/.config/servicetitan/config.toml` on Linux; `ST_CONFIG` names another) holds a
//! tenant, an environment, an app key and credentials per profile, each secret given in
//! the file, through an environment variable, or by a command that prints it. A profile
//! is chosen with `--profile` or `ST_PROFILE`; without one, the `ST_*` variables alone
//! configure the client. Nothing here prints a secret.
//!
//! ```toml
//! [profiles.sandbox]
//! tenant = 1234567
//! environment = "integration"
//! app_key = { env = "ST_SANDBOX_APP_KEY" }
//! client_id = "cid.abc"
//! client_secret = { command = "pass show servicetitan/sandbox" }
//! allow_writes = true
//! audit = "/var/log/servicetitan-audit.jsonl"
//! ```

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Where a value comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Source {
    /// Written in the file.
    Value(String),
    /// An environment variable's value.
    Env {
        /// The variable.
        env: String,
    },
    /// What a command prints on standard output (trimmed), run by `sh -c`.
    Command {
        /// The command line.
        command: String,
    },
}

impl Source {
    /// Where the value comes from, in words that never include a secret.
    pub fn describe(&self) -> String {
        match self {
            Source::Value(_) => "in the file".into(),
            Source::Env { env } => format!("from ${env}"),
            Source::Command { command } => {
                // The command's arguments may hold a session token: its program only.
                let program = command.split_whitespace().next().unwrap_or_default();
                format!("printed by a command (`{program} ...`)")
            }
        }
    }

    fn resolve(&self, profile: &str, key: &str) -> Result<String, String> {
        match self {
            Source::Value(v) => Ok(v.clone()),
            Source::Env { env } => std::env::var(env).map_err(|_| {
                format!("profile {profile}: {key} comes from ${env}, which is not set")
            }),
            Source::Command { command } => {
                let out = std::process::Command::new("sh")
                    .args(["-c", command])
                    .stderr(std::process::Stdio::inherit())
                    .output()
                    .map_err(|e| {
                        format!("profile {profile}: {key}: `{command}` does not start: {e}")
                    })?;
                if !out.status.success() {
                    return Err(format!(
                        "profile {profile}: {key}: `{command}` failed ({})",
                        out.status
                    ));
                }
                let text = String::from_utf8(out.stdout).map_err(|_| {
                    format!("profile {profile}: {key}: `{command}` printed no text")
                })?;
                Ok(text.trim().to_string())
            }
        }
    }
}

/// One profile.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The tenant id.
    pub tenant: Option<i64>,
    /// `production` or `integration`.
    pub environment: Option<String>,
    /// The app key.
    pub app_key: Option<Source>,
    /// The client id.
    pub client_id: Option<Source>,
    /// The client secret.
    pub client_secret: Option<Source>,
    /// Another token host (a proxy, a stand-in).
    pub auth_url: Option<String>,
    /// Another API host.
    pub api_url: Option<String>,
    /// Whether commands may change data without `--allow-writes`.
    #[serde(default)]
    pub allow_writes: bool,
    /// Where every write is appended as a JSON line.
    pub audit: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The profiles file's path: `ST_CONFIG`, or `servicetitan/config.toml` in the
/// platform's configuration folder.
pub fn path() -> Option<PathBuf> {
    match std::env::var_os("ST_CONFIG") {
        Some(p) => Some(PathBuf::from(p)),
        None => dirs::config_dir().map(|d| d.join("servicetitan").join("config.toml")),
    }
}

/// Every profile in the file (none when there is no file).
pub fn all() -> Result<BTreeMap<String, Profile>, String> {
    let Some(path) = path() else {
        return Ok(BTreeMap::new());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let file: File = toml::from_str(&text).map_err(|e| {
        // toml's message quotes the line; a secret may be on it, so only the place is said.
        let at = e.span().map(|s| line_of(&text, s.start)).unwrap_or(0);
        format!(
            "{}: line {at} does not read as a profile ({})",
            path.display(),
            first_line(e.message())
        )
    })?;
    Ok(file.profiles)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// The profile chosen by `--profile` (`flag`) or `ST_PROFILE`, by name.
pub fn chosen(flag: Option<&str>) -> Result<Option<(String, Profile)>, String> {
    let name = match flag {
        Some(n) => n.to_string(),
        None => match std::env::var("ST_PROFILE") {
            Ok(n) if !n.is_empty() => n,
            _ => return Ok(None),
        },
    };
    let mut all = all()?;
    match all.remove(&name) {
        Some(p) => Ok(Some((name, p))),
        None => {
            let names: Vec<&String> = all.keys().collect();
            let file = path().map(|p| p.display().to_string()).unwrap_or_default();
            Err(format!(
                "no profile `{name}` in {file}; there are: {names:?}"
            ))
        }
    }
}

/// The `ST_*` values a profile sets, its secrets resolved (`secrets`), or left out.
pub fn variables(
    name: &str,
    p: &Profile,
    secrets: bool,
) -> Result<HashMap<&'static str, String>, String> {
    let mut out = HashMap::new();
    if let Some(t) = p.tenant {
        out.insert("ST_TENANT_ID", t.to_string());
    }
    for (key, value) in [
        ("ST_ENVIRONMENT", &p.environment),
        ("ST_AUTH_URL", &p.auth_url),
        ("ST_API_URL", &p.api_url),
    ] {
        if let Some(v) = value {
            out.insert(key, v.clone());
        }
    }
    for (key, field, source) in [
        ("ST_APP_KEY", "app_key", &p.app_key),
        ("ST_CLIENT_ID", "client_id", &p.client_id),
        ("ST_CLIENT_SECRET", "client_secret", &p.client_secret),
    ] {
        if let (Some(s), true) = (source, secrets) {
            out.insert(key, s.resolve(name, field)?);
        }
    }
    Ok(out)
}

/// `servicetitan profiles list` and `show NAME`: what each profile sets and where its
/// secrets come from, never their values.
pub fn describe(name: &str, p: &Profile) -> String {
    let mut lines = vec![format!("{name}:")];
    let mut add = |k: &str, v: String| lines.push(format!("  {k}: {v}"));
    add(
        "tenant",
        p.tenant
            .map_or("(from ST_TENANT_ID)".into(), |t| t.to_string()),
    );
    add(
        "environment",
        p.environment
            .clone()
            .unwrap_or("(from ST_ENVIRONMENT)".into()),
    );
    for (k, s) in [
        ("app_key", &p.app_key),
        ("client_id", &p.client_id),
        ("client_secret", &p.client_secret),
    ] {
        add(
            k,
            s.as_ref()
                .map_or("(from the ST_ variable)".into(), Source::describe),
        );
    }
    if let Some(u) = &p.api_url {
        add("api_url", without_userinfo(u));
    }
    if let Some(u) = &p.auth_url {
        add("auth_url", without_userinfo(u));
    }
    add("allow_writes", p.allow_writes.to_string());
    if let Some(a) = &p.audit {
        add("audit", a.display().to_string());
    }
    lines.join("\n")
}

/// A URL with any `user:password@` masked.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}
