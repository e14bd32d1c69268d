//! Playing a recording back: a call is answered by the next unused exchange recorded for
//! it, with no connection made; the token exchange is answered here too (a token that
//! grants nothing is checked: scopes are not known, so not checked).

use super::{call_key, CallKey, Exchange, Header, Redaction, VERSION};
use crate::error::Error;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Mutex;

/// A recording to answer calls from, given to [`crate::RuntimeBuilder::replay`].
///
/// ```no_run
/// use servicetitan_runtime::{Environment, Replay, Runtime, RuntimeBuilder};
///
/// let replay = Replay::open("tests/recordings/customers.jsonl")?;
/// let runtime = Runtime::new(RuntimeBuilder::new(Environment::Integration).replay(replay))?;
/// # Ok::<(), servicetitan_runtime::Error>(())
/// ```
pub struct Replay {
    queues: Mutex<HashMap<CallKey, VecDeque<Exchange>>>,
    pub(crate) redaction: Redaction,
    total: usize,
}

/// Counts only: the recorded bodies are customers' data.
impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("exchanges", &self.total)
            .field("remaining", &self.remaining())
            .finish()
    }
}

impl Replay {
    /// Reads a recording.
    pub fn open(file: impl AsRef<Path>) -> Result<Replay, Error> {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::config(format!("cannot read {}: {e}", file.display())))?;
        Replay::parse(&text)
            .map_err(|m| Error::config(format!("recording {}: {m}", file.display())))
    }

    /// Reads a recording's text.
    pub fn parse(text: &str) -> Result<Replay, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let header: Header = match lines.next() {
            Some((_, l)) => serde_json::from_str(l)
                .map_err(|e| format!("line 1 is not a recording's header: {e}"))?,
            None => return Err("empty: not a recording".into()),
        };
        match header.servicetitan_recording {
            VERSION => {}
            1 => {
                return Err(format!(
                    "version 1 of the format (values redacted by property name); this \
                     runtime reads version {VERSION} (values redacted by type): record it again"
                ))
            }
            other => {
                return Err(format!(
                    "version {other} of the format; this runtime reads version {VERSION}"
                ))
            }
        }
        let mut queues: HashMap<CallKey, VecDeque<Exchange>> = HashMap::new();
        let mut total = 0;
        for (i, line) in lines {
            // A second header: two runtimes began the file at once.
            if line.starts_with("{\"servicetitan_recording\"") {
                continue;
            }
            let exchange: Exchange =
                serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
            queues
                .entry(exchange.key())
                .or_default()
                .push_back(exchange);
            total += 1;
        }
        Ok(Replay {
            queues: Mutex::new(queues),
            redaction: Redaction::new(&header.allow, &header.redact),
            total,
        })
    }

    /// Exchanges in the recording.
    pub fn len(&self) -> usize {
        self.total
    }

    /// Whether the recording holds no exchange.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Exchanges not yet played.
    pub fn remaining(&self) -> usize {
        self.queues
            .lock()
            .map(|q| q.values().map(VecDeque::len).sum())
            .unwrap_or(0)
    }

    /// The answer recorded for a call of `op`, or an error naming the call when none is
    /// left.
    pub(crate) fn answer_for(
        &self,
        root: &url::Url,
        op: &crate::request::Operation,
        request: &reqwest::Request,
    ) -> Result<reqwest::Response, Error> {
        let body = request.body().and_then(reqwest::Body::as_bytes);
        let key = call_key(
            &self.redaction,
            root,
            op,
            request.method().as_str(),
            request.url(),
            body,
        );
        let next = self
            .queues
            .lock()
            .ok()
            .and_then(|mut q| q.get_mut(&key).and_then(VecDeque::pop_front));
        let Some(exchange) = next else {
            let (method, path, query, _) = key;
            let query = if query.is_empty() {
                query
            } else {
                format!("?{query}")
            };
            return Err(Error::config(format!(
                "the recording holds no (more) answers to {method} {path}{query} with this body"
            )));
        };
        let body = match (&exchange.json, &exchange.bytes) {
            (Some(v), _) => bytes::Bytes::from(v.to_string()),
            (None, Some(b)) => crate::types::b64_decode(b)
                .map(bytes::Bytes::from)
                .ok_or_else(|| Error::config("a recorded body is not base64"))?,
            (None, None) => bytes::Bytes::new(),
        };
        let mut headers = reqwest::header::HeaderMap::new();
        let named = exchange
            .content_type
            .iter()
            .map(|c| ("content-type", c.as_str()))
            .chain(
                exchange
                    .headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str())),
            );
        for (name, value) in named {
            if let (Ok(n), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                headers.insert(n, v);
            }
        }
        Ok(answer(exchange.status, &headers, body))
    }
}

/// An answer made here rather than read from a connection.
pub(crate) fn answer(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> reqwest::Response {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        let hop = [
            reqwest::header::CONTENT_LENGTH,
            reqwest::header::CONTENT_ENCODING,
            reqwest::header::TRANSFER_ENCODING,
        ];
        if !hop.contains(name) {
            builder = builder.header(name, value);
        }
    }
    let made = builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(bytes::Bytes::new()));
    reqwest::Response::from(made)
}
