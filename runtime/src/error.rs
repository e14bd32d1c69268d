//! The one error type of the client.

use crate::retry;
use crate::types::ApiErrorResponse;
use std::fmt;
use std::time::Duration;

/// Everything that can go wrong with a call. Never contains a secret.
///
/// What programs branch on has an accessor ([`Error::status`], [`Error::retry_after`],
/// [`Error::validation_errors`], [`Error::is_throttled`], [`Error::is_auth`],
/// [`Error::is_retryable`], ...); [`Error::kind`] has every detail. The error underneath
/// (the HTTP stack's, the JSON decoder's) is its `source()`.
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
    operation: Option<&'static str>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with a status that is not a success.
    Api {
        /// The HTTP status.
        status: u16,
        /// The parsed body, when it was an `ApiErrorResponse`.
        body: Option<ApiErrorResponse>,
        /// The body as text, truncated to 4 KiB, when it was not.
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
    /// The response body did not match the expected type.
    Decode {
        /// JSON path of the value that failed, e.g. `data[3].createdOn`.
        path: String,
        /// What the deserializer said.
        message: String,
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
        }
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
    pub fn validation_errors(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.api_error()
            .and_then(|e| e.errors.as_ref())
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = self.operation {
            write!(f, "{op}: ")?;
        }
        match &*self.kind {
            ErrorKind::Api { status, body, raw, required_scopes, granted_scopes, retry_after, .. } => {
                write!(f, "HTTP {status}")?;
                if let Some(b) = body {
                    if let Some(t) = &b.title {
                        write!(f, ": {t}")?;
                    }
                    if let Some(errs) = &b.errors {
                        for (field, msgs) in errs {
                            write!(f, "; {field}: {}", msgs.join(" "))?;
                        }
                    }
                    if let Some(id) = &b.trace_id {
                        write!(f, " (trace id {id})")?;
                    }
                } else if let Some(r) = raw.as_deref().filter(|r| !r.is_empty()) {
                    let short: String = r.chars().take(200).collect();
                    write!(f, ": {short}")?;
                }
                if *status == 403 {
                    if let Some(req) = required_scopes {
                        write!(f, "; the operation requires scope {}", req.join(" and "))?;
                    }
                    if let Some(g) = granted_scopes {
                        write!(f, "; the token was granted: {}", if g.is_empty() { "no scopes".into() } else { g.join(" ") })?;
                    }
                }
                if let Some(d) = retry_after {
                    write!(f, " (retry after {:.1}s)", d.as_secs_f64())?;
                }
                Ok(())
            }
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
            ErrorKind::Decode { path, message } => write!(f, "unexpected response body at `{path}`: {message}"),
            ErrorKind::Transport { message, .. } => write!(f, "request failed: {message}"),
            ErrorKind::Config(m) => write!(f, "configuration error: {m}"),
            ErrorKind::ResponseTooLarge { limit } => write!(f, "the response body is larger than the limit of {limit} bytes"),
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
