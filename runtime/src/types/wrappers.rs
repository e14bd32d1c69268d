//! The API's list, export, result and error wrappers.

use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

use super::*;

// ---------------------------------------------------------------------------------------
// Wrappers

/// One page of a paged list: `{page, pageSize, hasMore, totalCount?, data}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Paged<T> {
    #[serde(default)]
    /// The page number, from 1.
    pub page: i32,
    #[serde(default)]
    /// The page size the API used.
    pub page_size: i32,
    #[serde(default)]
    /// Whether another page follows.
    pub has_more: bool,
    /// Filled only when the request set `includeTotal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    /// The items of this page.
    pub data: Vec<T>,
}

/// One batch of an export: `{hasMore, continueFrom, data}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct ExportBatch<T> {
    /// More data can be fetched right away with `continue_from`.
    #[serde(default)]
    pub has_more: bool,
    /// The token to pass as `from` to continue; store it to resume later.
    #[serde(default)]
    pub continue_from: String,
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    /// The records of this batch.
    pub data: Vec<T>,
}

/// `{data: T}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DataResult<T> {
    #[serde(default)]
    /// The result.
    pub data: Option<T>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// The API's error body (RFC 7807 style).
///
/// Its validation messages (`errors`) and `data` can quote what was sent (`'Jane Doe' is
/// not valid`): customer data. Its `Debug` shows the type, title, status, trace id, each
/// field of `errors` with how many messages it has, and the keys of `data`: never a
/// message or a value.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiErrorResponse {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    /// `type`: a URI naming the kind of error.
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A short summary.
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The HTTP status.
    pub status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The server's trace id: quote it to ServiceTitan support.
    pub trace_id: Option<String>,
    /// Field name -> messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Map<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// More data about the error.
    pub data: Option<Map<Json>>,
}

impl std::fmt::Debug for ApiErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// A field's messages, by their count.
        struct Count(usize);
        impl std::fmt::Debug for Count {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(
                    f,
                    "<{} message{}>",
                    self.0,
                    if self.0 == 1 { "" } else { "s" }
                )
            }
        }
        /// Names of a map, without its values.
        struct Keys<'a>(&'a Map<Json>);
        impl std::fmt::Debug for Keys<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_set().entries(self.0.keys()).finish()
            }
        }
        let errors = self.errors.as_ref().map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), Count(v.len())))
                .collect::<Vec<_>>()
        });
        f.debug_struct("ApiErrorResponse")
            .field("kind", &self.kind)
            .field("title", &self.title)
            .field("status", &self.status)
            .field("trace_id", &self.trace_id)
            .field("errors", &errors)
            .field("data", &self.data.as_ref().map(Keys))
            .finish()
    }
}
