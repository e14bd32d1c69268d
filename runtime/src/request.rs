//! What generated code builds: an [`Operation`] (what the document says of it) and a
//! [`Request`] (path, query, body) for one call of it, multipart bodies included.

use crate::error::Error;
use crate::query::{QueryPairs, QueryValue};

/// HTTP methods the API uses: the API model's own definition (`servicetitan-api-model`),
/// the one the generator, the stand-in and the command line use.
pub use servicetitan_api_model::Method;

/// The method as reqwest names it.
pub(crate) fn to_reqwest(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// What the document says of an operation; every generated request builder has one as
/// its `OPERATION` constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`, e.g. `Customers_GetList`.
    pub id: &'static str,
    /// Domain module, e.g. `crm`.
    pub domain: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The domain's part of every path, e.g. `/crm/v2`.
    pub base: &'static str,
    /// Path template as the document writes it, e.g. `/tenant/{tenant}/customers`.
    pub path: &'static str,
    /// OAuth scopes the call requires (all of them); `None` when the document declares none.
    pub scopes: Option<&'static [&'static str]>,
    /// A limit of this operation's own, per tenant and path (reporting's 5 runs of the
    /// same report per minute).
    pub limit: Option<crate::RateLimit>,
    /// The operation's domain answers 409 "the service is suspended for maintenance"
    /// while it is briefly down (reporting): such an answer is retried like a 503.
    pub maintenance_conflicts: bool,
    /// The answers the document declares: each status as it writes it (`200`, `4XX`,
    /// `default`) with the media types of its content. Drift observation notes the others;
    /// empty for an operation the documents do not describe.
    pub answers: &'static [(&'static str, &'static [&'static str])],
}

impl Operation {
    /// The scopes the operation requires that `granted` lacks (none when the document
    /// declares none): the one rule the runtime's scope check and a program's own
    /// checks before a run share.
    pub fn missing_scopes<'g>(
        &self,
        granted: &'g [String],
    ) -> impl Iterator<Item = &'static str> + 'g {
        self.scopes
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(move |r| !granted.iter().any(|g| g == r))
    }

    /// An operation the documents do not describe, for [`crate::TenantClient::raw`]: its
    /// id (named by errors, spans and hooks), method and whole path template from the
    /// API's root (`/crm/v2/tenant/{tenant}/customers/{id}/notes`), with no scopes to
    /// check and no limit of its own (set the fields to add them).
    ///
    /// ```
    /// use servicetitan_runtime::{Method, Operation};
    ///
    /// const NOTES: Operation = Operation::custom(
    ///     "Customers_GetNotesRaw",
    ///     Method::Get,
    ///     "/crm/v2/tenant/{tenant}/customers/{id}/notes",
    /// );
    /// assert_eq!(NOTES.template().to_string(), "/crm/v2/tenant/{tenant}/customers/{id}/notes");
    /// ```
    pub const fn custom(id: &'static str, method: Method, path: &'static str) -> Operation {
        Operation {
            id,
            domain: "",
            method,
            base: "",
            path,
            scopes: None,
            limit: None,
            maintenance_conflicts: false,
            answers: &[],
        }
    }

    /// The whole path template, `base` then `path` (OpenTelemetry's `url.template`).
    pub fn template(&self) -> impl std::fmt::Display + '_ {
        struct Template<'a>(&'a str, &'a str);
        impl std::fmt::Display for Template<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)?;
                f.write_str(self.1)
            }
        }
        Template(self.base, self.path)
    }
}

#[derive(Clone)]
pub(crate) enum Body {
    None,
    Json(Vec<u8>),
    Multipart(Vec<(String, Part)>),
    Invalid(String),
}

#[derive(Clone)]
pub(crate) enum Part {
    Text(String),
    File(crate::types::FilePart),
}

/// One request, built by generated code (every request builder's `to_request`): what
/// would be sent, to look at before sending.
#[derive(Clone)]
pub struct Request {
    pub(crate) op: &'static Operation,
    pub(crate) path: String,
    pub(crate) query: QueryPairs,
    pub(crate) body: Body,
    /// A parameter that cannot be sent (name, what is wrong): the call fails before sending.
    pub(crate) invalid: Option<(String, String)>,
}

