//! OAuth 2.0 client credentials: the token endpoint, and the bearer tokens it issued.

use crate::Settings;
use std::collections::HashMap;
use std::time::Instant;

/// The token endpoint's path.
pub const TOKEN_PATH: &str = "/connect/token";

#[derive(Debug)]
struct Issued {
    expires: Instant,
    revoked: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: HashMap<String, Issued>,
    count: u64,
}

/// What the token endpoint answers: status and JSON body.
pub(crate) type TokenAnswer = (u16, serde_json::Value);

impl Tokens {
    /// Answers a token request (the form-encoded body).
    pub fn request(&mut self, settings: &Settings, form: &[u8], now: Instant) -> TokenAnswer {
        let fields: HashMap<String, String> = form_urlencoded::parse(form).into_owned().collect();
        let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
        let error =
            |e: &str, d: &str| (400, serde_json::json!({"error": e, "error_description": d}));
        if field("grant_type") != "client_credentials" {
            return error(
                "unsupported_grant_type",
                "grant_type must be client_credentials",
            );
        }
        if field("client_id") != settings.client_id
            || field("client_secret") != settings.client_secret
        {
            return error("invalid_client", "the client id or secret is wrong");
        }
        if let Ok(t) = field("tenant").parse::<i64>() {
            if !settings.tenants.is_empty() && !settings.tenants.contains(&t) {
                return error(
                    "invalid_request",
                    "the tenant is not granted to this client",
                );
            }
        }
        self.count += 1;
        let token = format!(
            "mock-token-{:016x}{:08x}",
            crate::data::hash(&format!("{}:{}", settings.seed, self.count)),
            self.count
        );
        self.issued.insert(
            token.clone(),
            Issued {
                expires: now + settings.token_life,
                revoked: false,
            },
        );
        let scope = match &settings.scopes {
            Some(s) => s.join(" "),
            None => String::new(),
        };
        let mut body = serde_json::json!({
            "access_token": token,
            "expires_in": settings.token_life.as_secs(),
            "token_type": "Bearer",
        });
        if settings.scopes.is_some() {
            body["scope"] = scope.into();
        }
        (200, body)
    }

    /// Whether `token` is one this server issued, unexpired and not revoked.
    pub fn valid(&self, token: &str, now: Instant) -> bool {
        self.issued
            .get(token)
            .is_some_and(|t| !t.revoked && now < t.expires)
    }

    pub fn revoke(&mut self, token: &str) {
        if let Some(t) = self.issued.get_mut(token) {
            t.revoked = true;
        }
    }

    /// Tokens issued so far.
    pub fn count(&self) -> u64 {
        self.count
    }
}
