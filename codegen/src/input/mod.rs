//! Stage 1: input. The documents read (`load`), each given its domain's identity
//! (`domains`), the corrections applied (`overlay`), and their schemas read into the
//! shapes the model is built from (`schema`).

pub mod domains;
pub mod load;
pub mod overlay;
pub mod schema;