impl Request {
    /// `path` is the full path: domain prefix, then the operation's path with values filled in.
    pub fn new(op: &'static Operation, path: String) -> Self {
        Request {
            op,
            path,
            query: QueryPairs::default(),
            body: Body::None,
            invalid: None,
        }
    }
    /// The path: domain prefix, then the operation's path with values filled in.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The query pairs, in the order they were added.
    pub fn query_pairs(&self) -> &QueryPairs {
        &self.query
    }
    /// The value of query parameter `name`, if it is set once or more (the first).
    pub(crate) fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Removes every pair of query parameter `name`.
    pub(crate) fn remove_query(&mut self, name: &str) {
        self.query.0.retain(|(k, _)| k != name);
    }
    /// Sets query parameter `name` to one value, replacing any it had.
    pub(crate) fn set_query(&mut self, name: &str, value: impl Into<String>) {
        self.remove_query(name);
        self.query.0.push((name.to_string(), value.into()));
    }
    /// Adds query parameter `name` (nothing for `None`; repeated for lists; `name.field` for objects).
    pub fn query<V: QueryValue + ?Sized>(&mut self, name: &str, value: &V) {
        value.append_to(name, &mut self.query);
    }
    /// Adds an id list, comma-separated (nothing for `None`). A list longer than `max`, or
    /// empty, fails the call before it is sent, with an error naming the parameter.
    pub fn id_list<T: std::fmt::Display>(
        &mut self,
        name: &str,
        ids: Option<&crate::ids::IdList<T>>,
        max: Option<usize>,
    ) {
        let Some(ids) = ids else {
            return;
        };
        match crate::ids::problem(ids, max) {
            Some(problem) if self.invalid.is_none() => {
                self.invalid = Some((name.to_string(), problem));
            }
            Some(_) => {}
            None => ids.append_to(name, &mut self.query),
        }
    }
    /// Sets a JSON body; a value that cannot be serialized fails the call before it is sent.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        self.body = match serde_json::to_vec(body) {
            Ok(b) => Body::Json(b),
            Err(e) => Body::Invalid(e.to_string()),
        };
    }
    /// Adds a file part to a `multipart/form-data` body.
    pub fn file_part(&mut self, name: &str, file: &crate::types::FilePart) {
        self.push_part(name.to_string(), Part::File(file.clone()));
    }
    /// Adds text parts to a `multipart/form-data` body, written as the value would be
    /// written in a query string (nothing for `None`).
    pub fn text_part<V: QueryValue + ?Sized>(&mut self, name: &str, value: &V) {
        let mut pairs = QueryPairs::default();
        value.append_to(name, &mut pairs);
        for (k, v) in pairs.0 {
            self.push_part(k, Part::Text(v));
        }
    }
    fn push_part(&mut self, name: String, part: Part) {
        match &mut self.body {
            Body::Multipart(parts) => parts.push((name, part)),
            _ => self.body = Body::Multipart(vec![(name, part)]),
        }
    }
    /// What the document says of the operation this request is for.
    pub fn operation(&self) -> &'static Operation {
        self.op
    }
}

/// A fresh form for each attempt: a form is consumed when sent, its bytes are shared.
pub(crate) fn multipart_form(parts: &[(String, Part)]) -> Result<reqwest::multipart::Form, Error> {
    let mut form = reqwest::multipart::Form::new();
    for (name, part) in parts {
        form = match part {
            Part::Text(t) => form.text(name.clone(), t.clone()),
            Part::File(f) => {
                let mut p = reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::from(f.bytes.clone()),
                    f.bytes.len() as u64,
                )
                .file_name(f.file_name.clone());
                if let Some(ct) = &f.content_type {
                    p = p.mime_str(ct).map_err(|e| {
                        Error::config(format!(
                            "invalid content type `{ct}` for part `{name}`: {e}"
                        ))
                    })?;
                }
                form.part(name.clone(), p)
            }
        };
    }
    Ok(form)
}
