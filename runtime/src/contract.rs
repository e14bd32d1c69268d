//! The contract between generated code and this runtime: every item the generated
//! `servicetitan` crate names, in one place. Generated files say
//! `use servicetitan_runtime as rt;` and name these as `rt::Item`; the crate root
//! re-exports all of them, so that is their path. A test of the repository
//! (`tests/tests/contract.rs`) reads this file and the generated crate and fails when
//! generated code names an item that is not listed here, or this file lists one that
//! generated code no longer names.
//!
//! Most of these are also what users of the generated crate handle (value types, pages,
//! streams, errors, requests). The rest exist for generated code alone, in
//! [`generated`]: the serde glue of models and enums, query and path building, the
//! functions that make a builder's streams. That module is hidden from the documentation
//! and is not part of the runtime's API for users: its items change with the generator
//! (cargo-semver-checks, which treats `#[doc(hidden)]` items as internal, agrees).
//! Changing any item here changes what the generator must emit: regenerate and run the
//! tests.

// Calls: the tenant-bound client every request builder holds, what it sends, and what
// comes back.
pub use crate::budget::limits::RateLimit;
pub use crate::client::{ResponseFuture, Runtime, TenantClient};
pub use crate::error::Error;
pub use crate::options::{CallOptions, Overrides};
pub use crate::request::{Method, Operation, Request};
pub use crate::scopes::RequiredScopes;

// Ids and sorting.
pub use crate::ids::IdList;
pub use crate::query::Sort;
pub use crate::resource::{Id, Resource};

// Paging, exports and changes: the traits builders implement and the streams they return.
pub use crate::paging::{BoxStream, ExportFrom, PageLike, PagedRequest};
pub use crate::rows::{LabelledRows, Row};
pub use crate::sync::{
    Changes, Checkpoint, ExportRequest, IncrementalRequest, SourceKind, SyncSource, Window,
};
/// The stream traits (`next`, `try_next`, `try_collect`, ...), for the generated prelude.
pub use futures_util::{StreamExt, TryStreamExt};

// Wire value types, wrappers, and what models are built from.
pub use crate::types::{
    ApiErrorResponse, Binary, DataResult, Date, DateTime, Decimal, Download, ExportBatch, FilePart,
    Flags, Json, Map, Nullable, Paged, Redirect, TimeSpan, Uuid,
};

/// For generated code only: not for users, outside the documentation, and free to change
/// with each release of the generator. The crate's root re-exports these (hidden) so that
/// generated code names them `rt::Item` as it names the rest.
#[doc(hidden)]
pub mod generated {
    // Answers read.
    pub use crate::response::decode;
    // Query strings and path segments.
    pub use crate::ids::split_ids;
    pub use crate::query::{PathSegment, QueryPairs, QueryValue};
    // The streams a builder returns.
    pub use crate::paging::{items, pages};
    pub use crate::rows::rows;
    pub use crate::sync::{batches, export_changes, export_items, list_changes};
    // The serde glue of models and enums.
    pub use crate::types::{
        de_int_enum, de_model, de_string_enum, pick_shape, IntEnum, ModelFields, ModelShape,
        WireEnum,
    };
}
