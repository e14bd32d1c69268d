//! Recordings: the exchanges of a run written to a file, and played back later with no
//! server. Opt-in from code ([`crate::RuntimeBuilder::record`]) or from the environment
//! (`ST_RECORD=FILE`; `ST_RECORD_ALLOW=a,b` names properties to keep, `ST_RECORD_REDACT=a,b`
//! properties to redact whatever their type).
//!
//! A recording is JSON lines, one exchange a line, in the order the answers arrived:
//! method, path (under the API's root), query, request body; status, media type, body.
//! What it never holds: the token exchange, any header but the answer's media type (so no
//! `Authorization`, no `ST-App-Key`), and any value the documents do not type as a
//! number, a boolean, a date or time, a uuid, an id or a value of an enum they list: each
//! exchange is redacted alongside its operation's types in the API model (free text, a
//! free-form map's keys and a property the model does not describe are replaced), with
//! the names a program gives ([`Recorder::allow`], [`Recorder::redact`]) first.
//!
//! [`Replay`] answers a runtime's calls from such a file: a call gets the next unused
//! exchange recorded for the same method, path, query and body (each redacted as the
//! recorder did), so a stream's pages and a retried call replay in order. Rooms: this
//! one (the recorder and the file's lines), `model.rs` (the API model, read once),
//! `typed.rs` (a value redacted by its type), `redact.rs` (an exchange's parts by its
//! operation), `replay.rs`.

mod model;
mod redact;
mod replay;
#[cfg(test)]
mod tests;
mod typed;

pub(crate) use redact::Redaction;
pub use replay::Replay;
pub use typed::REDACTED;

use crate::error::Error;
use crate::request::Operation;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where and how to record a run: the file (created, or appended to), the properties
/// whose values to keep although the documents type them as text ([`Recorder::allow`]),
/// and those to redact although they would be kept ([`Recorder::redact`]).
///
/// ```
/// use servicetitan_runtime::{Environment, Recorder, RuntimeBuilder};
///
/// let b = RuntimeBuilder::new(Environment::Integration).record(
///     Recorder::to_file("target/run.recording.jsonl")
///         .allow(["status"])
///         .redact(["latitude", "longitude"]),
/// );
/// # let _ = b;
/// ```
#[derive(Debug, Clone)]
pub struct Recorder {
    pub(crate) file: PathBuf,
    pub(crate) redact: Vec<String>,
    pub(crate) allow: Vec<String>,
}

impl Recorder {
    /// Records into `file`.
    pub fn to_file(file: impl Into<PathBuf>) -> Recorder {
        Recorder {
            file: file.into(),
            redact: Vec::new(),
            allow: Vec::new(),
        }
    }
    /// Also redacts these properties and query parameters, whatever their type (compared
    /// without case): each string and number under them, at any depth (a number becomes
    /// 0). Numbers are otherwise kept: `["latitude", "longitude"]` leaves out where a
    /// customer lives. Wins over [`Recorder::allow`].
    pub fn redact<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Recorder {
        self.redact.extend(names.into_iter().map(Into::into));
        self
    }
    /// Keeps the values of these properties and query parameters as they came, at any
    /// depth (compared without case), although the documents type them as free text:
    /// `["status", "type"]` where those are plain words, not a customer's.
    pub fn allow<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Recorder {
        self.allow.extend(names.into_iter().map(Into::into));
        self
    }
    /// The recorder `ST_RECORD=file` asks for, with the names of `ST_RECORD_ALLOW` and
    /// `ST_RECORD_REDACT` (comma-separated) read through `get`.
    pub(crate) fn from_lookup(file: String, get: impl Fn(&str) -> Option<String>) -> Recorder {
        let names = |variable: &str| -> Vec<String> {
            get(variable)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Recorder::to_file(file)
            .allow(names("ST_RECORD_ALLOW"))
            .redact(names("ST_RECORD_REDACT"))
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

/// The version of the format this runtime writes and reads: 2, values redacted by their
/// type in the API model (1 redacted by property name).
pub(crate) const VERSION: u32 = 2;

/// A recording's first line: its version, and the names its program gave (a replay
/// redacts its calls alike before looking them up).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub servicetitan_recording: u32,
    #[serde(default)]
    pub redact: Vec<String>,
    #[serde(default)]
    pub allow: Vec<String>,
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

/// The call side of an exchange of `op`, redacted: method, path under `root`, query, body.
pub(crate) fn call_key(
    redaction: &Redaction,
    root: &url::Url,
    op: &Operation,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
) -> CallKey {
    let root_path = root.path().trim_end_matches('/');
    let path = url.path().strip_prefix(root_path).unwrap_or(url.path());
    let mut request = body
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(serde_json::Value::Null);
    redaction.request(op, &mut request);
    (
        method.to_owned(),
        path.to_owned(),
        redaction.query(op, url.query()),
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
            redaction: Redaction::new(&r.allow, &r.redact),
        };
        if fresh {
            writer.write_line(&serde_json::to_string(&Header {
                servicetitan_recording: VERSION,
                redact: r.redact.clone(),
                allow: r.allow.clone(),
            }))?;
        }
        Ok(writer)
    }

    /// Reads `resp`'s whole body (within `limit`), writes the exchange of `op` (redacted
    /// by its types), and gives back an answer with the same status, headers and body for
    /// the call to read.
    pub(crate) async fn tap(
        &self,
        key: CallKey,
        op: &Operation,
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
                self.redaction.answer(op, status.as_u16(), &mut v);
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
