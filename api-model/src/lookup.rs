//! The model the crate was built with, and finding things in a model.

use crate::{Domain, Field, Model, Operation, Ty, TypeDef};
use std::collections::BTreeMap;

/// The model of the API this crate was built with: `api.json`, written by
/// `cargo xtask generate` from the documents in `specs/v2` (checked fresh by
/// `cargo xtask generate --check`).
pub const API_JSON: &str = include_str!("../api.json");

impl Model {
    /// The model this crate was built with ([`API_JSON`]).
    pub fn embedded() -> Result<Model, String> {
        Model::from_json(API_JSON)
    }

    /// The domain of module `module` (`crm`, `equipment_systems`).
    pub fn domain(&self, module: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.module == module)
    }

    /// The named type `key` (`crm.Customer`).
    pub fn type_def(&self, key: &str) -> Option<&TypeDef> {
        self.types.get(key)
    }

    /// The fields of an object type, through aliases ([`fields_of`]).
    pub fn fields(&self, ty: &Ty) -> Option<&[Field]> {
        fields_of(&self.types, ty)
    }

    /// Every operation, with its domain.
    pub fn operations(&self) -> impl Iterator<Item = (&Domain, &Operation)> {
        self.domains
            .iter()
            .flat_map(|d| d.operations.iter().map(move |o| (d, o)))
    }
}

impl Operation {
    /// Whether calling it may change the tenant's data: every method but `GET`, except
    /// those that answer pages (a report's data, a list filtered in a POST body) and those
    /// whose scopes are all read scopes (`tn.rpr.reports:r`): they change nothing.
    pub fn writes(&self) -> bool {
        let reads_only = self
            .scopes
            .as_ref()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s.ends_with(":r")));
        self.method != crate::Method::Get && self.paging.is_none() && !reads_only
    }

    /// Its name as a command (`get-list`) under its resource's (`customers`).
    pub fn command_names(&self) -> (String, String) {
        (kebab(&self.resource), kebab(&self.action))
    }
}

impl Domain {
    /// Its name as a command (`equipment-systems`).
    pub fn command_name(&self) -> String {
        kebab(&self.module)
    }
}

/// `get_list` as `get-list`; a raw identifier's `r#` dropped.
pub fn kebab(snake: &str) -> String {
    snake.trim_start_matches("r#").replace('_', "-")
}

/// The fields of an object type among `types`, through aliases; `None` for any other type.
pub fn fields_of<'a>(types: &'a BTreeMap<String, TypeDef>, ty: &Ty) -> Option<&'a [Field]> {
    match ty {
        Ty::Ref(key) => match types.get(key)? {
            TypeDef::Struct { fields, .. } => Some(fields),
            TypeDef::Alias { ty } => fields_of(types, ty),
            _ => None,
        },
        _ => None,
    }
}
