//! The API as data: `servicetitan-api-model`'s embedded model, written by
//! `cargo xtask generate` from the same model that generates the client (the types below
//! are that crate's), read once at start, and the routing of a request path to its
//! operation.

pub use servicetitan_api_model::{
    Body, Domain, Field, Input, Limit, Method, Model, Operation, Paging, Param, Place, Response,
    Segment, Ty, TypeDef,
};
use std::collections::{BTreeMap, HashMap};

/// The whole API, indexed for routing.
#[derive(Debug)]
pub struct Api {
    pub types: BTreeMap<String, TypeDef>,
    pub domains: Vec<Domain>,
    /// The kinds of record with ids of their own (`Customer`, `Job`).
    pub resources: std::collections::BTreeSet<String>,
    /// Domain index by the prefix's segments (`["crm", "v2"]`), longest first.
    prefixes: Vec<(Vec<String>, usize)>,
    by_id: HashMap<(String, String), (usize, usize)>,
}

/// Where a request path leads.
#[derive(Debug)]
pub enum Route<'a> {
    /// The operation, and the values of its path placeholders (the tenant's as `tenant`).
    Found(&'a Operation, Vec<(String, String)>),
    /// The path is an operation's, the method is not.
    WrongMethod(Vec<&'a str>),
    NotFound,
}

impl Api {
    /// The model the crate was built with.
    pub fn embedded() -> Result<Api, String> {
        Api::parse(servicetitan_api_model::API_JSON)
    }

    /// Reads a model in the format `cargo xtask generate` writes.
    pub fn parse(text: &str) -> Result<Api, String> {
        let model = Model::from_json(text)?;
        let domains = model.domains;
        let mut by_id = HashMap::new();
        let mut prefixes = Vec::new();
        for (di, d) in domains.iter().enumerate() {
            prefixes.push((split(&d.prefix), di));
            for (oi, o) in d.operations.iter().enumerate() {
                by_id.insert((d.module.clone(), o.id.clone()), (di, oi));
            }
        }
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        Ok(Api {
            resources: model.resources.into_keys().collect(),
            types: model.types,
            domains,
            prefixes,
            by_id,
        })
    }

    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.domains.iter().flat_map(|d| &d.operations)
    }

    /// The operation `id` of domain `module`.
    pub fn operation(&self, module: &str, id: &str) -> Option<&Operation> {
        let (d, o) = self.by_id.get(&(module.to_string(), id.to_string()))?;
        Some(&self.domains[*d].operations[*o])
    }

    pub fn domain(&self, module: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.module == module)
    }

    pub fn type_def(&self, key: &str) -> Option<&TypeDef> {
        self.types.get(key)
    }

    /// The operation a request's method and path (without query) lead to. Of several
    /// templates that match, the one with the most literal segments wins
    /// (`/customers/export` before `/customers/{id}`).
    pub fn route(&self, method: &str, path: &str) -> Route<'_> {
        let parts = split(path);
        let Some((prefix_len, domain)) = self
            .prefixes
            .iter()
            .find(|(p, _)| parts.len() >= p.len() && parts[..p.len()] == p[..])
            .map(|(p, d)| (p.len(), &self.domains[*d]))
        else {
            return Route::NotFound;
        };
        let rest = &parts[prefix_len..];
        // (literal segments, operation, placeholder values) of the best match so far.
        type Match<'o> = (usize, &'o Operation, Vec<(String, String)>);
        let mut best: Option<Match> = None;
        let mut methods = Vec::new();
        for o in &domain.operations {
            let Some((literals, values)) = matches(&o.segments, rest) else {
                continue;
            };
            if !o.method.as_str().eq_ignore_ascii_case(method) {
                methods.push(o.method.as_str());
                continue;
            }
            if best.as_ref().is_none_or(|b| literals > b.0) {
                best = Some((literals, o, values));
            }
        }
        match best {
            Some((_, o, values)) => Route::Found(o, values),
            None if !methods.is_empty() => Route::WrongMethod(methods),
            None => Route::NotFound,
        }
    }
}

/// The segments of a path, percent-decoded.
fn split(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect()
}

/// `%2F` -> `/`; a `%` not followed by two hex digits stays as it is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `parts` fit `template`: the number of literal segments, and the placeholders'
/// values.
fn matches(template: &[Segment], parts: &[String]) -> Option<(usize, Vec<(String, String)>)> {
    if template.len() != parts.len() {
        return None;
    }
    let mut literals = 0;
    let mut values = Vec::new();
    for (t, p) in template.iter().zip(parts) {
        match t {
            Segment::Literal(l) if l.eq_ignore_ascii_case(p) => literals += 1,
            Segment::Literal(_) => return None,
            Segment::Tenant => values.push(("tenant".to_string(), p.clone())),
            Segment::Param(name) => values.push((name.clone(), p.clone())),
        }
    }
    Some((literals, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_model_reads_and_routes() {
        let api = Api::embedded().expect("model");
        assert_eq!(api.operations().count(), 559);
        match api.route("GET", "/crm/v2/tenant/42/customers/7") {
            Route::Found(o, values) => {
                assert_eq!(o.id, "Customers_Get");
                assert_eq!(
                    values,
                    [("tenant".into(), "42".into()), ("id".into(), "7".into())]
                );
            }
            other => panic!("{other:?}"),
        }
        match api.route("GET", "/crm/v2/tenant/42/export/customers") {
            Route::Found(o, _) => assert_eq!(o.id, "ExportCustomers_GetCustomers"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            api.route("PUT", "/crm/v2/tenant/42/customers"),
            Route::WrongMethod(_)
        ));
        assert!(matches!(
            api.route("GET", "/crm/v2/tenant/42/nothing"),
            Route::NotFound
        ));
        assert!(matches!(api.route("GET", "/nowhere"), Route::NotFound));
    }

    #[test]
    fn a_model_that_does_not_read_is_refused_saying_where() {
        let e = Api::parse(r#"{"types": {}, "domains": [{"module": 1}]}"#).unwrap_err();
        assert!(
            e.contains("the API model does not read") && e.contains("line 1"),
            "{e}"
        );
    }
}
