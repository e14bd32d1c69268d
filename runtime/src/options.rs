//! Per-call overrides: a timeout, a retry policy and extra headers for one call (or for
//! every call of one [`crate::TenantClient`]), set through the [`Overrides`] trait that
//! every request builder implements.

use crate::error::Error;
use crate::retry::RetryPolicy;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::fmt;
use std::time::Duration;

/// Headers the runtime writes itself; neither an override nor a hook may set them.
pub(crate) const RESERVED: [&str; 5] = [
    "authorization",
    "st-app-key",
    "content-type",
    "content-length",
    "host",
];

/// What one call overrides of the client's settings. Empty by default.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) headers: Vec<(String, String)>,
}

/// Header values may be credentials of the user's (a proxy's, a gateway's): only their
/// names are shown.
impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl CallOptions {
    /// The extra headers as a map, checked: a name or value HTTP does not allow, or a
    /// header the runtime writes itself, fails the call before anything is sent.
    pub(crate) fn header_map(&self) -> Result<HeaderMap, Error> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config(format!("`{name}` is not a valid header name")))?;
            if RESERVED.contains(&n.as_str()) {
                return Err(Error::config(format!(
                    "the header `{name}` is written by the runtime and cannot be overridden"
                )));
            }
            let v = HeaderValue::from_str(value).map_err(|_| {
                Error::config(format!("the value given for header `{name}` is not valid"))
            })?;
            map.append(n, v);
        }
        Ok(map)
    }
}

/// Overrides of the client's settings for one call, on every request builder (and on a
/// [`crate::TenantClient`], for every call made through it):
///
/// ```no_run
/// # async fn f(st: servicetitan_runtime::TenantClient, req: servicetitan_runtime::Request) -> Result<(), servicetitan_runtime::Error> {
/// use servicetitan_runtime::{Overrides, RetryPolicy};
/// use std::time::Duration;
///
/// // Every call made through this tenant client: a 5-second timeout, no retries.
/// let quick = st
///     .clone()
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::default().max_attempts(1))
///     .header("X-Correlation-Id", "run-42");
/// let page: serde_json::Value = quick.send_json(req).await?;
/// # Ok(()) }
/// ```
///
/// With the generated crate: `st.crm().customers().get_list().timeout(d).await`.
pub trait Overrides: Sized {
    /// Where the overrides are kept (the builder's tenant client).
    #[doc(hidden)]
    fn call_options(&mut self) -> &mut CallOptions;

    /// The longest each attempt of the call may take, from sending to the last byte of
    /// the answer (instead of the client's `timeout`).
    fn timeout(mut self, timeout: Duration) -> Self {
        self.call_options().timeout = Some(timeout);
        self
    }

    /// How the call is retried (instead of the client's policy); `max_attempts: 1` sends
    /// it once.
    fn retry(mut self, policy: RetryPolicy) -> Self {
        self.call_options().retry = Some(policy);
        self
    }

    /// A header sent with every attempt of the call (added to any of the same name).
    /// `Authorization`, `ST-App-Key`, `Content-Type`, `Content-Length` and `Host` are the
    /// runtime's: setting one fails the call before anything is sent, as does a name or
    /// value HTTP does not allow.
    fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.call_options()
            .headers
            .push((name.into(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_checked_and_values_never_shown() {
        let ok = CallOptions {
            headers: vec![
                ("X-Trace".into(), "a".into()),
                ("x-trace".into(), "b".into()),
            ],
            ..Default::default()
        };
        let map = ok.header_map().expect("valid");
        assert_eq!(map.get_all("x-trace").iter().count(), 2);
        for (name, value, says) in [
            ("Authorization", "Bearer s3cr3t", "written by the runtime"),
            ("ST-App-Key", "s3cr3t", "written by the runtime"),
            ("bad name", "s3cr3t", "not a valid header name"),
            ("X-Ok", "s3cr3t\nline", "not valid"),
        ] {
            let o = CallOptions {
                headers: vec![(name.into(), value.into())],
                ..Default::default()
            };
            let e = o.header_map().expect_err(name).to_string();
            assert!(e.contains(says), "{e}");
            assert!(!e.contains(value), "{e}");
        }
        let shown = format!(
            "{:?}",
            CallOptions {
                headers: vec![("X-Api-Secret".into(), "hunter2".into())],
                ..Default::default()
            }
        );
        assert!(
            shown.contains("X-Api-Secret") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
