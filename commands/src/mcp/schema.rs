//! JSON Schemas from the model: an operation's input (its parameters, its body, and
//! `confirm` where it writes), named types under `$defs`, with the documents' words as
//! descriptions.

use crate::ops::values;
use serde_json::{json, Map, Value};
use servicetitan_api_model::{Body, Model, Operation, Ty, TypeDef};
use std::collections::BTreeSet;

/// The input schema of operation `o`.
pub fn input(model: &Model, o: &Operation) -> Map<String, Value> {
    let mut props = Map::new();
    let mut required = Vec::new();
    let mut defs = BTreeSet::new();
    let parts = match &o.body {
        Some(Body::Multipart { multipart }) => multipart.as_slice(),
        _ => &[],
    };
    // Files are uploaded from the command line only: an assistant names no file.
    for p in o.params.iter().chain(parts).filter(|p| p.ty != Ty::File) {
        let key = argument_name(o, p);
        let mut s = ty(model, &p.ty, &mut defs);
        let mut words = p.doc.clone().unwrap_or_default();
        if let Some(r) = &p.refers_to {
            words = format!("{words} (the id of a {r})").trim().to_string();
        }
        describe(&mut s, &words);
        props.insert(key.clone(), s);
        if p.required {
            required.push(Value::String(key));
        }
    }
    if let Some(Body::Json { json, required: r }) = &o.body {
        let mut s = ty(model, json, &mut defs);
        describe(&mut s, "The request body.");
        props.insert("body".into(), s);
        if *r {
            required.push("body".into());
        }
    }
    if o.writes() {
        props.insert(
            "confirm".into(),
            json!({"type": "boolean", "description": "true sends the write; without it, the request is only shown (a dry run)"}),
        );
    }
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    out.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    out.insert("additionalProperties".into(), false.into());
    let defs = definitions(model, defs);
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs));
    }
    out
}

/// The argument's name: the parameter's wire name (`query_` before a query parameter named
/// like a path parameter of the same operation).
pub fn argument_name(o: &Operation, p: &servicetitan_api_model::Param) -> String {
    if crate::ops::command::param_id(o, p).starts_with("q:") {
        format!("query_{}", p.wire)
    } else {
        p.wire.clone()
    }
}

fn describe(s: &mut Value, words: &str) {
    if words.is_empty() {
        return;
    }
    if let Value::Object(m) = s {
        if m.contains_key("$ref") {
            // A sibling of `$ref` is ignored by older drafts: wrap it.
            let inner = std::mem::take(m);
            m.insert("allOf".into(), json!([Value::Object(inner)]));
        }
        m.insert("description".into(), words.into());
    }
}

/// The schema of a type; named types it reaches are added to `defs`.
pub fn ty(model: &Model, t: &Ty, defs: &mut BTreeSet<String>) -> Value {
    match t {
        Ty::Bool => json!({"type": "boolean"}),
        Ty::I32 => json!({"type": "integer", "format": "int32"}),
        Ty::I64 => json!({"type": "integer", "format": "int64"}),
        Ty::F64 => json!({"type": "number"}),
        Ty::Decimal => json!({"type": ["number", "string"], "description": "a decimal number"}),
        Ty::String => json!({"type": "string"}),
        Ty::DateTime => json!({"type": "string", "format": "date-time"}),
        Ty::Date => json!({"type": "string", "format": "date"}),
        Ty::TimeSpan => {
            json!({"type": "string", "pattern": "^-?(\\d+\\.)?\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d+)?)?$"})
        }
        Ty::Uuid => json!({"type": "string", "format": "uuid"}),
        Ty::Binary => json!({"type": "string", "contentEncoding": "base64"}),
        Ty::File => json!({"type": "string"}),
        Ty::Json | Ty::ApiError => json!({}),
        Ty::Vec(i) => json!({"type": "array", "items": ty(model, i, defs)}),
        Ty::Map(i) => json!({"type": "object", "additionalProperties": ty(model, i, defs)}),
        Ty::Paged(i) | Ty::Export(i) | Ty::Data(i) => {
            json!({"type": "object", "properties": {"data": {"type": "array", "items": ty(model, i, defs)}}})
        }
        Ty::Ids { of, max } => {
            let mut s = json!({"type": "array", "items": ty(model, of, defs), "minItems": 1});
            if let Some(m) = max {
                s["maxItems"] = (*m).into();
            }
            s
        }
        Ty::Sort(field) => match values::enum_values(model, field) {
            Some(v) => {
                let signed: Vec<String> = v
                    .iter()
                    .flat_map(|f| [format!("+{f}"), format!("-{f}")])
                    .collect();
                json!({"type": "string", "enum": signed})
            }
            None => json!({"type": "string", "pattern": "^[+-]"}),
        },
        Ty::Flags(inner) => {
            json!({"type": "string", "description": format!("comma-separated values, each {}", values::words(model, inner))})
        }
        Ty::Ref(key) => {
            if matches!(model.type_def(key), Some(TypeDef::Alias { .. })) {
                if let Some(TypeDef::Alias { ty: inner }) = model.type_def(key) {
                    return ty(model, inner, defs);
                }
            }
            defs.insert(key.clone());
            json!({"$ref": format!("#/$defs/{}", def_name(key))})
        }
    }
}

/// `crm.Customer` as a `$defs` key (`crm.Customer`: dots are allowed in JSON pointers).
fn def_name(key: &str) -> String {
    key.replace('/', "_")
}

/// The definitions of `keys` and of every type they reach.
fn definitions(model: &Model, mut keys: BTreeSet<String>) -> Map<String, Value> {
    let mut out = Map::new();
    while let Some(key) = keys.pop_first() {
        if out.contains_key(&def_name(&key)) {
            continue;
        }
        let mut reached = BTreeSet::new();
        let s = match model.type_def(&key) {
            Some(TypeDef::Struct { fields, .. }) => {
                let mut props = Map::new();
                let mut required = Vec::new();
                for f in fields {
                    let mut s = ty(model, &f.ty, &mut reached);
                    if f.nullable {
                        s = json!({"anyOf": [s, {"type": "null"}]});
                    }
                    let mut words = f.doc.clone().unwrap_or_default();
                    if let Some(r) = &f.refers_to {
                        words = format!("{words} (the id of a {r})").trim().to_string();
                    }
                    describe(&mut s, &words);
                    props.insert(f.wire.clone(), s);
                    if f.required {
                        required.push(Value::String(f.wire.clone()));
                    }
                }
                json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
            }
            Some(TypeDef::Enum { values, .. }) => json!({"type": "string", "enum": values}),
            Some(TypeDef::IntEnum { values }) => json!({"type": "integer", "enum": values}),
            Some(TypeDef::Union { variants }) => {
                let any: Vec<Value> = variants
                    .iter()
                    .map(|v| ty(model, v, &mut reached))
                    .collect();
                json!({"anyOf": any})
            }
            Some(TypeDef::Alias { ty: inner }) => ty(model, inner, &mut reached),
            None => json!({}),
        };
        out.insert(def_name(&key), s);
        for r in reached {
            if !out.contains_key(&def_name(&r)) {
                keys.insert(r);
            }
        }
    }
    out
}
