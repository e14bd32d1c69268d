//! Reading an answer: its headers, its body (capped, or a prefix of it for errors), and
//! JSON decoding that names the path of a value that does not fit. A leaf: the token
//! cache (`auth`) and the client both read answers through it.

use crate::error::{decode_error, transport, value_at, Error, ErrorKind};
use crate::request::Operation;
use crate::retry;
use crate::types::ApiErrorResponse;
use std::time::Duration;
use std::time::Instant;

/// How much of an error body is read: enough for any `ApiErrorResponse`.
pub(crate) const ERROR_BODY_PREFIX: usize = 64 * 1024;

/// How much of a body that is not an `ApiErrorResponse` an error keeps, as text.
pub(crate) const MAX_RAW: usize = 4096;

/// Reads a whole body, failing once it passes `limit` bytes.
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    limit: u64,
) -> Result<bytes::Bytes, Error> {
    let too_large = || Error::new(ErrorKind::ResponseTooLarge { limit });
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf =
        bytes::BytesMut::with_capacity(resp.content_length().unwrap_or(0).min(limit) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Reads at most about `cap` bytes of a body (error answers); never fails.
pub(crate) async fn read_prefix(mut resp: reqwest::Response, cap: usize) -> bytes::Bytes {
    let mut buf = bytes::BytesMut::new();
    while buf.len() < cap {
        match resp.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk[..chunk.len().min(cap - buf.len())]),
            _ => break,
        }
    }
    buf.freeze()
}

/// `Retry-After` in seconds or as an HTTP date (capped at an hour).
pub(crate) fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(3600.0)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A header's value as text, when it is text.
pub(crate) fn header(
    headers: &reqwest::header::HeaderMap,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The `filename` of a `Content-Disposition` header.
pub(crate) fn file_name(disposition: &str) -> Option<String> {
    disposition
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("filename="))
        .map(|f| f.trim_matches('"').to_string())
}

/// Decodes JSON; on failure, decodes again to find the JSON path of the bad value, and
/// describes what the body has there by its JSON type and size (the error never holds
/// the value but in [`Error::customer_data_detail`]).
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|first| decode_failure::<T>(bytes, first))
}

/// The error of a body that did not decode as `T`: the path of the bad value, what `T`
/// expected, what the body has there.
#[cold]
fn decode_failure<T: serde::de::DeserializeOwned>(bytes: &[u8], first: serde_json::Error) -> Error {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let e = match serde_path_to_error::deserialize::<_, T>(de) {
        Err(e) => e,
        Ok(_) => return decode_error(".".into(), None, &first),
    };
    let body = serde_json::from_slice::<crate::types::Json>(bytes).ok();
    let found = body.as_ref().and_then(|b| value_at(b, e.path()));
    decode_error(e.path().to_string(), found, e.inner())
}

/// The typed error of an answer the call did not accept, from the head of its body.
pub(crate) async fn api_error(
    resp: reqwest::Response,
    op: &Operation,
    granted: Option<&[String]>,
    retry_after: Option<Duration>,
) -> Error {
    let status = resp.status().as_u16();
    let bytes = read_prefix(resp, ERROR_BODY_PREFIX).await;
    let body: Option<ApiErrorResponse> =
        serde_json::from_slice(&bytes)
            .ok()
            .filter(|b: &ApiErrorResponse| {
                b.title.is_some() || b.status.is_some() || b.errors.is_some()
            });
    let raw = if body.is_some() {
        None
    } else {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_RAW)]).into_owned();
        Some(text)
    };
    let (required_scopes, granted_scopes) = if status == 403 {
        (
            op.scopes.map(|s| s.iter().map(|x| x.to_string()).collect()),
            granted.map(<[String]>::to_vec),
        )
    } else {
        (None, None)
    };
    let says = body
        .as_ref()
        .and_then(|b| b.title.as_deref())
        .or(raw.as_deref());
    let maintenance =
        status == 409 && op.maintenance_conflicts && says.is_some_and(retry::says_maintenance);
    Error::new(ErrorKind::Api {
        status,
        body,
        raw,
        required_scopes,
        granted_scopes,
        retry_after,
        maintenance,
    })
    .with_operation(op.id)
}

/// The server's time, as the `Date` header of its latest answer says, and when that
/// answer arrived here: the API's notion of "now", which decides the windows of
/// incremental lists (a local clock may be off by minutes).
#[derive(Default)]
pub(crate) struct ServerClock(std::sync::Mutex<Option<(chrono::DateTime<chrono::Utc>, Instant)>>);

impl ServerClock {
    pub(crate) fn observe(&self, headers: &reqwest::header::HeaderMap) {
        let Some(date) = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
        else {
            return;
        };
        let date = chrono::DateTime::<chrono::Utc>::from(date);
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((date, Instant::now()));
        }
    }

    /// The latest `Date` plus the time since it arrived. `Date` is written in whole
    /// seconds, rounded down, and stamped before the answer left: this is never ahead of
    /// the server's clock, unless that clock runs slower than this machine's.
    pub(crate) fn now(&self) -> Option<crate::types::DateTime> {
        let (date, at) = (*self.0.lock().ok()?)?;
        let elapsed = chrono::Duration::from_std(at.elapsed()).ok()?;
        Some(crate::types::DateTime(date + elapsed))
    }
}
