//! One document to one domain: title, prefix, what it covers, its types and operations,
//! and what the API documents about it only in prose.

use crate::diag::Diagnostic;
use crate::ir::*;
use serde_json::Value;
use std::collections::BTreeMap;

use super::types::DomainBuilder;

impl DomainBuilder<'_> {
    /// The domain of the builder's document, named `module`; `None` (with an error) when
    /// the document has no server URL.
    pub fn build_domain(&mut self, module: &str) -> Option<Domain> {
        let root = &self.doc.root;
        let file = &self.doc.path;
        let title = root
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or(module)
            .to_string();
        let Some(url) = root.pointer("/servers/0/url").and_then(Value::as_str) else {
            self.diags.push(Diagnostic::error(
                file,
                "/servers",
                "no `servers` URL: the path prefix of the domain (e.g. `/crm/v2`) comes from it",
            ));
            return None;
        };
        let prefix = crate::input::domains::server_path(url);
        for (schema, rust) in self.local_names() {
            self.schema_type(&schema, &rust);
        }
        let mut controllers = self.operations();
        for o in controllers.iter_mut().flat_map(|c| &mut c.operations) {
            o.limit = documented_limit(&o.id);
            o.maintenance_conflicts = answers_maintenance_conflicts(module);
        }
        let mut types = std::mem::take(&mut self.types);
        types.sort_by(|a, b| a.name.cmp(&b.name));
        Some(Domain {
            module: module.to_string(),
            feature: self
                .doc
                .domain
                .as_ref()
                .map_or_else(|| module.replace('_', "-"), |d| d.feature.clone()),
            title,
            description: root
                .pointer("/info/description")
                .and_then(Value::as_str)
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|d| !d.is_empty()),
            file: self.doc.canonical_file().to_string(),
            prefix,
            types,
            common_used: vec![],
            controllers,
            scope_titles: scope_titles(root),
        })
    }
}

/// Limits the API documents in prose, not in the OpenAPI documents, applied per tenant
/// and path: reporting allows 5 runs of the same report per minute.
fn documented_limit(operation_id: &str) -> Option<Limit> {
    match operation_id {
        "ReportCategoryReports_GetData" => Some(Limit {
            calls: 5,
            seconds: 60,
        }),
        _ => None,
    }
}

/// Domains that answer 409 "the service is suspended for maintenance" while briefly down
/// (the API's documentation says so of reporting; the documents do not).
fn answers_maintenance_conflicts(module: &str) -> bool {
    module == "reporting"
}

/// Labels of OAuth scopes from `components.securitySchemes.*.flows.*.scopes`.
fn scope_titles(root: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(schemes) = root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return out;
    };
    for scheme in schemes.values() {
        let Some(flows) = scheme.get("flows").and_then(Value::as_object) else {
            continue;
        };
        for flow in flows.values() {
            if let Some(scopes) = flow.get("scopes").and_then(Value::as_object) {
                for (k, v) in scopes {
                    out.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
                }
            }
        }
    }
    out
}
