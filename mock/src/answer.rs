//! An answer as the handler builds it (status, headers, body, how it is delivered), and
//! the answers several rooms give alike (401, 429, a status's reason).

use crate::data::error_body;
use crate::limits::retry_after;
use bytes::Bytes;
use serde_json::Value;
use std::time::Duration;

/// How an answer reaches the client: whole, or as a fault delivers it
/// ([`crate::faults::deliver`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    Whole,
    /// Headers, then half the body, then the connection closes.
    Truncate,
    /// No answer: the connection is reset.
    Reset,
    /// Headers, then the body `chunk` bytes at a time, one chunk each `every`.
    Trickle {
        chunk: usize,
        every: Duration,
    },
}

impl Delivery {
    /// The status a recorded request shows: 0 when the connection was reset.
    pub fn recorded_status(self, status: u16) -> u16 {
        if self == Delivery::Reset {
            0
        } else {
            status
        }
    }

    /// The status as the request log shows it.
    pub fn describe(self, status: u16) -> String {
        match self {
            Delivery::Reset => "reset".to_string(),
            Delivery::Truncate => format!("{status} (cut short)"),
            Delivery::Trickle { .. } => format!("{status} (trickled)"),
            Delivery::Whole => status.to_string(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    pub delivery: Delivery,
}

impl Answer {
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Answer {
        Answer {
            status,
            headers: vec![("content-type", content_type.to_string())],
            body: body.into(),
            delivery: Delivery::Whole,
        }
    }

    pub fn json(status: u16, body: impl Into<Bytes>) -> Answer {
        Answer::new(status, "application/json; charset=utf-8", body)
    }

    pub fn value(status: u16, v: &Value) -> Answer {
        Answer::json(status, serde_json::to_vec(v).unwrap_or_default())
    }

    /// The API's `ApiErrorResponse`, naming the offending fields.
    pub fn error(status: u16, title: &str, problems: &[(String, String)]) -> Answer {
        Answer::new(
            status,
            "application/problem+json; charset=utf-8",
            serde_json::to_vec(&error_body(status, title, problems)).unwrap_or_default(),
        )
    }

    pub fn header(mut self, name: &'static str, value: String) -> Answer {
        self.headers.push((name, value));
        self
    }
}

pub(crate) fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

pub(crate) fn unauthorized(why: &str) -> Answer {
    Answer::error(401, "Unauthorized", &[(String::new(), why.to_string())])
        .header("www-authenticate", "Bearer".into())
}

pub(crate) fn too_many(wait: Duration) -> Answer {
    Answer::error(429, "Too Many Requests", &[])
        .header("retry-after", retry_after(wait).to_string())
}
