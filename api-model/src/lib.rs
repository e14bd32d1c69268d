//! The ServiceTitan API as data: every operation's method, path, parameters, body,
//! response, scopes and paging, its names in the generated client and the documents'
//! words for it (summaries, descriptions, the resource an id refers to), and every type's
//! shape. The generator (`servicetitan-codegen`) fills a [`Model`] from the model that
//! generates the client and writes it ([`Model::to_json`], `api-model/api.json`); the crate
//! embeds it ([`Model::embedded`]). The stand-in (`servicetitan-mock`) reads it to validate
//! requests and build answers, the `servicetitan` command to build a command and an MCP
//! tool per operation; both check values against it with [`check`]. One description of
//! the API for all of them: a change here changes each, and the file is checked fresh by
//! `cargo xtask generate --check`.
//!
//! The JSON is one object, one line per type and per operation, so that diffs stay
//! readable. Types are keyed `module.Name` (`crm.Customer`, `common.ActiveRequestArg`);
//! a [`Ty`] is written `"i64"`, `{"vec": T}`, `{"ref": "crm.Customer"}` and so on.

#![deny(missing_docs)]

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod check;
mod column;
mod lookup;
mod method;

pub use column::ColumnKind;
pub use lookup::{fields_of, kebab, API_JSON};
pub use method::Method;

/// A type, as the model writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Ty {
    Bool,
    I32,
    I64,
    F64,
    String,
    Decimal,
    DateTime,
    Date,
    /// A .NET time span (`"09:00"`).
    TimeSpan,
    Uuid,
    Binary,
    /// Any JSON value.
    Json,
    /// The API's error body.
    ApiError,
    /// A file part of a multipart body.
    File,
    /// A named type, by its key (`crm.Customer`).
    Ref(String),
    Vec(Box<Ty>),
    Map(Box<Ty>),
    /// A page of items (`{page, pageSize, hasMore, totalCount, data}`).
    Paged(Box<Ty>),
    /// An export batch (`{hasMore, continueFrom, data}`).
    Export(Box<Ty>),
    /// `{data: T}`.
    Data(Box<Ty>),
    /// `"A, B"` of an enum's values.
    Flags(Box<Ty>),
    /// `+Field` or `-Field`, the field one of the enum's values.
    Sort(Box<Ty>),
    /// Comma-separated ids of type `of`, at most `max` of them.
    Ids {
        of: Box<Ty>,
        max: Option<usize>,
    },
}

/// A named type's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeDef {
    /// An object.
    Struct {
        /// The schema's name in its document (`Crm.V2.CustomerResponse`), which drift
        /// notes name.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        schema: String,
        /// Its properties.
        fields: Vec<Field>,
        /// Set when the struct is a page of these items with more to it (reporting).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page_item: Option<Ty>,
        /// The page's rows are lists of values labelled by its `fields` (a report's).
        #[serde(default, skip_serializing_if = "is_false")]
        labelled_rows: bool,
    },
    /// A string enum (`flags`: its values combine, `"A, B"`).
    Enum {
        /// The values the document lists.
        values: Vec<String>,
        /// Whether values combine.
        flags: bool,
    },
    /// An integer enum.
    IntEnum {
        /// The values the document lists.
        values: Vec<i64>,
    },
    /// One of several shapes.
    Union {
        /// The shapes.
        variants: Vec<Ty>,
    },
    /// Another type under this name.
    Alias {
        /// The type.
        ty: Ty,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A property of an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Its JSON name.
    pub wire: String,
    /// Its type.
    pub ty: Ty,
    /// The document marks it required.
    pub required: bool,
    /// It may be null.
    pub nullable: bool,
    /// The document's description of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// The resource whose id it holds (`Customer`), or a list of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    /// A path placeholder.
    Path,
    /// The query string.
    Query,
    /// A part of a multipart body.
    Part,
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Its name on the wire.
    pub wire: String,
    /// Where it goes.
    #[serde(rename = "in")]
    pub place: Place,
    /// Its type.
    pub ty: Ty,
    /// Whether it must be given.
    pub required: bool,
    /// The document's description of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// The resource whose id it holds (`Customer`), or a list of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Body {
    /// JSON of this type.
    Json {
        /// The body's type.
        json: Ty,
        /// Whether it must be sent.
        required: bool,
    },
    /// `multipart/form-data`, one part per parameter.
    Multipart {
        /// The parts.
        multipart: Vec<Param>,
    },
}

/// What a successful answer carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    /// JSON of this type.
    Json(Ty),
    /// Nothing.
    Empty,
    /// Bytes (a download).
    Bytes,
    /// Text.
    Text,
    /// A redirect to the file (`Location`).
    Redirect,
}

