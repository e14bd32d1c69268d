//! The API model as data for the stand-in server (`mock/api.json`): every operation's
//! method, path, parameters, body, response, scopes and paging, and every type's shape,
//! so that `servicetitan-mock` validates requests and builds answers from the same model
//! that generates the client, with no document at run time.
//!
//! One JSON object, one line per type and per operation (diffs stay readable). Types are
//! keyed `module.Name` (`crm.Customer`, `common.ActiveRequestArg`); a type is written
//! `"i64"`, `{"vec": T}`, `{"ref": "crm.Customer"}` and so on ([`ty`]). `format` changes
//! when the shape does; the mock refuses a model of another format. An operation whose
//! document has a success-response example carries it, placeholders made real.

use crate::ir::*;
use serde_json::{json, Map, Value};

/// The format of the model this emitter writes (the mock checks it).
pub const FORMAT: u32 = 1;

/// Where the repository keeps the model, relative to its root.
pub const MOCK_MODEL_PATH: &str = "mock/api.json";

/// Success-response examples by (module, operation id).
pub type ResponseExamples = std::collections::BTreeMap<(String, String), Value>;

/// The model of `api` as the mock reads it; an operation with an entry in `examples`
/// carries it as `example`.
pub fn mock_model(api: &Api, examples: &ResponseExamples) -> Result<String, String> {
    let mut types: Vec<(String, Value)> = api
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
    types.sort_by(|a, b| a.0.cmp(&b.0));
    let line = |v: &Value| serde_json::to_string(v).map_err(|e| e.to_string());
    let mut out = format!(
        "{{\"format\":{FORMAT},\n\"generated_by\":\"cargo xtask generate; do not edit\",\n\"types\":{{\n"
    );
    for (i, (key, def)) in types.iter().enumerate() {
        let sep = if i + 1 < types.len() { "," } else { "" };
        out.push_str(&format!("{}:{}{sep}\n", line(&json!(key))?, line(def)?));
    }
    out.push_str("},\n\"domains\":[\n");
    for (i, d) in api.domains.iter().enumerate() {
        let head = json!({"module": d.module, "title": d.title, "prefix": d.prefix});
        let head = line(&head)?;
        out.push_str(&head[..head.len() - 1]);
        out.push_str(",\"operations\":[\n");
        let ops: Vec<&Operation> = d.operations().collect();
        for (j, o) in ops.iter().enumerate() {
            let sep = if j + 1 < ops.len() { "," } else { "" };
            let mut op = operation(o, &d.module);
            if let (Some(e), Value::Object(m)) =
                (examples.get(&(d.module.clone(), o.id.clone())), &mut op)
            {
                m.insert("example".into(), e.clone());
            }
            out.push_str(&format!("{}{sep}\n", line(&op)?));
        }
        let sep = if i + 1 < api.domains.len() { "," } else { "" };
        out.push_str(&format!("]}}{sep}\n"));
    }
    out.push_str("]}\n");
    Ok(out)
}

/// A type as data: primitives by name, the rest as one-key objects.
pub fn ty(t: &Ty, module: &str) -> Value {
    let one = |k: &str, i: &Ty| json!({ k: ty(i, module) });
    match t {
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::String => "string".into(),
        Ty::Decimal => "decimal".into(),
        Ty::DateTime => "datetime".into(),
        Ty::Date => "date".into(),
        Ty::TimeSpan => "timespan".into(),
        Ty::Uuid => "uuid".into(),
        Ty::Binary => "binary".into(),
        Ty::Json => "json".into(),
        Ty::ApiError => "apierror".into(),
        Ty::File => "file".into(),
        Ty::Named { name, common } => {
            let m = if *common { "common" } else { module };
            json!({ "ref": format!("{m}.{name}") })
        }
        Ty::Vec(i) => one("vec", i),
        Ty::Map(i) => one("map", i),
        Ty::Paged(i) => one("paged", i),
        Ty::Export(i) => one("export", i),
        Ty::DataResult(i) => one("data", i),
        Ty::Flags(i) => one("flags", i),
        Ty::Sort(i) => one("sort", i),
        Ty::IdList { item, max, .. } => json!({"ids": {"of": ty(item, module), "max": max}}),
    }
}

