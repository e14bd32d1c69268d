//! OAuth 2.0 client credentials, with one cached token per (tenant, client id), shared by
//! every clone of the client, refreshed ahead of expiry, fetched once however many calls
//! need it at the same time.

use crate::config::{Credentials, Secret};
use crate::error::{Error, ErrorKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An access token and what came with it.
#[derive(Clone)]
pub(crate) struct Token {
    pub value: Secret,
    pub expires_at: Instant,
    /// Scopes granted (`scope` of the token response); `None` when not said.
    pub scopes: Option<Arc<Vec<String>>>,
    /// Sequence number, to invalidate only the token that failed.
    pub generation: u64,
}

type Slot = Arc<tokio::sync::Mutex<Option<Token>>>;

#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<(i64, String), Slot>>,
    generation: std::sync::atomic::AtomicU64,
    /// Token requests made, for tests and metrics.
    pub fetches: std::sync::atomic::AtomicU64,
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(serde::Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl TokenCache {
    fn slot(&self, tenant: i64, client_id: &str) -> Slot {
        let mut m = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        m.entry((tenant, client_id.to_string()))
            .or_default()
            .clone()
    }

    /// A valid token for the tenant; fetches one (once, for all waiting callers) if needed.
    pub async fn get(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        tenant: i64,
        creds: &Credentials,
        margin: Duration,
    ) -> Result<Token, Error> {
        let slot = self.slot(tenant, &creds.client_id);
        let mut guard = slot.lock().await;
        if let Some(t) = guard.as_ref() {
            if t.expires_at > Instant::now() + margin {
                return Ok(t.clone());
            }
        }
        let t = self.fetch(http, token_url, tenant, creds).await?;
        *guard = Some(t.clone());
        Ok(t)
    }

    /// Forgets a token the API refused (401), unless it was already replaced.
    pub async fn invalidate(&self, tenant: i64, client_id: &str, generation: u64) {
        let slot = self.slot(tenant, client_id);
        let mut guard = slot.lock().await;
        if guard.as_ref().is_some_and(|t| t.generation == generation) {
            *guard = None;
        }
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        tenant: i64,
        creds: &Credentials,
    ) -> Result<Token, Error> {
        use std::sync::atomic::Ordering;
        let tenant_text = tenant.to_string();
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "client_credentials"),
            ("client_id", &creds.client_id),
            ("client_secret", creds.client_secret.expose()),
        ];
        if creds.enterprise {
            form.push(("tenant", &tenant_text));
        }
        // A few quick tries for a token endpoint that is briefly down; never a storm.
        let mut last = None;
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await;
            }
            self.fetches.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let resp = match http.post(token_url).form(&form).send().await {
                Ok(r) => r,
                Err(e) => {
                    let err = crate::error::transport(&e);
                    last = Some(Error::new(ErrorKind::Auth {
                        status: None,
                        code: None,
                        message: err.to_string(),
                    }));
                    continue;
                }
            };
            let status = resp.status().as_u16();
            let body = crate::client::read_prefix(resp, crate::client::ERROR_BODY_PREFIX).await;
            if (200..300).contains(&status) {
                let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
                    Error::new(ErrorKind::Auth {
                        status: Some(status),
                        code: None,
                        message: "the token endpoint's answer is not a token response".into(),
                    })
                })?;
                let life = Duration::from_secs(parsed.expires_in.unwrap_or(900));
                let scopes = parsed
                    .scope
                    .map(|s| Arc::new(s.split_whitespace().map(str::to_owned).collect::<Vec<_>>()));
                tracing::debug!(tenant, expires_in = life.as_secs(), "obtained access token");
                return Ok(Token {
                    value: Secret::new(parsed.access_token),
                    expires_at: started + life,
                    scopes,
                    generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
                });
            }
            let (code, message) = match serde_json::from_slice::<OAuthError>(&body) {
                Ok(e) => (
                    Some(e.error),
                    e.error_description
                        .unwrap_or_else(|| "the token endpoint refused the request".into()),
                ),
                Err(_) => (None, describe_body(&body)),
            };
            let err = Error::new(ErrorKind::Auth {
                status: Some(status),
                code,
                message,
            });
            if status >= 500 || status == 429 {
                last = Some(err);
                continue;
            }
            return Err(err);
        }
        Err(last.unwrap_or_else(|| Error::config("token request failed")))
    }
}

fn describe_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let t = text.trim_start();
    if t.is_empty() {
        "empty answer from the token endpoint".into()
    } else if t.starts_with('<') {
        "the token endpoint answered with HTML, not JSON".into()
    } else {
        format!(
            "unexpected answer from the token endpoint: {}",
            t.chars().take(200).collect::<String>()
        )
    }
}
