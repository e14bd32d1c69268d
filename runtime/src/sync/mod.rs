//! Keeping a copy of a tenant's data: streams of the records changed since a checkpoint,
//! for exports (their continuation token) and for every paged list that filters by
//! modification time (windows of modification times, overlapped and de-duplicated), each
//! with a [`Checkpoint`] that names the stream it belongs to.

mod checkpoint;
mod planner;
mod streams;

pub use checkpoint::{Checkpoint, StreamId};
pub use streams::{
    batches, export_changes, export_items, list_changes, list_changes_with, ChangeOptions, Changes,
    ExportRequest, IncrementalRequest, RawRecord, SourceKind, SyncSource, Window,
};