fn type_def(t: &TypeDef, module: &str) -> Value {
    let mut v = match &t.kind {
        TypeDefKind::Struct(fields) => {
            let fields: Vec<Value> = fields
                .iter()
                .map(|f| {
                    json!({"wire": f.wire, "ty": ty(&f.ty, module),
                           "required": f.required, "nullable": f.nullable})
                })
                .collect();
            json!({"kind": "struct", "fields": fields})
        }
        TypeDefKind::StringEnum { variants, flags } => {
            let values: Vec<&str> = variants.iter().map(|v| v.value.as_str()).collect();
            json!({"kind": "enum", "values": values, "flags": flags})
        }
        TypeDefKind::IntEnum(variants) => {
            let values: Vec<i64> = variants.iter().map(|v| v.value).collect();
            json!({"kind": "int_enum", "values": values})
        }
        TypeDefKind::Union(variants) => {
            let variants: Vec<Value> = variants.iter().map(|v| ty(&v.ty, module)).collect();
            json!({"kind": "union", "variants": variants})
        }
        TypeDefKind::Alias(t) => json!({"kind": "alias", "ty": ty(t, module)}),
    };
    if let (Some(item), Value::Object(m)) = (&t.page_item, &mut v) {
        m.insert("page_item".into(), ty(item, module));
        if t.labelled_rows.is_some() {
            m.insert("labelled_rows".into(), json!(true));
        }
    }
    v
}

fn param(p: &Param, place: &str, module: &str) -> Value {
    json!({"wire": p.wire, "in": place, "ty": ty(&p.ty, module), "required": p.required})
}

fn operation(o: &Operation, module: &str) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), o.id.clone().into());
    m.insert("method".into(), o.method.as_str().into());
    m.insert("path".into(), o.path.as_str().into());
    m.insert("scopes".into(), json!(o.scopes));
    let params: Vec<Value> = o
        .path_params
        .iter()
        .map(|p| param(p, "path", module))
        .chain(o.query.iter().map(|p| param(p, "query", module)))
        .collect();
    m.insert("params".into(), params.into());
    let body = match &o.body {
        None => Value::Null,
        Some(Body::Json { ty: t, required }) => {
            json!({"json": ty(t, module), "required": required})
        }
        Some(Body::Multipart(parts)) => {
            let parts: Vec<Value> = parts.iter().map(|p| param(p, "part", module)).collect();
            json!({ "multipart": parts })
        }
    };
    m.insert("body".into(), body);
    let response = match &o.response {
        Response::Json(t) => json!({ "json": ty(t, module) }),
        Response::Empty => "empty".into(),
        Response::Bytes => "bytes".into(),
        Response::Text => "text".into(),
        Response::Redirect => "redirect".into(),
    };
    m.insert("response".into(), response);
    let paging = match &o.paging {
        Some(Paging::Pages {
            at: PageAt::Query { param, .. },
            ..
        }) => json!({"pages": wire_of(o, param)}),
        Some(Paging::Pages {
            at:
                PageAt::Body {
                    wire_page,
                    wire_size,
                    ..
                },
            ..
        }) => json!({"body": {"page": wire_page, "size": wire_size}}),
        Some(Paging::Export { from, .. }) => json!({"export": wire_of(o, from)}),
        None => Value::Null,
    };
    m.insert("paging".into(), paging);
    if let Some(l) = o.limit {
        m.insert(
            "limit".into(),
            json!({"calls": l.calls, "seconds": l.seconds}),
        );
    }
    if o.maintenance_conflicts {
        m.insert("maintenance".into(), true.into());
    }
    Value::Object(m)
}

/// The wire name of the query parameter whose Rust name is `rust`.
fn wire_of(o: &Operation, rust: &str) -> String {
    o.query
        .iter()
        .find(|p| p.name == rust)
        .map_or_else(|| rust.to_string(), |p| p.wire.clone())
}
