//! The API model a recording redacts by: `servicetitan-api-model`'s embedded model, read
//! once, the first time a recording or a replay needs it (a program that records nothing
//! never parses it), with its operations indexed by domain and id.

use servicetitan_api_model::{Model, Operation, Ty, TypeDef};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The model, and its operations by domain module and operation id.
#[derive(Debug)]
pub(crate) struct Index {
    model: Model,
    operations: HashMap<String, HashMap<String, (usize, usize)>>,
}

static INDEX: OnceLock<Option<Index>> = OnceLock::new();

/// The embedded model, parsed on first use; `None` if it does not read (then every value
/// is redacted as one the model does not describe).
pub(crate) fn index() -> Option<&'static Index> {
    INDEX
        .get_or_init(|| match Model::embedded() {
            Ok(model) => Some(Index::new(model)),
            Err(e) => {
                tracing::warn!(error = %e, "recordings redact every value: the API model does not read");
                None
            }
        })
        .as_ref()
}

impl Index {
    pub(crate) fn new(model: Model) -> Index {
        let mut operations: HashMap<String, HashMap<String, (usize, usize)>> = HashMap::new();
        for (d, domain) in model.domains.iter().enumerate() {
            let ops = operations.entry(domain.module.clone()).or_default();
            for (o, op) in domain.operations.iter().enumerate() {
                ops.insert(op.id.clone(), (d, o));
            }
        }
        Index { model, operations }
    }

    /// Operation `id` of domain `module`, if the model has it.
    pub(crate) fn operation(&self, module: &str, id: &str) -> Option<&Operation> {
        let (d, o) = *self.operations.get(module)?.get(id)?;
        self.model.domains.get(d)?.operations.get(o)
    }

    /// The named types, by key.
    pub(crate) fn types(&self) -> &BTreeMap<String, TypeDef> {
        &self.model.types
    }
}

/// The JSON type a successful answer of `op` carries, if it carries JSON.
pub(crate) fn answer_type(op: &Operation) -> Option<&Ty> {
    match &op.response {
        servicetitan_api_model::Response::Json(ty) => Some(ty),
        _ => None,
    }
}

/// The JSON type of `op`'s request body, if it takes JSON.
pub(crate) fn body_type(op: &Operation) -> Option<&Ty> {
    match &op.body {
        Some(servicetitan_api_model::Body::Json { json, .. }) => Some(json),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_model_is_indexed_by_domain_and_operation() {
        let index = index().expect("the embedded model reads");
        let op = index
            .operation("crm", "Customers_GetList")
            .expect("crm's customers list");
        assert_eq!(op.path, "/tenant/{tenant}/customers");
        assert!(matches!(answer_type(op), Some(Ty::Paged(_))));
        assert!(body_type(op).is_none());
        assert!(index.operation("jpm", "Customers_GetList").is_none());
        assert!(index.operation("", "Customers_GetNotesRaw").is_none());
        assert!(index.types().contains_key("crm.CustomerResponse"));
    }
}
