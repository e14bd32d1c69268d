//! OAuth 2.0 client credentials, with one cached token per (tenant, client id), shared by
//! every clone of the client, refreshed ahead of expiry, fetched once however many calls
//! need it at the same time.

use crate::config::{Credentials, Secret};
use crate::error::{Error, ErrorKind};
use crate::hooks::{Hooks, TokenOutcome};
use crate::response;
use crate::retry::{self, RetryPolicy};
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

pub(crate) type Slot = Arc<tokio::sync::Mutex<Option<Token>>>;

/// Where tokens come from and when they are renewed: the client's settings that a token
/// request needs.
pub(crate) struct TokenSource<'a> {
    pub http: &'a reqwest::Client,
    pub token_url: &'a str,
    /// Renew a token this long before it expires.
    pub margin: Duration,
    pub policy: &'a RetryPolicy,
    /// Told of every token request.
    pub hooks: &'a Hooks,
    /// Calls are answered from a recording: tokens are made up here, none is requested.
    pub replay: bool,
}

#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<(i64, String), Slot>>,
    generation: std::sync::atomic::AtomicU64,
    /// Token requests made, for tests and metrics.
    pub fetches: std::sync::atomic::AtomicU64,
    /// The last failed token request of each slot, and when it failed: the callers that
    /// were waiting for that request share its failure, as they share a success.
    failures: Mutex<HashMap<(i64, String), (Instant, Error)>>,
}

