//! The HTTP client every call goes through: reqwest on rustls, with the runtime's
//! guarantees (no redirect followed, the `User-Agent`, timeouts, compression), or the
//! user's own.
//!
//! TLS is rustls on ring, certificates checked by the operating system's verifier
//! (`rustls-platform-verifier`: the system's trust store, so an authority a company adds
//! to its machines works; `SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured on Linux).
//! Proxies come from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (and the
//! system's settings on macOS and Windows), as reqwest reads them.

use crate::error::Error;
use std::sync::Arc;
use std::time::Duration;

/// The `User-Agent` of every request: `servicetitan-rs/<version>`.
pub const USER_AGENT: &str = concat!("servicetitan-rs/", env!("CARGO_PKG_VERSION"));

/// A `reqwest::ClientBuilder` with the runtime's TLS (rustls on ring, the operating
/// system's certificate verifier, HTTP/2 or 1.1), its `User-Agent` and no redirects
/// followed: the start for a client of your own given to
/// [`crate::RuntimeBuilder::http_client`], or for other calls in a program that uses the runtime.
///
/// The runtime brings rustls with the ring provider only, so `reqwest::Client::new()`
/// elsewhere in the same program panics ("No rustls crypto provider is configured")
/// unless your own `reqwest` dependency turns on its `rustls` feature or you install a
/// provider; a builder from here needs neither.
///
/// ```
/// use servicetitan_runtime::reqwest::header::{HeaderMap, HeaderValue};
/// use servicetitan_runtime::{RuntimeBuilder, Environment};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("x-team", HeaderValue::from_static("billing"));
/// let http = servicetitan_runtime::http_builder()
///     .expect("the system's certificate verifier")
///     .default_headers(headers)
///     .build()
///     .expect("client");
/// let b = RuntimeBuilder::new(Environment::Integration).http_client(http);
/// # let _ = b;
/// ```
pub fn http_builder() -> Result<reqwest::ClientBuilder, Error> {
    Ok(reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls_config()?))
}

/// What the runtime's own HTTP client is built with (from the `RuntimeBuilder`).
pub(crate) struct Settings<'a> {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub compression: bool,
    pub own: Option<&'a reqwest::Client>,
    pub finish: Option<&'a FinishHttp>,
}

/// The HTTP client: the user's own if given; otherwise one built here and, if the user
/// gave a function for it, finished by that function, after which redirects are turned
/// off again (credentials must not go to another host, and the API's 302 answers are
/// results, not detours).
pub(crate) fn client(s: Settings<'_>) -> Result<reqwest::Client, Error> {
    if let Some(own) = s.own {
        return Ok(own.clone());
    }
    let mut http = http_builder()?
        .timeout(s.timeout)
        .connect_timeout(s.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .gzip(s.compression);
    if let Some(finish) = s.finish {
        http = (finish.0)(http);
    }
    http.redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}

/// rustls on ring with the operating system's certificate verifier; HTTP/2 or 1.1.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    // rustls 0.23.48 deprecates ring's provider ("no support for post-quantum algorithms")
    // with no ring replacement in 0.23 (aws-lc-rs is the other; `rustls-ring` comes with
    // 0.24). `allow`, not `expect`: the releases before 0.23.48 do not deprecate it.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| Error::config(format!("cannot use the system's certificate verifier: {e}")))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("no TLS version to use: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A function that finishes the runtime's `reqwest::ClientBuilder` (a proxy, an
/// authority of the company's, a local address to bind).
#[derive(Clone)]
pub(crate) struct FinishHttp(
    pub Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>,
);

impl std::fmt::Debug for FinishHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FinishHttp(..)")
    }
}
