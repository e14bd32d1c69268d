//! One call of an operation, as the command line or an MCP client gave it: path values,
//! query pairs, parts and body, already checked against the model; and the runtime's
//! request for it.

use super::command::param_id;
use crate::exit::Failure;
use serde_json::Value;
use servicetitan_api_model::{Body, Domain, Model, Operation, Param, Place, Ty};
use servicetitan_runtime::{self as rt, FilePart, PathSegment};
use std::path::PathBuf;

/// A multipart part's value.
#[derive(Debug, Clone)]
pub enum Part {
    /// Text.
    Text(String),
    /// A file, by its path.
    File(PathBuf),
}

/// One call of an operation.
#[derive(Debug, Clone)]
pub struct Call {
    pub domain: &'static Domain,
    pub op: &'static Operation,
    /// Path parameters: (wire name, value).
    pub path: Vec<(String, String)>,
    /// Query pairs, as sent.
    pub query: Vec<(String, String)>,
    /// Multipart parts.
    pub parts: Vec<(String, Part)>,
    /// The JSON body.
    pub body: Option<Value>,
}

impl Call {
    /// A call with nothing set yet.
    pub fn new(domain: &'static Domain, op: &'static Operation) -> Call {
        Call {
            domain,
            op,
            path: Vec::new(),
            query: Vec::new(),
            parts: Vec::new(),
            body: None,
        }
    }

    /// Sets parameter `p` from texts already checked (one, or several for a list), as
    /// the runtime writes generated code's: a list repeats the name (`ids=1&ids=2`, a
    /// list of numbers or enum values also from `1,2`), a list of objects is written
    /// `name[0].field=value`, a map `name[key]=value`, an id list comma-separated.
    pub fn set(&mut self, model: &Model, p: &Param, texts: Vec<String>) {
        let texts: Vec<String> = texts
            .iter()
            .map(|t| super::values::canonical(model, &p.ty, t))
            .collect();
        match p.place {
            Place::Path => {
                if let Some(t) = texts.into_iter().next() {
                    self.path.push((p.wire.clone(), t));
                }
            }
            Place::Query => {
                let pairs = query_pairs(model, p, texts);
                self.query.extend(pairs);
            }
            Place::Part => {
                for t in texts {
                    let part = match p.ty {
                        Ty::File => Part::File(PathBuf::from(t)),
                        _ => Part::Text(t),
                    };
                    self.parts.push((p.wire.clone(), part));
                }
            }
        }
    }

    /// Sets query parameter `name` to one value, replacing any it had.
    pub fn set_query(&mut self, name: &str, value: String) {
        self.query.retain(|(k, _)| k != name);
        self.query.push((name.to_string(), value));
    }

    /// The query value of `name`, when set.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path under the API's root, values filled in and encoded.
    pub fn path(&self, tenant: i64) -> String {
        let mut path = format!("{}{}", self.domain.prefix, self.op.path)
            .replace("{tenant}", &PathSegment(&tenant).to_string());
        for (name, value) in &self.path {
            path = path.replace(&format!("{{{name}}}"), &PathSegment(value).to_string());
        }
        path
    }

    /// The runtime's request for this call's path and query, to `tenant`: what it is sent
    /// to (without body or parts).
    pub fn addressed(&self, tenant: i64) -> Result<rt::Request, Failure> {
        let op = crate::api::runtime_operation(self.domain, self.op).map_err(Failure::Failed)?;
        let mut req = rt::Request::new(op, self.path(tenant));
        for (k, v) in &self.query {
            req.query(k, v.as_str());
        }
        Ok(req)
    }

    /// The runtime's request for this call, to `tenant`.
    pub fn request(&self, tenant: i64) -> Result<rt::Request, Failure> {
        let mut req = self.addressed(tenant)?;
        if let Some(body) = &self.body {
            req.json(body);
        }
        for (name, part) in &self.parts {
            match part {
                Part::Text(t) => req.text_part(name, t.as_str()),
                Part::File(path) => {
                    let bytes = std::fs::read(path)
                        .map_err(|e| Failure::Usage(format!("--{name} {}: {e}", path.display())))?;
                    let file_name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| name.clone());
                    req.file_part(name, &FilePart::new(file_name, bytes));
                }
            }
        }
        Ok(req)
    }

    /// The ids the call names: its path parameters (an audit line's `ids`).
    pub fn ids(&self) -> serde_json::Map<String, Value> {
        self.path
            .iter()
            .map(|(k, v)| {
                let value = v
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| v.clone().into());
                (k.clone(), value)
            })
            .collect()
    }
}

/// A query parameter's pairs, from its texts.
fn query_pairs(model: &Model, p: &Param, texts: Vec<String>) -> Vec<(String, String)> {
    let wire = &p.wire;
    let mut out = Vec::new();
    match &p.ty {
        Ty::Map(_) => {
            for t in texts {
                if let Some((k, v)) = t.split_once('=') {
                    out.push((format!("{wire}[{k}]"), v.to_string()));
                }
            }
        }
        Ty::Vec(item) if model.fields(item).is_some() => {
            let objects = texts
                .iter()
                .filter_map(|t| serde_json::from_str::<Value>(t).ok());
            for (i, object) in objects.enumerate() {
                for (k, v) in object.as_object().into_iter().flatten() {
                    let text = match v {
                        Value::Null => continue,
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    out.push((format!("{wire}[{i}].{k}"), text));
                }
            }
        }
        Ty::Vec(item) if !matches!(item.as_ref(), Ty::String) => {
            for t in texts {
                out.extend(t.split(',').map(|x| (wire.clone(), x.trim().to_string())));
            }
        }
        Ty::Ids { .. } => {
            for t in texts {
                let ids: Vec<&str> = t.split(',').map(str::trim).collect();
                out.push((wire.clone(), ids.join(",")));
            }
        }
        _ => out.extend(texts.into_iter().map(|t| (wire.clone(), t))),
    }
    out
}

/// Reads a call from the command's matches (every flag already checked by clap).
pub fn from_matches(
    model: &'static Model,
    domain: &'static Domain,
    op: &'static Operation,
    m: &clap::ArgMatches,
) -> Result<Call, Failure> {
    let mut call = Call::new(domain, op);
    let parts: &[Param] = match &op.body {
        Some(Body::Multipart { multipart }) => multipart,
        _ => &[],
    };
    for p in op.params.iter().chain(parts) {
        let texts: Vec<String> = m
            .get_many::<String>(&param_id(op, p))
            .map(|v| v.cloned().collect())
            .unwrap_or_default();
        if !texts.is_empty() {
            call.set(model, p, texts);
        }
    }
    if let Some(Body::Json { json, required }) = &op.body {
        let file = m.get_one::<String>("body").map(String::as_str);
        let sets: Vec<String> = m
            .get_many::<String>("set")
            .map(|v| v.cloned().collect())
            .unwrap_or_default();
        if file.is_some() || !sets.is_empty() || *required {
            let body = super::body::build(model, json, file, &sets).map_err(Failure::Usage)?;
            call.body = Some(body);
        }
    }
    Ok(call)
}