/// A failed token request: the error, its retry class, the answer's `Retry-After`.
type Failure = (Error, retry::Class, Option<Duration>);

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
    pub fn slot(&self, tenant: i64, client_id: &str) -> Slot {
        let mut m = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        m.entry((tenant, client_id.to_string()))
            .or_default()
            .clone()
    }

    /// A valid token for the tenant; fetches one (once, for all waiting callers) if needed.
    pub async fn get(
        &self,
        source: &TokenSource<'_>,
        tenant: i64,
        creds: &Credentials,
    ) -> Result<Token, Error> {
        let asked = Instant::now();
        let slot = self.slot(tenant, &creds.client_id);
        let mut guard = slot.lock().await;
        if let Some(t) = guard.as_ref() {
            if t.expires_at > Instant::now() + source.margin {
                return Ok(t.clone());
            }
        }
        self.failed_since(tenant, &creds.client_id, asked)?;
        let t = self
            .fetch(source, tenant, creds)
            .await
            .map_err(|e| self.failed(tenant, &creds.client_id, e))?;
        *guard = Some(t.clone());
        Ok(t)
    }

    /// The failure of a token request for the slot that ended after `asked`: a caller
    /// that waited for the slot while another fetched shares that request's failure
    /// rather than asking again (one storm of retries, not one per waiting call). A
    /// caller that comes later asks anew.
    pub fn failed_since(&self, tenant: i64, client_id: &str, asked: Instant) -> Result<(), Error> {
        let m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match m.get(&(tenant, client_id.to_string())) {
            Some((at, e)) if *at > asked => Err(e.shared_copy()),
            _ => Ok(()),
        }
    }

    /// Keeps a failed token request's error for the callers waiting for the slot, and
    /// gives it back.
    pub fn failed(&self, tenant: i64, client_id: &str, e: Error) -> Error {
        let mut m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        m.insert(
            (tenant, client_id.to_string()),
            (Instant::now(), e.shared_copy()),
        );
        e
    }

    /// Keeps a token obtained elsewhere (from the fleet), to fall back on; skipped while
    /// another call of this process holds the slot (it is fetching or keeping one).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub fn remember(&self, tenant: i64, client_id: &str, token: &Token) {
        if let Ok(mut guard) = self.slot(tenant, client_id).try_lock() {
            *guard = Some(token.clone());
        }
    }

    /// Forgets a token the API refused (401), unless it was already replaced; whether it
    /// was still the current one (`false`: another call has fetched a newer one since).
    pub async fn invalidate(&self, tenant: i64, client_id: &str, generation: u64) -> bool {
        let slot = self.slot(tenant, client_id);
        let mut guard = slot.lock().await;
        match guard.as_ref() {
            Some(t) if t.generation == generation => {
                *guard = None;
                true
            }
            Some(_) => false,
            // Nothing cached: forgotten already, by the call that is fetching the next.
            None => false,
        }
    }

    /// Asks the token endpoint, retrying as the client's policy says: a token request
    /// can be repeated safely, so transport failures, 5xx and 429 (with its
    /// `Retry-After`) are retried alike.
    pub async fn fetch(
        &self,
        source: &TokenSource<'_>,
        tenant: i64,
        creds: &Credentials,
    ) -> Result<Token, Error> {
        if source.replay {
            return Ok(self.replayed());
        }
        let tenant_text = tenant.to_string();
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "client_credentials"),
            ("client_id", &creds.client_id),
            ("client_secret", creds.client_secret.expose()),
        ];
        if creds.enterprise {
            form.push(("tenant", &tenant_text));
        }
        let first = Instant::now();
        let mut number = 0;
        loop {
            number += 1;
            let sent = Instant::now();
            let (status, result) = self.fetch_once(source.http, source.token_url, &form).await;
            let outcome = |error, retry_in| TokenOutcome {
                tenant,
                attempt: number,
                status,
                duration: sent.elapsed(),
                error,
                retry_in,
            };
            let (err, class, retry_after) = match result {
                Ok((token, life)) => {
                    source.hooks.after_token(&outcome(None, None));
                    tracing::debug!(tenant, expires_in = life.as_secs(), "obtained access token");
                    return Ok(token);
                }
                Err(failure) => failure,
            };
            let attempt = retry::Attempt {
                number,
                elapsed: first.elapsed(),
                idempotent: true,
                class,
                retry_after,
            };
            crate::retrying::retry_or_stop(source.policy, &attempt, err, |err, retry_in| {
                source.hooks.after_token(&TokenOutcome {
                    error: Some(err),
                    retry_in,
                    ..outcome(None, None)
                });
            })
            .await?;
        }
    }

    /// A token for calls answered from a recording: it grants every scope (the
    /// recording's answers say what was granted) and is never sent.
    fn replayed(&self) -> Token {
        use std::sync::atomic::Ordering;
        Token {
            value: Secret::new("replayed".to_owned()),
            expires_at: Instant::now() + Duration::from_secs(24 * 3600),
            scopes: None,
            generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
        }
    }

    /// One token request: the answer's status (none without an answer), and the token
    /// and its life, or the error with its retry class and `Retry-After`.
    async fn fetch_once(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        form: &[(&str, &str)],
    ) -> (Option<u16>, Result<(Token, Duration), Failure>) {
        use std::sync::atomic::Ordering;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = http
            .post(token_url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        let resp = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let cause = crate::error::transport(e);
                let err = Error::new(ErrorKind::Auth {
                    status: None,
                    code: None,
                    message: cause.to_string(),
                })
                .with_source(cause);
                return (None, Err((err, retry::TRANSPORT, None)));
            }
        };
        let status = resp.status().as_u16();
        let retry_after = response::retry_after(&resp);
        let body = response::read_prefix(resp, response::ERROR_BODY_PREFIX).await;
        if !(200..300).contains(&status) {
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
            })
            .with_detail(kept_text(&body));
            let class = retry::classify_status(status, false);
            return (Some(status), Err((err, class, retry_after)));
        }
        let Ok(parsed) = serde_json::from_slice::<TokenResponse>(&body) else {
            let err = Error::new(ErrorKind::Auth {
                status: Some(status),
                code: None,
                message: format!(
                    "the token endpoint's answer is not a token response: {}",
                    crate::error::body_shape(&String::from_utf8_lossy(&body))
                ),
            });
            // No detail: a success's body may hold a token.
            return (Some(status), Err((err, retry::Class::Permanent, None)));
        };
        let life = Duration::from_secs(parsed.expires_in.unwrap_or(900));
        let scopes = parsed
            .scope
            .map(|s| Arc::new(s.split_whitespace().map(str::to_owned).collect::<Vec<_>>()));
        let token = Token {
            value: Secret::new(parsed.access_token),
            expires_at: started + life,
            scopes,
            generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
        };
        (Some(status), Ok((token, life)))
    }
}

/// The token endpoint's answer that is neither a token nor an OAuth error, by its kind
/// and length (never its text, which [`Error::customer_data_detail`] keeps).
fn describe_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return "empty answer from the token endpoint".into();
    }
    format!(
        "unexpected answer from the token endpoint: {}",
        crate::error::body_shape(&text)
    )
}

/// The head of an answer as text, as much as an error keeps.
fn kept_text(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(response::MAX_RAW)]).into_owned()
}
