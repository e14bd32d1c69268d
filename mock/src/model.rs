//! The API as data: `api.json`, written by `cargo xtask generate` from the same model that
//! generates the client (`codegen/src/emit/mock_model.rs`), read once at start, and the
//! routing of a request path to its operation.

use serde::Deserialize;
use std::collections::HashMap;

/// The model format this crate reads (`codegen`'s `mock_model::FORMAT`).
const FORMAT: u32 = 1;

/// The model the crate was built with.
const API_JSON: &str = include_str!("../api.json");

/// A type, as the model writes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ty {
    Bool,
    I32,
    I64,
    F64,
    String,
    Decimal,
    DateTime,
    Date,
    TimeSpan,
    Uuid,
    Binary,
    Json,
    ApiError,
    File,
    Ref(String),
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Paged(Box<Ty>),
    Export(Box<Ty>),
    Data(Box<Ty>),
    Flags(Box<Ty>),
    /// `+Field` or `-Field`, the field one of the enum's values.
    Sort(Box<Ty>),
    /// Comma-separated ids of type `of`, at most `max` of them.
    Ids {
        of: Box<Ty>,
        max: Option<usize>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeDef {
    Struct {
        fields: Vec<Field>,
        /// Set when the struct is a page of these items with more to it (reporting).
        #[serde(default)]
        page_item: Option<Ty>,
        /// The page's rows are lists of values labelled by its `fields` (a report's).
        #[serde(default)]
        labelled_rows: bool,
    },
    Enum {
        values: Vec<String>,
        flags: bool,
    },
    IntEnum {
        values: Vec<i64>,
    },
    Union {
        variants: Vec<Ty>,
    },
    Alias {
        ty: Ty,
    },
}

#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    Path,
    Query,
    Part,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Param {
    pub wire: String,
    #[serde(rename = "in")]
    pub place: Place,
    pub ty: Ty,
    pub required: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Body {
    Json { json: Ty, required: bool },
    Multipart { multipart: Vec<Param> },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Json(Ty),
    Empty,
    Bytes,
    Text,
    Redirect,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paging {
    /// Pages, by this query parameter.
    Pages(String),
    /// Export batches, continued by this query parameter.
    Export(String),
    /// Pages numbered in the JSON body (a POST filter): the JSON pointers of the page
    /// number and of the page size in the body.
    Body { page: String, size: Option<String> },
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Limit {
    pub calls: u32,
    pub seconds: u64,
}

/// One operation of the API.
#[derive(Debug, Clone, Deserialize)]
pub struct Operation {
    pub id: String,
    pub method: String,
    /// As the document writes it: `/tenant/{tenant}/customers/{id}`.
    pub path: String,
    pub scopes: Option<Vec<String>>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub response: Response,
    pub paging: Option<Paging>,
    #[serde(default)]
    pub limit: Option<Limit>,
    /// The domain answers 409 "suspended for maintenance" at times (reporting).
    #[serde(default)]
    pub maintenance: bool,
    /// The document's example of the success response, placeholders made real.
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    /// Filled after reading: the domain's module and the parsed path.
    #[serde(skip)]
    pub module: String,
    #[serde(skip)]
    pub segments: Vec<Segment>,
}

impl Operation {
    /// The operation's arguments in the generated method's order: path parameters,
    /// required query parameters, then the JSON body or the required multipart parts.
    pub fn required_inputs(&self) -> Vec<Input<'_>> {
        let mut out: Vec<Input> = self
            .params
            .iter()
            .filter(|p| p.place == Place::Path)
            .chain(
                self.params
                    .iter()
                    .filter(|p| p.place == Place::Query && p.required),
            )
            .map(Input::Param)
            .collect();
        match &self.body {
            Some(Body::Json { json, .. }) => out.push(Input::Body(json)),
            Some(Body::Multipart { multipart }) => {
                out.extend(multipart.iter().filter(|p| p.required).map(Input::Param))
            }
            None => {}
        }
        out
    }

    pub fn param(&self, wire: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.wire == wire)
    }

    /// Whether the operation reads or changes one record of a collection: its path ends
    /// in a parameter (`/customers/{id}`).
    pub fn is_item(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Param(_)))
    }
}

/// One required input of an operation.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    Param(&'a Param),
    Body(&'a Ty),
}

/// A path segment of an operation's template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Tenant,
    Param(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Domain {
    pub module: String,
    pub title: String,
    /// `/crm/v2`.
    pub prefix: String,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Deserialize)]
struct File {
    format: u32,
    types: HashMap<String, TypeDef>,
    domains: Vec<Domain>,
}

/// The whole API, indexed for routing.
#[derive(Debug)]
pub struct Api {
    pub types: HashMap<String, TypeDef>,
    pub domains: Vec<Domain>,
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
        Api::parse(API_JSON)
    }

    /// Reads a model in the format `cargo xtask generate` writes.
    pub fn parse(text: &str) -> Result<Api, String> {
        let file: File =
            serde_json::from_str(text).map_err(|e| format!("the API model does not read: {e}"))?;
        if file.format != FORMAT {
            return Err(format!(
                "the API model is of format {}, this mock reads format {FORMAT}",
                file.format
            ));
        }
        let mut domains = file.domains;
        let mut by_id = HashMap::new();
        let mut prefixes = Vec::new();
        for (di, d) in domains.iter_mut().enumerate() {
            prefixes.push((split(&d.prefix), di));
            for (oi, o) in d.operations.iter_mut().enumerate() {
                o.module = d.module.clone();
                o.segments = split(&o.path)
                    .into_iter()
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some("tenant") => Segment::Tenant,
                            Some(p) => Segment::Param(p.to_string()),
                            None => Segment::Literal(s),
                        },
                    )
                    .collect();
                by_id.insert((d.module.clone(), o.id.clone()), (di, oi));
            }
        }
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        Ok(Api {
            types: file.types,
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
            if !o.method.eq_ignore_ascii_case(method) {
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
    fn a_model_of_another_format_is_refused() {
        let e = Api::parse(r#"{"format": 99, "types": {}, "domains": []}"#).unwrap_err();
        assert!(e.contains("format 99"), "{e}");
    }
}
