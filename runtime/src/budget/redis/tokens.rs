//! The fleet's tokens: one per tenant and client id, in a Redis hash that expires with
//! the token. Every call reads it (with its slot, in the limiter's script), so a token
//! one process saw refused is gone for all at their next call. A missing or expiring token is fetched by one
//! process: the one that sets the tenant's lock (`SET NX PX`); the others wait for the
//! token to appear, and a lock whose holder died expires after the lock's time to live.
//!
//! A token in Redis is a secret: it is read and written only here and by that script,
//! never logged, and
//! lives under the client's key prefix (see `RedisSettings`).

use super::{Shared, Unavailable};
use crate::budget::tokens::{Token, TokenCache, TokenSource};
use crate::config::{Credentials, Secret};
use crate::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a process waiting for another's token fetch looks for it.
const POLL: Duration = Duration::from_millis(20);

/// KEYS[1]: the token. Returns nil, or the token, its scopes (nil when not said), its id
/// and its remaining life in milliseconds.
const READ: &str = r"
local v = redis.call('HMGET', KEYS[1], 'token', 'scopes', 'id')
if not v[1] then return false end
return {v[1], v[2], v[3], redis.call('PTTL', KEYS[1])}
";

/// KEYS[1]: the token; ARGV[1]: the id of the token refused. Deletes it if it is still
/// that one; 1 if it was.
const FORGET: &str = r"
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// KEYS[1]: the lock; ARGV[1]: the holder's nonce. Releases the lock if still held by it.
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

pub(super) struct Scripts {
    read: redis::Script,
    forget: redis::Script,
    unlock: redis::Script,
}

impl Scripts {
    pub fn new() -> Self {
        Scripts {
            read: redis::Script::new(READ),
            forget: redis::Script::new(FORGET),
            unlock: redis::Script::new(UNLOCK),
        }
    }
}

/// A token as the fleet keeps it: the value, its scopes (space-separated), its id, and
/// its remaining life in Redis (milliseconds; negative when it has none).
pub(super) struct Stored {
    pub value: String,
    pub scopes: Option<String>,
    pub id: String,
    pub pttl: i64,
}

impl Stored {
    /// What a script answered for a token (value, scopes, id, remaining life), as the
    /// token it describes if that outlives `margin` and is well formed.
    pub fn answered(
        (value, scopes, id, pttl): (String, Option<String>, String, i64),
        margin: Duration,
    ) -> Option<Token> {
        Stored {
            value,
            scopes,
            id,
            pttl,
        }
        .token(margin)
    }

    /// The token, if it outlives `margin` and is well formed.
    pub fn token(self, margin: Duration) -> Option<Token> {
        // A negative PTTL: no expiry (-1), or gone since (-2): not a token to use.
        let life = Duration::from_millis(u64::try_from(self.pttl).ok()?);
        if life <= margin {
            return None;
        }
        Some(Token {
            value: Secret::new(self.value),
            expires_at: Instant::now() + life,
            scopes: self
                .scopes
                .map(|s| Arc::new(s.split_whitespace().map(str::to_owned).collect())),
            generation: self.id.parse().ok()?,
        })
    }
}

impl Shared {
    pub(super) fn token_key(&self, tenant: i64, client_id: &str) -> String {
        self.key(format_args!("token:{tenant}:{client_id}"))
    }

    /// The fleet's token for the tenant, fetched by this process if none is valid and no
    /// other is fetching it; this process's own cache when Redis does not answer.
    pub async fn token(
        &self,
        local: &TokenCache,
        source: &TokenSource<'_>,
        tenant: i64,
        creds: &Credentials,
    ) -> Result<Token, Error> {
        let key = self.token_key(tenant, &creds.client_id);
        match self.read(&key, source.margin).await {
            Ok(Some(t)) => {
                local.remember(tenant, &creds.client_id, &t);
                return Ok(t);
            }
            Ok(None) => {}
            Err(Unavailable) => return local.get(source, tenant, creds).await,
        }
        // One task of this process at a time goes on; the others find its token, or
        // share its failure.
        let asked = std::time::Instant::now();
        let slot = local.slot(tenant, &creds.client_id);
        let mut turn = slot.lock().await;
        local.failed_since(tenant, &creds.client_id, asked)?;
        let lock = self.key(format_args!("token-lock:{tenant}:{}", creds.client_id));
        let nonce = fastrand::u64(..).to_string();
        loop {
            let got = match self.read(&key, source.margin).await {
                Ok(Some(t)) => {
                    *turn = Some(t.clone());
                    return Ok(t);
                }
                Ok(None) => self.try_lock(&lock, &nonce).await,
                Err(Unavailable) => Err(Unavailable),
            };
            match got {
                Ok(true) => {
                    // The holder before may have stored its token and let go between the
                    // read above and the lock: look once more before fetching.
                    if let Ok(Some(t)) = self.read(&key, source.margin).await {
                        self.unlock(&lock, &nonce).await;
                        *turn = Some(t.clone());
                        return Ok(t);
                    }
                    let fetched = local
                        .fetch(source, tenant, creds)
                        .await
                        .map(|mut t| {
                            // Ids are the fleet's: random, not this process's sequence.
                            t.generation = fastrand::u64(1..);
                            t
                        })
                        .map_err(|e| local.failed(tenant, &creds.client_id, e));
                    if let Ok(t) = &fetched {
                        // Stored before the lock goes: a waiter that sees the lock gone
                        // finds the token.
                        let _ = self.store(&key, t).await;
                        *turn = Some(t.clone());
                    }
                    self.unlock(&lock, &nonce).await;
                    return fetched;
                }
                Ok(false) => tokio::time::sleep(POLL).await,
                Err(Unavailable) => {
                    drop(turn);
                    return local.get(source, tenant, creds).await;
                }
            }
        }
    }

