//! What other crates read, written from the same model as the client: the API as data for
//! the model crate, the stand-in and the commands (`api_model`, `api-model/api.json`); the
//! stand-in's every-operation calls (`calls`), the typed ids' compile checks (`links`);
//! the documents' examples (`examples`) and their round-trip table (`examples_table`); and
//! the sync's tables, migrations and their Rust tables for the command line (`sync`).
//! Rust files go through the client's token building and formatting (`crate::emit::tokens`).

pub mod api_model;
pub mod calls;
pub mod examples;
pub mod examples_table;
pub mod links;
pub mod sync;

pub use api_model::{api_model, API_MODEL_PATH};
pub use calls::{calls_table, CALLS_TABLE_DIR};
pub use examples_table::example_table;
pub use links::{links_table, LINKS_TABLE_PATH};
