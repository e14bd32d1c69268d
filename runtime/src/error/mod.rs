//! The one error type of the client.
//!
//! Errors go to logs and error trackers, and what passes through the client is the
//! tenant's customers' data: an error says where and what kind of thing went wrong, never
//! a value from a body. `show.rs` writes `Display` and `Debug` so; `privacy.rs` describes a
//! value by its JSON type and size and keeps of the decoder's words only what the
//! program's types say.

mod privacy;
mod show;

pub(crate) use privacy::{body_shape, decode_error, value_at};

use crate::retry;
use crate::types::ApiErrorResponse;
use std::fmt;
use std::time::Duration;

/// Everything that can go wrong with a call. Never contains a secret, and never shows a
/// value from a body.
///
/// What programs branch on has an accessor ([`Error::status`], [`Error::retry_after`],
/// [`Error::validation_errors`], [`Error::is_throttled`], [`Error::is_auth`],
/// [`Error::is_retryable`], ...); [`Error::kind`] has every detail. The error underneath
/// a transport failure (the HTTP stack's) is its `source()`.
///
/// `Display`, `Debug` (of the error, its [`ErrorKind`] and its [`ApiErrorResponse`]) and
/// the `source()` chain name the operation, the status, the API's title, the JSON path of
/// a value that did not decode with what the program's type expected and the JSON type
/// and size found there (`a string of 18 characters`), the fields of validation errors
/// with the count of their messages: never a value, a validation message, or a body,
/// which can hold the customers' data. A program that wants those for its own debugging
/// asks: [`Error::validation_errors`], [`Error::api_error`],
/// [`Error::customer_data_detail`].
pub struct Error {
    kind: Box<ErrorKind>,
    operation: Option<&'static str>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    /// What the answer itself said (the decoder's words, the token endpoint's answer):
    /// may hold customer data, so never printed.
    detail: Option<Box<str>>,
}