    /// Takes the right to fetch the tenant's token, for the lock's time to live.
    async fn try_lock(&self, lock: &str, nonce: &str) -> Result<bool, Unavailable> {
        let ttl = millis(self.lock_ttl);
        self.run("token lock", |mut conn| async move {
            let set: Option<String> = redis::cmd("SET")
                .arg(lock)
                .arg(nonce)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query_async(&mut conn)
                .await?;
            Ok(set.is_some())
        })
        .await
    }

    /// Gives the right back, if it is still this holder's (it may have expired).
    async fn unlock(&self, lock: &str, nonce: &str) {
        let _ = self
            .run("token unlock", |mut conn| async move {
                self.token_scripts
                    .unlock
                    .key(lock)
                    .arg(nonce)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await;
    }

    /// Forgets a refused token across the fleet if it is still the fleet's; whether it
    /// was (`false`: another process has replaced it already).
    pub async fn forget(
        &self,
        tenant: i64,
        client_id: &str,
        generation: u64,
    ) -> Result<bool, Unavailable> {
        let key = self.token_key(tenant, client_id);
        let forgotten: i64 = self
            .run("token forget", |mut conn| async move {
                self.token_scripts
                    .forget
                    .key(&key)
                    .arg(generation.to_string())
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(forgotten == 1)
    }

    /// The stored token, if it outlives `margin`.
    async fn read(&self, key: &str, margin: Duration) -> Result<Option<Token>, Unavailable> {
        let stored: Option<(String, Option<String>, String, i64)> = self
            .run("token read", |mut conn| async move {
                self.token_scripts
                    .read
                    .key(key)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(stored.and_then(|s| Stored::answered(s, margin)))
    }

    /// Stores a token for the fleet, expiring with it.
    async fn store(&self, key: &str, t: &Token) -> Result<(), Unavailable> {
        let life = t.expires_at.saturating_duration_since(Instant::now());
        if life.is_zero() {
            return Ok(());
        }
        self.run("token store", |mut conn| async move {
            let mut fields = vec![
                ("token", t.value.expose().to_string()),
                ("id", t.generation.to_string()),
            ];
            if let Some(s) = &t.scopes {
                fields.push(("scopes", s.join(" ")));
            }
            redis::pipe()
                .atomic()
                .del(key)
                .ignore()
                .hset_multiple(key, &fields)
                .ignore()
                .pexpire(key, millis(life) as i64)
                .ignore()
                .query_async::<()>(&mut conn)
                .await
        })
        .await
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(pttl: i64, id: &str, scopes: Option<&str>) -> Stored {
        Stored {
            value: "the-token".into(),
            scopes: scopes.map(str::to_owned),
            id: id.into(),
            pttl,
        }
    }

    #[test]
    fn a_stored_token_is_used_only_while_it_outlives_the_margin() {
        let margin = Duration::from_secs(60);
        let t = stored(900_000, "77", Some("tn.crm:r tn.jpm:r"))
            .token(margin)
            .expect("valid for 15 minutes");
        assert_eq!(t.value.expose(), "the-token");
        assert_eq!(t.generation, 77);
        assert_eq!(
            t.scopes.as_deref().map(Vec::as_slice),
            Some(&["tn.crm:r".to_string(), "tn.jpm:r".to_string()][..])
        );
        let left = t.expires_at.saturating_duration_since(Instant::now());
        assert!(left > Duration::from_secs(890) && left <= Duration::from_secs(900));
        assert!(stored(900_000, "77", None)
            .token(margin)
            .unwrap()
            .scopes
            .is_none());
        // Within the margin, without expiry (-1), gone (-2), or with an id not of ours.
        assert!(stored(59_000, "77", None).token(margin).is_none());
        assert!(stored(-1, "77", None).token(margin).is_none());
        assert!(stored(-2, "77", None).token(margin).is_none());
        assert!(stored(900_000, "x", None).token(margin).is_none());
    }
}