/// How an operation's answers continue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paging {
    /// Pages, by this query parameter.
    Pages(String),
    /// Export batches, continued by this query parameter.
    Export(String),
    /// Pages numbered in the JSON body (a POST filter).
    Body {
        /// The JSON pointer of the page number in the body.
        page: String,
        /// The JSON pointer of the page size, when there is one.
        size: Option<String>,
    },
}

/// A limit of an operation's own: `calls` per `seconds`, per tenant and path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// Calls allowed in the period.
    pub calls: u32,
    /// The period.
    pub seconds: u64,
}

/// One operation of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The operation id (`Customers_GetList`).
    pub id: String,
    /// The generated client's accessor of its group (`customers`, as in
    /// `client.crm().customers().get_list()`).
    #[serde(default)]
    pub resource: String,
    /// The generated client's method (`get_list`).
    #[serde(default)]
    pub action: String,
    /// The document's one-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The document's description, when it says more than the summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The document marks it deprecated.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// `GET`, `POST`, ...
    pub method: Method,
    /// As the document writes it: `/tenant/{tenant}/customers/{id}`.
    pub path: String,
    /// The OAuth scopes it needs; `None` where the document declares none.
    pub scopes: Option<Vec<String>>,
    /// Path and query parameters.
    pub params: Vec<Param>,
    /// The request body.
    pub body: Option<Body>,
    /// What a success answers.
    pub response: Response,
    /// How its answers continue.
    pub paging: Option<Paging>,
    /// A limit of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    /// Every status the document declares an answer for (`200`, `4XX`, `default`), with
    /// the media types of its content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<(String, Vec<String>)>,
    /// The domain answers 409 "suspended for maintenance" at times (reporting).
    #[serde(default, skip_serializing_if = "is_false")]
    pub maintenance: bool,
    /// The document's example of the success response, placeholders made real.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    /// The domain's module: not written, filled by [`Model::from_json`].
    #[serde(skip)]
    pub module: String,
    /// The path's segments: not written, filled by [`Model::from_json`].
    #[serde(skip)]
    pub segments: Vec<Segment>,
}

/// A path segment of an operation's template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text as it is.
    Literal(String),
    /// `{tenant}`.
    Tenant,
    /// `{name}`: a path parameter.
    Param(String),
}

/// One required input of an operation.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A path parameter, a required query parameter or a required part.
    Param(&'a Param),
    /// The JSON body, of this type.
    Body(&'a Ty),
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

    /// The parameter named `wire`.
    pub fn param(&self, wire: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.wire == wire)
    }

    /// Whether the operation reads or changes one record of a collection: its path ends
    /// in a parameter (`/customers/{id}`).
    pub fn is_item(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Param(_)))
    }
}

/// One domain: its module, title, path prefix and operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    /// The Rust module (`crm`).
    pub module: String,
    /// The document's title.
    pub title: String,
    /// The cargo feature of the generated crate (`equipment-systems`).
    #[serde(default)]
    pub feature: String,
    /// What the domain covers, as its document says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `/crm/v2`.
    pub prefix: String,
    /// Its operations.
    pub operations: Vec<Operation>,
}

/// The whole API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Who wrote it.
    #[serde(default)]
    pub generated_by: String,
    /// Every named type, by key (`crm.Customer`).
    pub types: BTreeMap<String, TypeDef>,
    /// Every domain.
    pub domains: Vec<Domain>,
    /// The kinds of record with ids of their own, by name (`Customer`): what a
    /// [`Param::refers_to`] or [`Field::refers_to`] names.
    #[serde(default)]
    pub resources: BTreeMap<String, Resource>,
}

/// A kind of record with an id of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// The module of the domain whose paths address it.
    pub module: String,
    /// The path that reads one record, as documented (`/tenant/{tenant}/customers/{id}`).
    pub path: String,
}

