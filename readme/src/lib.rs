//! The repository's README, whose Rust examples are compiled (and the stand-in's run) as
//! this crate's doc tests. The crate depends on exactly what the README's dependency
//! block lists (`tests/manifest.rs` checks it), so an example that needs something a
//! user was not told to add does not compile here.
#![doc = include_str!("../../README.md")]