/// What went wrong.
///
/// Its `Debug` shows no value from a body: a body kept as text is described by its kind
/// and length.
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with a status that is not a success.
    Api {
        /// The HTTP status.
        status: u16,
        /// The parsed body, when it was an `ApiErrorResponse`. Its validation messages
        /// can quote what was sent (customer data): `Display` and `Debug` show the
        /// fields and how many messages each has, not the messages.
        body: Option<ApiErrorResponse>,
        /// The body as text, truncated to 4 KiB, when it was not: may hold customer
        /// data, never shown by `Display` or `Debug` (which say what kind of body it was
        /// and its length).
        raw: Option<String>,
        /// For 403: the scopes the operation requires and the token was granted.
        required_scopes: Option<Vec<String>>,
        /// For 403: the scopes the token was granted.
        granted_scopes: Option<Vec<String>>,
        /// For 429: how long the server asked to wait.
        retry_after: Option<Duration>,
        /// A 409 that says the service is suspended for maintenance, from a domain that
        /// answers so while briefly down (reporting): worth a retry.
        maintenance: bool,
    },
    /// The token endpoint refused the credentials or failed.
    Auth {
        /// The HTTP status of the token endpoint's answer, when there was one.
        status: Option<u16>,
        /// OAuth `error` code such as `invalid_client`, when given.
        code: Option<String>,
        /// What went wrong, in words.
        message: String,
    },
    /// The response body did not match the expected type. The value itself is not kept
    /// here: [`Error::customer_data_detail`] has the decoder's own words.
    Decode {
        /// JSON path of the value that failed, e.g. `data[3].createdOn`.
        path: String,
        /// What the program's type expected there, as the type describes itself (`i64`,
        /// `an RFC 3339 date-time`, `one of ...` its listed values), or `a value of the
        /// declared type` when the decoder's words do not say it for certain.
        expected: String,
        /// What the body has there: its JSON type and size (`a string of 18
        /// characters`, `a number`, `an object of 3 properties`, `an array of 2 items`,
        /// `null`, `a boolean`), or how the JSON is malformed. Never the value.
        found: String,
    },
    /// The request could not be sent or the response not read.
    Transport {
        /// What the HTTP stack said.
        message: String,
        /// The request timed out (it may be retried).
        timeout: bool,
        /// The connection could not be made.
        connect: bool,
    },
    /// The response body was larger than `RuntimeBuilder::max_response_bytes`.
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The client is misconfigured (bad URL, missing variable, plain http to a remote host).
    Config(String),
    /// A stream was asked to resume from a checkpoint that is not its own (another
    /// operation, tenant or filters, or another kind of stream); nothing was sent.
    Checkpoint {
        /// The stream that was to resume.
        stream: String,
        /// What does not match.
        message: String,
    },
    /// A parameter's value breaks what the documents say of it (an id list longer than
    /// the operation takes, or empty); nothing was sent.
    InvalidParameter {
        /// The parameter as the API names it (`ids`, `businessUnitIds`).
        parameter: String,
        /// What is wrong, with the documented limit.
        message: String,
    },
    /// The token lacks a scope the operation needs; nothing was sent.
    MissingScope {
        /// The scopes the operation requires.
        required: Vec<String>,
        /// The scopes the token was granted.
        granted: Vec<String>,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error {
            kind: Box::new(kind),
            operation: None,
            source: None,
            detail: None,
        }
    }
    /// What the answer itself said, for [`Error::customer_data_detail`] only.
    pub(crate) fn with_detail(mut self, detail: impl Into<Box<str>>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// The error underneath, as `source()` gives it.
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Box::new(source));
        self
    }
    pub(crate) fn config(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config(msg.into()))
    }
    /// The same failure again, for another caller that waited on the request that met
    /// it (a token request's failure is shared as its token would have been): the same
    /// kind for a token endpoint's error; its cause by its words.
    pub(crate) fn shared_copy(&self) -> Error {
        let kind = match &*self.kind {
            ErrorKind::Auth {
                status,
                code,
                message,
            } => ErrorKind::Auth {
                status: *status,
                code: code.clone(),
                message: message.clone(),
            },
            _ => ErrorKind::Auth {
                status: self.status(),
                code: None,
                message: self.to_string(),
            },
        };
        Error {
            kind: Box::new(kind),
            operation: None,
            source: self
                .source
                .as_ref()
                .map(|s| Box::new(SharedCause(s.to_string())) as _),
            detail: self.customer_data_detail().map(Into::into),
        }
    }
    pub(crate) fn with_operation(mut self, op: &'static str) -> Self {
        self.operation.get_or_insert(op);
        self
    }

    /// What went wrong, to match on.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The operation id (`Customers_GetList`) the error happened in, if any.
    pub fn operation(&self) -> Option<&'static str> {
        self.operation
    }

    /// The HTTP status, for API and token endpoint errors.
    pub fn status(&self) -> Option<u16> {
        match &*self.kind {
            ErrorKind::Api { status, .. } => Some(*status),
            ErrorKind::Auth { status, .. } => *status,
            _ => None,
        }
    }

    /// The parsed `ApiErrorResponse`, when the API sent one.
    ///
    /// Its validation messages can quote what was sent (`'Jane Doe' is not valid`):
    /// customer data. Never log them where the customer's data may not go.
    pub fn api_error(&self) -> Option<&ApiErrorResponse> {
        match &*self.kind {
            ErrorKind::Api { body, .. } => body.as_ref(),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After` of a 429 or a
    /// 503), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match &*self.kind {
            ErrorKind::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The API refused the call for the tenant's rate limit (429).
    pub fn is_throttled(&self) -> bool {
        matches!(&*self.kind, ErrorKind::Api { status: 429, .. })
    }

    /// The credentials, the token or the app's scopes were refused: the token endpoint
    /// refused or failed, the API answered 401 or 403, or the token lacks a scope the
    /// operation needs (nothing was sent).
    pub fn is_auth(&self) -> bool {
        match &*self.kind {
            ErrorKind::Auth { .. } | ErrorKind::MissingScope { .. } => true,
            ErrorKind::Api { status, .. } => matches!(status, 401 | 403),
            _ => false,
        }
    }

    /// The API answered 404: no such record (or path).
    pub fn is_not_found(&self) -> bool {
        matches!(&*self.kind, ErrorKind::Api { status: 404, .. })
    }

    /// The API refused the request's content (400 or 422 with validation errors, the
    /// fields in [`Error::validation_errors`]).
    pub fn is_validation(&self) -> bool {
        matches!(
            &*self.kind,
            ErrorKind::Api {
                status: 400 | 422,
                ..
            }
        ) && self.validation_errors().next().is_some()
    }

    /// The API's validation errors, by field as the API names it (`name`,
    /// `locations[0].address.zip`), each with its messages, in field order; none for an
    /// error that is not the API's or that lists none.
    ///
    /// The messages can quote what was sent (`'Jane Doe' is not valid`): customer data,
    /// which `Display` and `Debug` leave out (they count each field's messages). Never log
    /// them where the customer's data may not go.
    pub fn validation_errors(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.api_error()
            .and_then(|e| e.errors.as_ref())
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
    }

    /// What the answer itself said, which `Display`, `Debug` and `source()` leave out:
    /// for a body that did not decode, the decoder's own words, which quote the value
    /// that did not fit; for an API error whose body was not an `ApiErrorResponse`, that
    /// body as text (up to 4 KiB); for a token endpoint's unexpected answer, that answer.
    /// `None` for other errors.
    ///
    /// It may hold customer data: never log it where the customer's data may not go.
    pub fn customer_data_detail(&self) -> Option<&str> {
        match &*self.kind {
            ErrorKind::Api { raw, .. } => raw.as_deref(),
            _ => self.detail.as_deref(),
        }
    }

    /// Whether trying again later may succeed (429, 5xx, timeouts, connection errors,
    /// reporting's 409 "suspended for maintenance").
    ///
    /// The same classification the client's own retries use ([`crate::RetryPolicy`]).
    pub fn is_retryable(&self) -> bool {
        match &*self.kind {
            ErrorKind::Api {
                status,
                maintenance,
                ..
            } => retry::classify_status(*status, *maintenance).is_retryable(),
            ErrorKind::Transport { .. } => retry::TRANSPORT.is_retryable(),
            // Without a status, the token endpoint was not reached.
            ErrorKind::Auth { status, .. } => match status {
                Some(s) => retry::classify_status(*s, false).is_retryable(),
                None => retry::TRANSPORT.is_retryable(),
            },
            _ => false,
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Transport errors without URLs: a URL can carry nothing secret here, but the message
/// stays short and stable. The error itself, without its URL, is the `source()`.
pub(crate) fn transport(e: reqwest::Error) -> Error {
    let mut message = e.without_url_ref().to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    let (timeout, connect) = (e.is_timeout(), e.is_connect());
    Error::new(ErrorKind::Transport {
        message,
        timeout,
        connect,
    })
    .with_source(e.without_url())
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let kind = if self.is_timeout() {
            "timed out"
        } else if self.is_connect() {
            "could not connect"
        } else if self.is_body() || self.is_decode() {
            "could not read the response body"
        } else if self.is_request() {
            "could not send the request"
        } else {
            "HTTP error"
        };
        kind.to_string()
    }
}

/// The cause of a failure shared by several callers, by its words.
#[derive(Debug)]
struct SharedCause(String);

impl fmt::Display for SharedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SharedCause {}
