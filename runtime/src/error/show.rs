//! How an error shows itself: `Display` and `Debug`, both written here so that neither
//! prints a value from a body, a validation message or a body kept as text (see
//! `Error`'s documentation).

use super::privacy::body_shape;
use super::{Error, ErrorKind};
use crate::types::ApiErrorResponse;
use std::fmt;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = self.operation {
            write!(f, "{op}: ")?;
        }
        match &*self.kind {
            ErrorKind::Api { .. } => api(f, &self.kind),
            ErrorKind::Auth { status, code, message } => {
                write!(f, "authentication failed")?;
                if let Some(s) = status {
                    write!(f, " (HTTP {s})")?;
                }
                if let Some(c) = code {
                    write!(f, ": {c}")?;
                }
                write!(f, ": {message}")
            }
            ErrorKind::Decode { path, expected, found } => write!(
                f,
                "unexpected response body at `{path}`: expected {expected}, found {found}"
            ),
            ErrorKind::Transport { message, .. } => write!(f, "request failed: {message}"),
            ErrorKind::Config(m) => write!(f, "configuration error: {m}"),
            ErrorKind::ResponseTooLarge { limit } => {
                write!(f, "the response body is larger than the limit of {limit} bytes")
            }
            ErrorKind::Checkpoint { stream, message } => write!(
                f,
                "cannot resume {stream} from this checkpoint: {message}; resuming from it would skip or repeat records"
            ),
            ErrorKind::InvalidParameter { parameter, message } => {
                write!(f, "invalid parameter `{parameter}`: {message}. Nothing was sent.")
            }
            ErrorKind::MissingScope { required, granted } => write!(
                f,
                "the token lacks the scope this operation requires ({}); granted: {}. Nothing was sent.",
                required.join(" and "),
                if granted.is_empty() { "none".to_string() } else { granted.join(" ") }
            ),
        }
    }
}

/// An API error in words: the status, the API's title (or type), the fields of its
/// validation errors with how many messages each has, its trace id; a body that was not
/// an `ApiErrorResponse` by its kind and length; for 403 the scopes.
fn api(f: &mut fmt::Formatter<'_>, kind: &ErrorKind) -> fmt::Result {
    let ErrorKind::Api {
        status,
        body,
        raw,
        required_scopes,
        granted_scopes,
        retry_after,
        ..
    } = kind
    else {
        return Ok(());
    };
    write!(f, "HTTP {status}")?;
    if let Some(b) = body {
        if let Some(t) = b.title.as_deref().or(b.kind.as_deref()) {
            write!(f, ": {t}")?;
        }
        if let Some(errs) = b.errors.as_ref().filter(|e| !e.is_empty()) {
            write!(f, "; validation errors in")?;
            for (i, (field, msgs)) in errs.iter().enumerate() {
                let sep = if i == 0 { " " } else { ", " };
                write!(f, "{sep}{field} ({})", messages(msgs.len()))?;
            }
        }
        if let Some(id) = &b.trace_id {
            write!(f, " (trace id {id})")?;
        }
    } else if let Some(r) = raw.as_deref().filter(|r| !r.trim().is_empty()) {
        write!(f, ": {} (not shown)", body_shape(r))?;
    }
    if *status == 403 {
        if let Some(req) = required_scopes {
            write!(f, "; the operation requires scope {}", req.join(" and "))?;
        }
        if let Some(g) = granted_scopes {
            let g = if g.is_empty() {
                "no scopes".into()
            } else {
                g.join(" ")
            };
            write!(f, "; the token was granted: {g}")?;
        }
    }
    if let Some(d) = retry_after {
        write!(f, " (retry after {:.1}s)", d.as_secs_f64())?;
    }
    Ok(())
}

/// `1 message`, `2 messages`.
fn messages(n: usize) -> String {
    format!("{n} message{}", if n == 1 { "" } else { "s" })
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("operation", &self.operation)
            .field("source", &self.source)
            .field(
                "customer_data_detail",
                &self
                    .detail
                    .as_ref()
                    .map(|_| Withheld("see Error::customer_data_detail")),
            )
            .finish()
    }
}

/// Written in `Debug` as it is, unquoted: what stands in for a value left out.
struct Withheld<'a>(&'a str);

impl fmt::Debug for Withheld<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

impl fmt::Debug for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Api {
                status,
                body,
                raw,
                required_scopes,
                granted_scopes,
                retry_after,
                maintenance,
            } => {
                let raw = raw.as_deref().map(body_shape);
                f.debug_struct("Api")
                    .field("status", status)
                    .field("body", body as &Option<ApiErrorResponse>)
                    .field("raw", &raw.as_deref().map(Withheld))
                    .field("required_scopes", required_scopes)
                    .field("granted_scopes", granted_scopes)
                    .field("retry_after", retry_after)
                    .field("maintenance", maintenance)
                    .finish()
            }
            ErrorKind::Auth {
                status,
                code,
                message,
            } => f
                .debug_struct("Auth")
                .field("status", status)
                .field("code", code)
                .field("message", message)
                .finish(),
            ErrorKind::Decode {
                path,
                expected,
                found,
            } => f
                .debug_struct("Decode")
                .field("path", path)
                .field("expected", expected)
                .field("found", found)
                .finish(),
            ErrorKind::Transport {
                message,
                timeout,
                connect,
            } => f
                .debug_struct("Transport")
                .field("message", message)
                .field("timeout", timeout)
                .field("connect", connect)
                .finish(),
            ErrorKind::ResponseTooLarge { limit } => f
                .debug_struct("ResponseTooLarge")
                .field("limit", limit)
                .finish(),
            ErrorKind::Config(m) => f.debug_tuple("Config").field(m).finish(),
            ErrorKind::Checkpoint { stream, message } => f
                .debug_struct("Checkpoint")
                .field("stream", stream)
                .field("message", message)
                .finish(),
            ErrorKind::InvalidParameter { parameter, message } => f
                .debug_struct("InvalidParameter")
                .field("parameter", parameter)
                .field("message", message)
                .finish(),
            ErrorKind::MissingScope { required, granted } => f
                .debug_struct("MissingScope")
                .field("required", required)
                .field("granted", granted)
                .finish(),
        }
    }
}
