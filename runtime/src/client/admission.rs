//! What an attempt waits for before it is sent: a token whose scopes cover the
//! operation, and a slot of each limit (the tenant's, the operation's own); with Redis,
//! both from the fleet in one round trip, and this client's share of the limits when
//! Redis does not answer; forgetting a refused token, across the fleet too.

use super::attempt::Call;
use super::Runtime;
use crate::error::{Error, ErrorKind};
use crate::request::Operation;

impl Runtime {
    /// What every attempt waits for before it is sent: a valid token for the call, whose
    /// scopes cover the operation's (when checked), and a slot of the tenant's limit and
    /// the operation's own. With Redis, both come from one round trip (the token fetched
    /// apart only when the fleet has none); without, or when Redis does not answer, from
    /// this process's token cache and limiter.
    pub(super) async fn ready(
        &self,
        tenant: i64,
        call: &Call,
    ) -> Result<crate::budget::tokens::Token, Error> {
        let op = call.op;
        let source = self.token_source();
        let local = &self.inner.tokens;
        let creds = &call.credentials;
        // A replay sends nothing: no limit to keep, and nothing of the fleet's to touch
        // (its made-up token must never reach the shared cache).
        if source.replay {
            return local.get(&source, tenant, creds).await;
        }
        let limits = self.limits(call);
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            let client_id = &creds.client_id;
            let margin = source.margin;
            if let Ok((mut wait, found)) = shared.begin(client_id, tenant, &limits, margin).await {
                let token = match found {
                    Some(t) => {
                        local.remember(tenant, client_id, &t);
                        t
                    }
                    None => {
                        let t = shared
                            .token(local, &source, tenant, creds)
                            .await
                            .map_err(|e| e.with_operation(op.id))?;
                        // The slot reserved before the fetch may be long past, and a call
                        // sent late bunches with the next ones: take a fresh slot (the
                        // first goes unused, which only ever slows the fleet down).
                        match shared.begin(client_id, tenant, &limits, margin).await {
                            Ok((w, _)) => wait = w,
                            Err(_) => {
                                wait = std::time::Duration::ZERO;
                                self.acquire_alone(tenant, client_id, &limits).await;
                            }
                        }
                        t
                    }
                };
                let token = self
                    .check_scopes(op, token)
                    .map_err(|e| e.with_operation(op.id))?;
                // A zero sleep would still wait for the timer's next tick (a millisecond).
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                return Ok(token);
            }
        }
        let token = local
            .get(&source, tenant, creds)
            .await
            .and_then(|t| self.check_scopes(op, t))
            .map_err(|e| e.with_operation(op.id))?;
        self.acquire_alone(tenant, &creds.client_id, &limits).await;
        Ok(token)
    }

    /// Where tokens come from, as this client is configured.
    fn token_source(&self) -> crate::budget::tokens::TokenSource<'_> {
        crate::budget::tokens::TokenSource {
            http: &self.inner.http,
            token_url: &self.inner.token_url,
            margin: self.inner.margin,
            policy: &self.inner.retry,
            hooks: &self.inner.hooks,
            replay: self.inner.observing.replay.is_some(),
        }
    }

    /// The tenant's token, as a call would get it (the fleet's with Redis), without a call.
    pub(super) async fn token_of(
        &self,
        tenant: i64,
    ) -> Result<crate::budget::tokens::Token, Error> {
        let source = self.token_source();
        let creds = self.credentials(tenant)?;
        #[cfg(feature = "redis")]
        if let (Some(shared), false) = (self.shared(), source.replay) {
            return shared
                .token(&self.inner.tokens, &source, tenant, creds)
                .await;
        }
        self.inner.tokens.get(&source, tenant, creds).await
    }

    /// A slot of each limit from this client's own limiter: the whole limit without
    /// Redis; with Redis (which did not answer), this client's share of it, by the
    /// number of clients that last used the tenant's budget together.
    pub(super) async fn acquire_alone(&self, tenant: i64, client_id: &str, limits: &[Limit<'_>]) {
        #[cfg(feature = "redis")]
        let fleet = self.shared().map_or(1, |s| s.fleet_size(client_id, tenant));
        #[cfg(not(feature = "redis"))]
        let fleet = {
            let _ = client_id;
            1
        };
        for (path, limit) in limits {
            let share = limit.share(fleet);
            self.inner.limiter.acquire(tenant, *path, share).await;
        }
    }

    /// The token, if its scopes cover the operation's (or are not checked, or not said).
    pub(super) fn check_scopes(
        &self,
        op: &Operation,
        token: crate::budget::tokens::Token,
    ) -> Result<crate::budget::tokens::Token, Error> {
        if self.inner.check_scopes {
            if let (Some(required), Some(granted)) = (op.scopes, token.scopes.as_ref()) {
                if op.missing_scopes(granted).next().is_some() {
                    return Err(Error::new(ErrorKind::MissingScope {
                        required: required.iter().map(|s| s.to_string()).collect(),
                        granted: granted.to_vec(),
                    }));
                }
            }
        }
        Ok(token)
    }

    /// The limits a call waits for: the tenant's (path `None`), and the operation's own
    /// for its path, when there are.
    pub(super) fn limits<'c>(&self, call: &'c Call) -> Vec<Limit<'c>> {
        let mut limits = Vec::with_capacity(2);
        if let Some(limit) = self.inner.tenant_limit {
            limits.push((None, limit));
        }
        if self.inner.operation_limits {
            let overridden = self.inner.operation_limit_overrides.get(call.op.id);
            if let Some(limit) = overridden.copied().or(call.op.limit) {
                limits.push((Some(call.url.path()), limit));
            }
        }
        limits
    }

    /// Forgets a token the API refused, across the fleet when Redis is configured;
    /// whether it was still the current one.
    pub(super) async fn forget_token(&self, tenant: i64, client_id: &str, generation: u64) -> bool {
        let local = self.inner.tokens.invalidate(tenant, client_id, generation);
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            let here = local.await;
            return shared
                .forget(tenant, client_id, generation)
                .await
                .unwrap_or(here);
        }
        local.await
    }

    /// The fleet's shared state, when Redis is configured.
    #[cfg(feature = "redis")]
    pub(super) fn shared(&self) -> Option<&crate::budget::redis::Shared> {
        self.inner.shared.as_ref()
    }
}

/// A limit a call waits for: the tenant's (path `None`), or the operation's for a path.
type Limit<'c> = (Option<&'c str>, crate::RateLimit);
