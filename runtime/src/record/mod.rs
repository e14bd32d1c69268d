//! Recordings: the exchanges of a run written to a file, and played back later with no
//! server. Opt-in from code ([`crate::RuntimeBuilder::record`]) or from the environment
//! (`ST_RECORD=FILE`, with `ST_RECORD_REDACT=a,b` naming more properties to redact).
//!
//! A recording is JSON lines, one exchange a line, in the order the answers arrived:
//! method, path (under the API's root), query, request body; status, media type, body.
//! What it never holds: the token exchange, any header but the answer's media type (so no
//! `Authorization`, no `ST-App-Key`), and the values of personal properties and query
//! parameters ([`PERSONAL_FIELDS`], extended by [`Recorder::redact`]).
//!
//! [`Replay`] answers a runtime's calls from such a file: a call gets the next unused
//! exchange recorded for the same method, path, query and body (each redacted as the
//! recorder did), so a stream's pages and a retried call replay in order. Rooms: this
//! one (the recorder and the file's lines), `redact.rs`, `replay.rs`.

mod redact;
mod replay;

pub(crate) use redact::Redaction;
pub use redact::{PERSONAL_FIELDS, REDACTED};
pub use replay::Replay;

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where and how to record a run: the file (created, or appended to), and the properties
/// to redact beyond [`PERSONAL_FIELDS`].
///
/// ```
/// use servicetitan_runtime::{Environment, Recorder, RuntimeBuilder};
///
/// let b = RuntimeBuilder::new(Environment::Integration)
///     .record(Recorder::to_file("target/run.recording.jsonl").redact(["taxNumber"]));
/// # let _ = b;
/// ```
#[derive(Debug, Clone)]
pub struct Recorder {
    pub(crate) file: PathBuf,
    pub(crate) redact: Vec<String>,
}

impl Recorder {
    /// Records into `file`.
    pub fn to_file(file: impl Into<PathBuf>) -> Recorder {
        Recorder {
            file: file.into(),
            redact: Vec::new(),
        }
    }
    /// Also redacts these properties and query parameters (compared without case).
    pub fn redact<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Recorder {
        self.redact.extend(names.into_iter().map(Into::into));
        self
    }
}

/// One exchange, as a line of a recording.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Exchange {
    pub method: String,
    /// The path under the API's root (`/crm/v2/tenant/1/customers`).
    pub path: String,
    /// The query string, redacted.
    #[serde(default)]
    pub query: String,
    /// The JSON request body, redacted (`null` without one, or for a multipart body).
    #[serde(default)]
    pub request: serde_json::Value,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The answer's headers a call reads besides its media type: `Location`,
    /// `Content-Disposition`, `Retry-After` (none of them a secret).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// A JSON body, redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
    /// A body that is not JSON, as base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
}

/// The headers of an answer a recording keeps (besides its media type).
const KEPT_HEADERS: [reqwest::header::HeaderName; 3] = [
    reqwest::header::LOCATION,
    reqwest::header::CONTENT_DISPOSITION,
    reqwest::header::RETRY_AFTER,
];

/// A recording's first line: its version, and what it redacted beyond
/// [`PERSONAL_FIELDS`] (a replay redacts its calls alike before looking them up).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub servicetitan_recording: u32,
    #[serde(default)]
    pub redact: Vec<String>,
}

/// What identifies a call in a recording: method, path, redacted query and body.
pub(crate) type CallKey = (String, String, String, String);

impl Exchange {
    pub(crate) fn key(&self) -> CallKey {
        (
            self.method.clone(),
            self.path.clone(),
            self.query.clone(),
            self.request.to_string(),
        )
    }
}

/// The call side of an exchange, redacted: method, path under `root`, query, body.
pub(crate) fn call_key(
    redaction: &Redaction,
    root: &url::Url,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
) -> CallKey {
    let root_path = root.path().trim_end_matches('/');
    let path = url.path().strip_prefix(root_path).unwrap_or(url.path());
    let mut request = body
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(serde_json::Value::Null);
    redaction.json(&mut request);
    (
        method.to_owned(),
        path.to_owned(),
        redaction.query(url.query()),
        request.to_string(),
    )
}

/// A recording being written.
#[derive(Debug)]
pub(crate) struct Writer {
    file: Mutex<std::fs::File>,
    path: PathBuf,
    pub(crate) redaction: Redaction,
}

impl Writer {
    pub(crate) fn open(r: &Recorder) -> Result<Writer, Error> {
        if let Some(dir) = r.file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
        }
        // Appended to, never truncated: several runtimes of a process (or processes) given
        // one file add their lines to it; each line is one write. Readable by its owner only.
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&r.file).map_err(|e| {
            Error::config(format!(
                "cannot open the recording {}: {e}",
                r.file.display()
            ))
        })?;
        let fresh = file.metadata().map(|m| m.len() == 0).unwrap_or(true);
        let writer = Writer {
            file: Mutex::new(file),
            path: r.file.clone(),
            redaction: Redaction::new(&r.redact),
        };
        if fresh {
            writer.write_line(&serde_json::to_string(&Header {
                servicetitan_recording: 1,
                redact: r.redact.clone(),
            }))?;
        }
        Ok(writer)
    }

    /// Reads `resp`'s whole body (within `limit`), writes the exchange, and gives back an
    /// answer with the same status, headers and body for the call to read.
    pub(crate) async fn tap(
        &self,
        key: CallKey,
        resp: reqwest::Response,
        limit: u64,
    ) -> Result<reqwest::Response, Error> {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = crate::response::read_body(resp, limit).await?;
        let content_type = crate::response::header(&headers, reqwest::header::CONTENT_TYPE);
        let (method, path, query, request) = key;
        let mut exchange = Exchange {
            method,
            path,
            query,
            request: serde_json::from_str(&request).unwrap_or_default(),
            status: status.as_u16(),
            content_type,
            headers: KEPT_HEADERS
                .iter()
                .filter_map(|h| {
                    Some((h.to_string(), crate::response::header(&headers, h.clone())?))
                })
                .collect(),
            json: None,
            bytes: None,
        };
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(mut v) => {
                self.redaction.json(&mut v);
                exchange.json = Some(v);
            }
            Err(_) if body.is_empty() => {}
            Err(_) => exchange.bytes = Some(crate::types::b64_encode(&body)),
        }
        // A recording that cannot be written does not fail a call the API has answered
        // (it may have acted on it): it is said in the log.
        if let Err(e) = self.write_line(&serde_json::to_string(&exchange)) {
            tracing::warn!(error = %e, "an exchange could not be recorded");
        }
        Ok(replay::answer(status.as_u16(), &headers, body))
    }

    fn write_line(&self, line: &Result<String, serde_json::Error>) -> Result<(), Error> {
        let line = line
            .as_ref()
            .map_err(|e| Error::config(format!("cannot write a recording's line: {e}")))?;
        let mut file = self
            .file
            .lock()
            .map_err(|_| Error::config("the recording's writer panicked"))?;
        file.write_all(format!("{line}\n").as_bytes())
            .map_err(|e| Error::config(format!("cannot write {}: {e}", self.path.display())))
    }
}
