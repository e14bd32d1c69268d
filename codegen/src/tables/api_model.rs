//! The API model as data (`api-model/api.json`): every operation's method, path,
//! parameters, body, response, scopes and paging, its names in the generated client and
//! the documents' words for it, and every type's shape, so that `servicetitan-mock`
//! validates requests and builds answers, and the `servicetitan` command builds a command
//! and an MCP tool per operation, from the same model that generates the client, with no
//! document at run time.
//!
//! The format is the typed structures of `servicetitan-api-model`, which the stand-in
//! reads with the same crate: this file only fills them from `ir`. An operation whose
//! document has a success-response example carries it, placeholders made real.

use crate::ir::*;
use serde_json::Value;
use servicetitan_api_model as m;

/// Where the repository keeps the model, relative to its root.
pub const API_MODEL_PATH: &str = "api-model/api.json";

/// Success-response examples by (module, operation id).
pub type ResponseExamples = std::collections::BTreeMap<(String, String), Value>;

/// The model of `api` as the mock reads it; an operation with an entry in `examples`
/// carries it as `example`.
pub fn api_model(api: &Api, examples: &ResponseExamples) -> Result<String, String> {
    let mut types: std::collections::BTreeMap<String, m::TypeDef> = api
        .common
        .iter()
        .map(|t| (format!("common.{}", t.name), type_def(t, "common")))
        .collect();
    for d in &api.domains {
        types.extend(
            d.types
                .iter()
                .map(|t| (format!("{}.{}", d.module, t.name), type_def(t, &d.module))),
        );
    }
    let domains = api
        .domains
        .iter()
        .map(|d| m::Domain {
            module: d.module.clone(),
            title: d.title.clone(),
            feature: d.feature.clone(),
            description: d.description.clone(),
            prefix: d.prefix.clone(),
            operations: d
                .controllers
                .iter()
                .flat_map(|c| c.operations.iter().map(move |o| (c, o)))
                .map(|(c, o)| {
                    let example = examples.get(&(d.module.clone(), o.id.clone())).cloned();
                    let mut op = operation(o, &d.module, example);
                    op.resource = c.accessor.trim_start_matches("r#").to_string();
                    op
                })
                .collect(),
        })
        .collect();
    let resources = api
        .resources
        .iter()
        .map(|r| {
            let at = m::Resource {
                module: r.module.clone(),
                path: r.path.clone(),
            };
            (r.name.clone(), at)
        })
        .collect();
    m::Model {
        generated_by: "cargo xtask generate; do not edit".into(),
        types,
        domains,
        resources,
    }
    .to_json()
}

/// A type as the model writes it.
pub fn ty(t: &Ty, module: &str) -> m::Ty {
    let one = |i: &Ty| Box::new(ty(i, module));
    match t {
        Ty::Bool => m::Ty::Bool,
        Ty::I32 => m::Ty::I32,
        Ty::I64 => m::Ty::I64,
        Ty::F64 => m::Ty::F64,
        Ty::String => m::Ty::String,
        Ty::Decimal => m::Ty::Decimal,
        Ty::DateTime => m::Ty::DateTime,
        Ty::Date => m::Ty::Date,
        Ty::TimeSpan => m::Ty::TimeSpan,
        Ty::Uuid | Ty::Id { guid: true, .. } => m::Ty::Uuid,
        Ty::Id { guid: false, .. } => m::Ty::I64,
        Ty::Binary => m::Ty::Binary,
        Ty::Json => m::Ty::Json,
        Ty::ApiError => m::Ty::ApiError,
        Ty::File => m::Ty::File,
        Ty::Named { name, common } => {
            let owner = if *common { "common" } else { module };
            m::Ty::Ref(format!("{owner}.{name}"))
        }
        Ty::Vec(i) => m::Ty::Vec(one(i)),
        Ty::Map(i) => m::Ty::Map(one(i)),
        Ty::Paged(i) => m::Ty::Paged(one(i)),
        Ty::Export(i) => m::Ty::Export(one(i)),
        Ty::DataResult(i) => m::Ty::Data(one(i)),
        Ty::Flags(i) => m::Ty::Flags(one(i)),
        Ty::Sort(i) => m::Ty::Sort(one(i)),
        Ty::IdList { item, max, .. } => m::Ty::Ids {
            of: one(item),
            max: max.map(|n| n as usize),
        },
    }
}

