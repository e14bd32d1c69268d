//! When a sync stops early: asked to (SIGTERM, SIGINT: between transactions, with the
//! checkpoints committed), or because nothing can work (a failure no retry and no other
//! stream can get past: credentials refused, a host unreachable after its retries, a scope
//! the app lacks). Every stream looks here before it starts and after each commit, so one
//! such failure ends the run with one error instead of one per stream.

use servicetitan::runtime::{Error, ErrorKind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Whether (and why) the sync stops.
#[derive(Default)]
pub struct Stop {
    asked: AtomicBool,
    fatal: OnceLock<String>,
    wake: tokio::sync::Notify,
}

impl Stop {
    /// Asks the sync to stop after the current transactions; whether it had been asked
    /// before.
    pub fn ask(&self) -> bool {
        let before = self.asked.swap(true, Ordering::SeqCst);
        self.wake.notify_waiters();
        before
    }

    /// Whether a signal asked the sync to stop.
    pub fn asked(&self) -> bool {
        self.asked.load(Ordering::SeqCst)
    }

    /// Keeps the first failure nothing can get past, in words with its fix.
    pub fn fail(&self, why: String) {
        let _ = self.fatal.set(why);
        self.wake.notify_waiters();
    }

    /// The failure that stopped the sync, if one did.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.get().map(String::as_str)
    }

    /// Whether streams should stop: asked to, or failed for good.
    pub fn stopping(&self) -> bool {
        self.asked() || self.fatal.get().is_some()
    }

    /// Waits for `d`, or less when the sync is asked to stop or fails.
    pub async fn sleep(&self, d: std::time::Duration) {
        let woken = self.wake.notified();
        if self.stopping() {
            return;
        }
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(d) => {}
        }
    }
}

/// A stream's failure that no other stream can get past, in words that name the fix; `None`
/// for a failure of the stream's own (a 404, a 500 after its retries, a record that does
/// not decode), which leaves the others going.
pub fn fatal(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let e = e.downcast_ref::<Error>()?;
    let fix = match e.kind() {
        ErrorKind::Auth {
            code: Some(code), ..
        } if code == "invalid_client" || code == "unauthorized_client" => {
            "check the client id and secret (ST_CLIENT_ID and ST_CLIENT_SECRET, or the \
             profile's) and that the app is connected to the tenant"
        }
        ErrorKind::Auth { status: None, .. } => {
            "the token endpoint could not be reached after the retries allowed: check \
             ST_ENVIRONMENT or ST_AUTH_URL, and the network (proxy, firewall)"
        }
        ErrorKind::Auth { .. } => {
            "the token endpoint refused or failed after the retries allowed: check the \
             credentials and the environment, or try again later"
        }
        ErrorKind::MissingScope { .. } => {
            "give the app the scopes named (the developer portal, then reconnect it to the \
             tenant), or leave the domain out of --domains"
        }
        ErrorKind::Api { status: 401, .. } => {
            "the API refused the token: check the app key (ST_APP_KEY) and that the app is \
             connected to the tenant"
        }
        ErrorKind::Api { status: 403, .. } => {
            "the API refused the app access: give the app the scopes the operation needs, \
             or leave the domain out of --domains"
        }
        ErrorKind::Transport { connect: true, .. } => {
            "the API could not be reached after the retries allowed: check ST_ENVIRONMENT \
             or ST_API_URL, and the network (proxy, firewall)"
        }
        _ => return None,
    };
    Some(format!("{e}; {fix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_wakes_a_sleeper_and_keeps_the_first_failure() {
        let stop = std::sync::Arc::new(Stop::default());
        assert!(!stop.stopping());
        let asleep = {
            let stop = stop.clone();
            tokio::spawn(async move { stop.sleep(std::time::Duration::from_secs(3600)).await })
        };
        tokio::task::yield_now().await;
        stop.fail("first".into());
        stop.fail("second".into());
        asleep.await.expect("woken");
        assert_eq!(stop.fatal(), Some("first"));
        assert!(!stop.asked() && stop.stopping());
        assert!(!stop.ask(), "the first signal");
        assert!(stop.ask(), "the second");
        stop.sleep(std::time::Duration::from_secs(3600)).await;
    }

    #[test]
    fn a_stream_of_its_own_failure_is_not_fatal() {
        let io = std::io::Error::other("disk full");
        assert_eq!(fatal(&io), None);
    }
}
