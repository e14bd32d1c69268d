//! The escape hatch: a call to a path the documents do not describe (or describe
//! wrongly), with the client's token, app key, tenant, limits, retries, hooks and typed
//! errors, answered as a typed body, raw bytes, or nothing.

use crate::client::{ResponseFuture, TenantClient};
use crate::error::Error;
use crate::options::{CallOptions, Overrides};
use crate::query::{PathSegment, QueryValue};
use crate::request::{Operation, Request};
use crate::types::Download;
use std::fmt;

/// A call of an [`Operation`] of your own ([`Operation::custom`]), from
/// [`TenantClient::raw`]: `{tenant}` in its path is the client's tenant, every other
/// `{name}` is filled by [`RawRequest::path_param`].
///
/// ```no_run
/// use servicetitan_runtime::{Method, Operation, Overrides, TenantClient};
/// use std::time::Duration;
///
/// const NOTES: Operation = Operation::custom(
///     "Customers_GetNotesRaw",
///     Method::Get,
///     "/crm/v2/tenant/{tenant}/customers/{id}/notes",
/// );
///
/// # async fn f(st: TenantClient) -> Result<(), servicetitan_runtime::Error> {
/// let notes: serde_json::Value = st
///     .raw(&NOTES)
///     .path_param("id", 12345)
///     .query("pageSize", &50)
///     .timeout(Duration::from_secs(10))
///     .send_json()
///     .await?;
/// # Ok(()) }
/// ```
pub struct RawRequest {
    client: TenantClient,
    request: Request,
}

impl fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("operation", &self.request.op.id)
            .field("path", &self.request.path)
            .finish_non_exhaustive()
    }
}

impl TenantClient {
    /// A call of `op`, an operation of your own: see [`RawRequest`].
    pub fn raw(&self, op: &'static Operation) -> RawRequest {
        let path = format!("{}{}", op.base, op.path)
            .replace("{tenant}", &PathSegment(&self.tenant()).to_string());
        RawRequest {
            client: self.clone(),
            request: Request::new(op, path),
        }
    }
}

impl RawRequest {
    /// Fills `{name}` in the path with `value`, percent-encoded as one segment.
    pub fn path_param(mut self, name: &str, value: impl fmt::Display) -> Self {
        let placeholder = format!("{{{name}}}");
        self.request.path = self
            .request
            .path
            .replace(&placeholder, &PathSegment(&value).to_string());
        self
    }

    /// Adds query parameter `name`, written as generated builders write theirs (lists
    /// repeat the name; `None` adds nothing).
    pub fn query<V: QueryValue + ?Sized>(mut self, name: &str, value: &V) -> Self {
        self.request.query(name, value);
        self
    }

    /// A JSON body; a value that cannot be serialized fails the call before it is sent.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.request.json(body);
        self
    }

    /// The request as it would be sent; fails when a `{name}` of the path is not filled.
    pub fn to_request(&self) -> Result<Request, Error> {
        let path = &self.request.path;
        if let Some(start) = path.find('{') {
            let name = path[start..].split('}').next().unwrap_or_default();
            return Err(Error::config(format!(
                "the path parameter {name}}} is not given (RawRequest::path_param)"
            ))
            .with_operation(self.request.op.id));
        }
        Ok(self.request.clone())
    }

    fn send_with<T: Send + 'static>(
        self,
        send: fn(&TenantClient, Request) -> ResponseFuture<T>,
    ) -> ResponseFuture<T> {
        match self.to_request() {
            Ok(req) => send(&self.client, req),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    /// Sends, and decodes a success's JSON body as `T` (`serde_json::Value` for any).
    pub fn send_json<T: serde::de::DeserializeOwned + Send + 'static>(self) -> ResponseFuture<T> {
        self.send_with(TenantClient::send_json)
    }

    /// Sends, and returns a success's body as it came, with its content type.
    pub fn send_bytes(self) -> ResponseFuture<Download> {
        self.send_with(TenantClient::send_bytes)
    }

    /// Sends, for a success whose body does not matter.
    pub fn send_empty(self) -> ResponseFuture<()> {
        self.send_with(TenantClient::send_empty)
    }
}

impl Overrides for RawRequest {
    fn call_options(&mut self) -> &mut CallOptions {
        self.client.call_options()
    }
}