fn type_def(t: &TypeDef, module: &str) -> m::TypeDef {
    match &t.kind {
        TypeDefKind::Struct(fields) => m::TypeDef::Struct {
            schema: t.schema.clone(),
            fields: fields
                .iter()
                .map(|f| m::Field {
                    wire: f.wire.clone(),
                    ty: ty(&f.ty, module),
                    required: f.required,
                    nullable: f.nullable,
                    doc: f.doc.clone(),
                    refers_to: refers_to(&f.ty),
                })
                .collect(),
            page_item: t.page_item.as_ref().map(|i| ty(i, module)),
            labelled_rows: t.page_item.is_some() && t.labelled_rows.is_some(),
        },
        TypeDefKind::StringEnum { variants, flags } => m::TypeDef::Enum {
            values: variants.iter().map(|v| v.value.clone()).collect(),
            flags: *flags,
        },
        TypeDefKind::IntEnum(variants) => m::TypeDef::IntEnum {
            values: variants.iter().map(|v| v.value).collect(),
        },
        TypeDefKind::Union(variants) => m::TypeDef::Union {
            variants: variants.iter().map(|v| ty(&v.ty, module)).collect(),
        },
        TypeDefKind::Alias(t) => m::TypeDef::Alias { ty: ty(t, module) },
    }
}

fn param(p: &Param, place: m::Place, module: &str) -> m::Param {
    m::Param {
        wire: p.wire.clone(),
        place,
        ty: ty(&p.ty, module),
        required: p.required,
        doc: p.doc.as_deref().map(document_words),
        refers_to: refers_to(&p.ty),
    }
}

/// A parameter's doc as the document writes it: without the paragraph the generator adds
/// for Rust users (`Typed: ...`, how the typed setter takes it).
fn document_words(doc: &str) -> String {
    doc.split("\n\nTyped: ").next().unwrap_or(doc).to_string()
}

/// The resource whose ids `t` holds, alone or in a list.
fn refers_to(t: &Ty) -> Option<String> {
    match t {
        Ty::Id { resource, .. } => Some(resource.clone()),
        Ty::Vec(i) | Ty::IdList { item: i, .. } => refers_to(i),
        _ => None,
    }
}

fn operation(o: &Operation, module: &str, example: Option<Value>) -> m::Operation {
    let params = o
        .path_params
        .iter()
        .map(|p| param(p, m::Place::Path, module))
        .chain(o.query.iter().map(|p| param(p, m::Place::Query, module)))
        .collect();
    let body = o.body.as_ref().map(|b| match b {
        Body::Json { ty: t, required } => m::Body::Json {
            json: ty(t, module),
            required: *required,
        },
        Body::Multipart(parts) => m::Body::Multipart {
            multipart: parts
                .iter()
                .map(|p| param(p, m::Place::Part, module))
                .collect(),
        },
    });
    let response = match &o.response {
        Response::Json(t) => m::Response::Json(ty(t, module)),
        Response::Empty => m::Response::Empty,
        Response::Bytes => m::Response::Bytes,
        Response::Text => m::Response::Text,
        Response::Redirect => m::Response::Redirect,
    };
    let paging = o.paging.as_ref().map(|p| match p {
        Paging::Pages {
            at: PageAt::Query { param, .. },
            ..
        } => m::Paging::Pages(wire_of(o, param)),
        Paging::Pages {
            at:
                PageAt::Body {
                    wire_page,
                    wire_size,
                    ..
                },
            ..
        } => m::Paging::Body {
            page: wire_page.clone(),
            size: wire_size.clone(),
        },
        Paging::Export { from, .. } => m::Paging::Export(wire_of(o, from)),
    });
    m::Operation {
        id: o.id.clone(),
        resource: String::new(),
        action: o.fn_name.trim_start_matches("r#").to_string(),
        summary: o.summary.clone(),
        description: o
            .description
            .clone()
            .filter(|d| Some(d) != o.summary.as_ref()),
        deprecated: o.deprecated,
        method: o.method,
        path: o.path.as_str().into(),
        scopes: o.scopes.clone(),
        params,
        body,
        response,
        paging,
        limit: o.limit.map(|l| m::Limit {
            calls: l.calls,
            seconds: l.seconds,
        }),
        answers: o.answers.clone(),
        maintenance: o.maintenance_conflicts,
        example,
        module: String::new(),
        segments: Vec::new(),
    }
}

/// The wire name of the query parameter whose Rust name is `rust`.
fn wire_of(o: &Operation, rust: &str) -> String {
    o.query
        .iter()
        .find(|p| p.name == rust)
        .map_or_else(|| rust.to_string(), |p| p.wire.clone())
}