impl Model {
    /// Reads a model, filling each operation's `module` and `segments`.
    pub fn from_json(text: &str) -> Result<Model, String> {
        let mut model: Model =
            serde_json::from_str(text).map_err(|e| format!("the API model does not read: {e}"))?;
        for d in &mut model.domains {
            for o in &mut d.operations {
                o.module = d.module.clone();
                o.segments = o
                    .path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some("tenant") => Segment::Tenant,
                            Some(p) => Segment::Param(p.to_string()),
                            None => Segment::Literal(s.to_string()),
                        },
                    )
                    .collect();
            }
        }
        Ok(model)
    }

    /// The model as JSON: one line per type and per operation.
    pub fn to_json(&self) -> Result<String, String> {
        fn line<T: Serialize + ?Sized>(v: &T) -> Result<String, String> {
            serde_json::to_string(v).map_err(|e| e.to_string())
        }
        let mut out = format!(
            "{{\"generated_by\":{},\n\"types\":{{\n",
            line(&self.generated_by)?
        );
        for (i, (key, def)) in self.types.iter().enumerate() {
            let sep = if i + 1 < self.types.len() { "," } else { "" };
            out.push_str(&format!("{}:{}{sep}\n", line(key)?, line(def)?));
        }
        out.push_str("},\n\"resources\":{\n");
        for (i, (name, r)) in self.resources.iter().enumerate() {
            let sep = if i + 1 < self.resources.len() {
                ","
            } else {
                ""
            };
            out.push_str(&format!("{}:{}{sep}\n", line(name)?, line(r)?));
        }
        out.push_str("},\n\"domains\":[\n");
        for (i, d) in self.domains.iter().enumerate() {
            #[derive(Serialize)]
            struct Head<'a> {
                module: &'a str,
                title: &'a str,
                feature: &'a str,
                #[serde(skip_serializing_if = "Option::is_none")]
                description: Option<&'a str>,
                prefix: &'a str,
            }
            let head = Head {
                module: &d.module,
                title: &d.title,
                feature: &d.feature,
                description: d.description.as_deref(),
                prefix: &d.prefix,
            };
            let head = line(&head)?;
            out.push_str(&format!(
                "{},\"operations\":[\n",
                head.strip_suffix('}').unwrap_or(&head)
            ));
            for (j, o) in d.operations.iter().enumerate() {
                let sep = if j + 1 < d.operations.len() { "," } else { "" };
                out.push_str(&format!("{}{sep}\n", line(o)?));
            }
            let sep = if i + 1 < self.domains.len() { "," } else { "" };
            out.push_str(&format!("]}}{sep}\n"));
        }
        out.push_str("]}\n");
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_reads_back_what_it_writes() {
        let op = Operation {
            id: "Customers_GetList".into(),
            resource: "customers".into(),
            action: "get_list".into(),
            summary: Some("Lists customers".into()),
            description: None,
            deprecated: false,
            method: Method::Get,
            path: "/tenant/{tenant}/customers/{id}".into(),
            scopes: Some(vec!["tn.crm.customers:r".into()]),
            params: vec![Param {
                wire: "id".into(),
                place: Place::Path,
                ty: Ty::I64,
                required: true,
                doc: Some("The customer's id".into()),
                refers_to: Some("Customer".into()),
            }],
            body: None,
            response: Response::Json(Ty::Paged(Box::new(Ty::Ref("crm.Customer".into())))),
            paging: Some(Paging::Body {
                page: "/pagination/page".into(),
                size: None,
            }),
            limit: Some(Limit {
                calls: 5,
                seconds: 60,
            }),
            answers: vec![("200".into(), vec!["application/json".into()])],
            maintenance: false,
            example: None,
            module: String::new(),
            segments: vec![],
        };
        let mut types = BTreeMap::new();
        types.insert(
            "crm.Customer".to_string(),
            TypeDef::Struct {
                schema: "Crm.V2.Customer".into(),
                fields: vec![Field {
                    wire: "ids".into(),
                    ty: Ty::Ids {
                        of: Box::new(Ty::I64),
                        max: Some(50),
                    },
                    required: false,
                    nullable: true,
                    doc: None,
                    refers_to: None,
                }],
                page_item: None,
                labelled_rows: false,
            },
        );
        let model = Model {
            generated_by: "test".into(),
            types,
            resources: BTreeMap::from([(
                "Customer".to_string(),
                Resource {
                    module: "crm".into(),
                    path: "/tenant/{tenant}/customers/{id}".into(),
                },
            )]),
            domains: vec![Domain {
                module: "crm".into(),
                title: "CRM".into(),
                feature: "crm".into(),
                description: Some("Customers".into()),
                prefix: "/crm/v2".into(),
                operations: vec![op],
            }],
        };
        let text = model.to_json().expect("writes");
        assert!(
            text.contains(r#""ty":{"ids":{"of":"i64","max":50}}"#),
            "{text}"
        );
        assert!(
            text.contains(r#""response":{"json":{"paged":{"ref":"crm.Customer"}}}"#),
            "{text}"
        );
        assert_eq!(text.lines().count(), 12, "{text}");
        let back = Model::from_json(&text).expect("reads");
        let o = &back.domains[0].operations[0];
        assert_eq!(o.module, "crm");
        assert!(o.is_item());
        let mut cleared = back.clone();
        cleared.domains[0].operations[0].module.clear();
        cleared.domains[0].operations[0].segments.clear();
        assert_eq!(cleared, model);
    }
}
