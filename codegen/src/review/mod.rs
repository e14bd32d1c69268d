//! Review: what a person reads before a release lands, from two generations of the model.
//! The change report (`diff`) and how it agrees with cargo-semver-checks (`semver`), the
//! crate's public surface (`surface`), the scopes each domain needs (`scopes`), and the
//! corrections proposed from drift notes (`propose`). Nothing here feeds the generated
//! crate.

pub mod diff;
pub mod propose;
pub mod scopes;
pub mod semver;
pub mod surface;
