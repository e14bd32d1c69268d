//! The contract between generated code and this runtime: every item the generated
//! `servicetitan` crate names, in one place. Generated files say
//! `use servicetitan_runtime as rt;` and name these as `rt::Item`; the crate root
//! re-exports all of them, so that is their path. A test of the repository
//! (`tests/tests/contract.rs`) reads this file and the generated crate and fails when
//! generated code names an item that is not listed here, or this file lists one that
//! generated code no longer names.
//!
//! Most of these are also what users of the generated crate handle (value types, pages,
//! streams, errors). The rest exist for generated code: request building
//! ([`Request`], [`Operation`], [`PathSegment`], [`QueryValue`]), and the serde glue of
//! models and enums ([`ModelFields`], [`de_model`], [`WireEnum`], [`de_string_enum`],
//! [`IntEnum`], [`de_int_enum`], [`pick_shape`]). Changing any item here changes what the
//! generator must emit: regenerate and run the tests.

// Calls: the tenant-bound client every request builder holds, what it sends, and what
// comes back.
pub use crate::client::{ResponseFuture, Runtime, TenantClient};
pub use crate::error::Error;
pub use crate::limit::RateLimit;
pub use crate::options::{CallOptions, Overrides};
pub use crate::request::{Method, Operation, Request};
pub use crate::response::decode;
pub use crate::scopes::RequiredScopes;

// Query strings and path segments.
pub use crate::ids::{split_ids, IdList};
pub use crate::query::{PathSegment, QueryPairs, QueryValue, Sort};
pub use crate::resource::{Id, Resource};

// Paging, exports and changes: the traits builders implement and the streams they return.
pub use crate::paging::{items, pages, BoxStream, ExportFrom, PageLike, PagedRequest};
pub use crate::rows::{rows, LabelledRows, Row};
pub use crate::sync::{
    batches, export_changes, export_items, list_changes, Changes, Checkpoint, ExportRequest,
    IncrementalRequest, SourceKind, SyncSource, Window,
};
/// The stream traits (`next`, `try_next`, `try_collect`, ...), for the generated prelude.
pub use futures_util::{StreamExt, TryStreamExt};

// Wire value types, wrappers, and what models are built from.
pub use crate::types::{
    de_int_enum, de_model, de_string_enum, pick_shape, ApiErrorResponse, Binary, DataResult, Date,
    DateTime, Decimal, Download, ExportBatch, FilePart, Flags, IntEnum, Json, Map, ModelFields,
    ModelShape, Nullable, Paged, Redirect, TimeSpan, Uuid, WireEnum,
};
