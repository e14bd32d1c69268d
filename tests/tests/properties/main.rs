//! Property tests of every reader of outside input: fed input built from real examples
//! and then mutated (values of the wrong type, nulls, huge numbers, deep nesting, invalid
//! UTF-8, truncation), each must end in a value or an error: never a panic, never a hang
//! (each case runs in a thread of its own under a time limit, `guard.rs`), never memory
//! out of proportion to its input (the thread's peak, counted by the allocator below).
//!
//! One module per reader: `answers.rs` (the generated decoders, plainly and under drift
//! observation, over `table.rs`'s operations), `report_rows.rs` (the report row typer),
//! `recordings.rs` (the recording reader), `drift_notes.rs` (the drift-notes reader),
//! `documents.rs` (the generator's document loader), `stand_in.rs` (the stand-in's
//! request parsing, over loopback). `mutate.rs` holds the mutations they share.
//!
//! Case counts are sized for CI (all targets together within about a minute of a debug
//! build on 2 cores); `ST_PROPERTY_SCALE=N` multiplies them, `PROPTEST_CASES` sets every
//! target's count, and `PROPTEST_RNG_SEED` the seed (fixed otherwise, so that CI runs the
//! same cases). `cargo xtask fuzz --minutes
//! N` runs them longer, a new seed each round. A failing case is written by proptest to
//! `tests/tests/proptest-regressions/<module>.txt`, which is committed and replayed first
//! by every later run.

mod answers;
mod documents;
mod drift_notes;
mod guard;
mod mutate;
mod recorded;
mod recordings;
mod report_rows;
mod stand_in;
mod table;

use proptest::test_runner::{Config, RngSeed};

#[global_allocator]
static ALLOCATOR: guard::Counting = guard::Counting;

/// The configuration of a target: `cases` (times `ST_PROPERTY_SCALE`, 1 unless set)
/// unless `PROPTEST_CASES` says otherwise, and a fixed seed of its own unless
/// `PROPTEST_RNG_SEED` gives one.
pub fn config(cases: u32, seed: u64) -> Config {
    let base = Config::default();
    let set = |name: &str| std::env::var_os(name).is_some();
    let scale: u32 = std::env::var("ST_PROPERTY_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    Config {
        cases: if set("PROPTEST_CASES") {
            base.cases
        } else {
            cases.saturating_mul(scale)
        },
        rng_seed: if set("PROPTEST_RNG_SEED") {
            base.rng_seed
        } else {
            RngSeed::Fixed(seed)
        },
        // A failure is shrunk for at most a minute, then reported as it stands.
        max_shrink_time: 60_000,
        ..base
    }
}
