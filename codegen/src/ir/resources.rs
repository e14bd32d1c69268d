//! Resources: the kinds of record with ids of their own (typed ids).

/// A kind of record the documents address by id (`/customers/{id}`): its id type is
/// `<name>Id` in the generated `ids` module, used by its own `id` fields and path
/// parameters and by every field and parameter that refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDef {
    /// PascalCase, e.g. `Customer`, `BusinessUnit`.
    pub name: String,
    /// The module of the domain whose paths address it.
    pub module: String,
    /// A path that addresses one record, as documented (`/tenant/{tenant}/customers/{id}`).
    pub path: String,
    /// Its ids are guids.
    pub guid: bool,
}
