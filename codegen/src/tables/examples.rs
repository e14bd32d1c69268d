//! The documents' media-type examples, for the round-trip test: each example with the
//! operation and the part of it (request body, success response, an error status) whose
//! generated type must read it.
//!
//! The developer portal fills examples from the schema with placeholders: `"string"` for
//! every string whatever its format, `{}` for a reference wrapped in `oneOf` (enums,
//! mostly). Those placeholders are not valid values of the schema they stand in; the
//! project's correction `specs/example-placeholders.yaml` says which ones are replaced, by
//! what, and why ([`Placeholders`]). A placeholder is replaced only where the schema at
//! its position matches a rule; anything else is read as the document gives it.

use crate::diag::{ptr, Diagnostic};
use crate::input::load::{self, Document};
use crate::input::schema::{self, Node, NodeKind};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Where the repository keeps the generated type table of the round-trip test
/// (`emit::example_table`), relative to its root.
pub const TABLE_PATH: &str = "tests/tests/examples_round_trip/types.rs";

/// One example of a JSON media type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The generated crate's module of the document (`crm`).
    pub module: String,
    pub file: String,
    pub operation: String,
    /// `request`, `response` (any 2xx), or the status of an error response (`400`).
    pub part: String,
    /// Where the example is, as a JSON pointer into the document.
    pub pointer: String,
    /// The example, with placeholders replaced.
    pub value: Value,
    /// Where placeholders were replaced (JSON pointers into `value`) and by which rule.
    pub replaced: Vec<(String, usize)>,
}

/// An example on a media type that is not JSON (a download, plain text).
#[derive(Debug, Clone, PartialEq)]
pub struct OtherExample {
    pub file: String,
    pub operation: String,
    pub media_type: String,
    pub pointer: String,
    pub value: Value,
}

/// The placeholder rules of `specs/example-placeholders.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Placeholders {
    pub path: PathBuf,
    pub rules: Vec<Rule>,
}

/// One rule: an exact placeholder value, where it is replaced, and by what.
#[derive(Debug, Clone)]
pub struct Rule {
    pub placeholder: Value,
    pub applies: Applies,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub enum Applies {
    /// A string schema with one of these formats; the placeholder becomes `replacement`.
    Formats {
        formats: Vec<String>,
        replacement: Value,
    },
    /// An enum schema; the placeholder becomes the enum's first value.
    Enum,
}

impl Placeholders {
    /// Reads the rules (YAML or JSON).
    pub fn read(path: &Path) -> Result<Placeholders, Diagnostic> {
        let bytes = std::fs::read(path)
            .map_err(|e| Diagnostic::error(path, "", format!("cannot read: {e}")))?;
        let root = load::parse_value(path, &bytes)?;
        let err = |at: String, msg: &str| Diagnostic::error(path, at, msg.to_string());
        let list = root
            .get("placeholders")
            .and_then(Value::as_array)
            .ok_or_else(|| err("/placeholders".into(), "`placeholders` must be a list"))?;
        let mut rules = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let at = ptr("/placeholders", i);
            let placeholder = r
                .get("placeholder")
                .cloned()
                .ok_or_else(|| err(ptr(&at, "placeholder"), "a rule needs its `placeholder`"))?;
            let reason = r
                .get("reason")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| err(ptr(&at, "reason"), "every rule must say why in `reason`"))?
                .to_string();
            let is_enum = r.get("enum").and_then(Value::as_bool).unwrap_or(false);
            let applies = match (is_enum, r.get("formats"), r.get("replacement")) {
                (true, None, None) => Applies::Enum,
                (false, Some(f), Some(rep)) => Applies::Formats {
                    formats: f
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                    replacement: rep.clone(),
                },
                _ => {
                    return Err(err(
                        at,
                        "a rule is either `enum: true`, or `formats` with a `replacement`",
                    ))
                }
            };
            rules.push(Rule {
                placeholder,
                applies,
                reason,
            });
        }
        Ok(Placeholders {
            path: path.to_path_buf(),
            rules,
        })
    }
}

/// Every media-type example of a document (`example`, and each `examples.*.value`), in
/// document order, with placeholders replaced by `rules`. `module` is the module the
/// document generates.
pub fn collect(
    doc: &Document,
    module: &str,
    rules: &Placeholders,
) -> Result<(Vec<Example>, Vec<OtherExample>), Diagnostic> {
    let file = doc
        .path
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default()
        .to_string();
    let mut json = Vec::new();
    let mut other = Vec::new();
    let mut schemas = Components {
        doc,
        nodes: HashMap::new(),
    };
    let Some(paths) = doc.root.get("paths").and_then(Value::as_object) else {
        return Ok((json, other));
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let op_ptr = ptr(&ptr("/paths", path), method);
            let media = media_of(op, &op_ptr);
            for (part, at, ct, m) in media {
                let m_ptr = ptr(&at, ct);
                let found = examples_of(m, &m_ptr);
                if found.is_empty() {
                    continue;
                }
                if !load::is_json(ct) {
                    other.extend(found.into_iter().map(|(pointer, value)| OtherExample {
                        file: file.clone(),
                        operation: id.to_string(),
                        media_type: ct.clone(),
                        pointer,
                        value: value.clone(),
                    }));
                    continue;
                }
                let node = match m.get("schema") {
                    Some(s) => Some(schema::read(&doc.path, &ptr(&m_ptr, "schema"), s)?),
                    None => None,
                };
                for (pointer, value) in found {
                    let mut value = value.clone();
                    let mut replaced = Vec::new();
                    if let Some(n) = &node {
                        realise(&mut value, n, "", rules, &mut schemas, &mut replaced, 0)?;
                    }
                    json.push(Example {
                        module: module.to_string(),
                        file: file.clone(),
                        operation: id.to_string(),
                        part: part.to_string(),
                        pointer,
                        value,
                        replaced,
                    });
                }
            }
        }
    }
    Ok((json, other))
}

/// The media types of an operation's request body and responses: (`request`,
/// `response` for 2xx or the status code, pointer of the `content` object, media type,
/// media type object).
fn media_of<'a>(op: &'a Value, op_ptr: &str) -> Vec<(&'a str, String, &'a String, &'a Value)> {
    let mut media = Vec::new();
    if let Some(c) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        let at = ptr(&ptr(op_ptr, "requestBody"), "content");
        media.extend(c.iter().map(|(ct, m)| ("request", at.clone(), ct, m)));
    }
    if let Some(rs) = op.get("responses").and_then(Value::as_object) {
        for (code, r) in rs {
            let part = if code.starts_with('2') {
                "response"
            } else {
                code.as_str()
            };
            if let Some(c) = r.get("content").and_then(Value::as_object) {
                let at = ptr(&ptr(&ptr(op_ptr, "responses"), code), "content");
                media.extend(c.iter().map(|(ct, m)| (part, at.clone(), ct, m)));
            }
        }
    }
    media
}

/// A media type object's `example` and each `examples.*.value`, with their pointers.
fn examples_of<'a>(m: &'a Value, m_ptr: &str) -> Vec<(String, &'a Value)> {
    let mut found = Vec::new();
    if let Some(v) = m.get("example") {
        found.push((ptr(m_ptr, "example"), v));
    }
    if let Some(ex) = m.get("examples").and_then(Value::as_object) {
        for (name, e) in ex {
            if let Some(v) = e.get("value") {
                found.push((ptr(&ptr(&ptr(m_ptr, "examples"), name), "value"), v));
            }
        }
    }
    found
}

/// Component schemas, normalised on first use.
struct Components<'a> {
    doc: &'a Document,
    nodes: HashMap<String, Node>,
}

impl Components<'_> {
    fn get(&mut self, name: &str) -> Result<Option<Node>, Diagnostic> {
        if let Some(n) = self.nodes.get(name) {
            return Ok(Some(n.clone()));
        }
        let at = ptr("/components/schemas", name);
        let Some(v) = self.doc.root.pointer(&at) else {
            return Ok(None);
        };
        let n = schema::read(&self.doc.path, &at, v)?;
        self.nodes.insert(name.to_string(), n.clone());
        Ok(Some(n))
    }
}

/// Replaces the placeholders in `value` (at `at`) that `node` and a rule say are
/// placeholders. References are followed to a bounded depth (the one recursive schema
/// nests categories; examples never go deep).
fn realise(
    value: &mut Value,
    node: &Node,
    at: &str,
    rules: &Placeholders,
    schemas: &mut Components,
    replaced: &mut Vec<(String, usize)>,
    depth: usize,
) -> Result<(), Diagnostic> {
    if depth > 32 {
        return Ok(());
    }
    // Only a reference is resolved (a copy out of the cache); any other node is borrowed.
    let resolved;
    let node = match &node.kind {
        NodeKind::Ref(r) => match schemas.get(r)? {
            Some(n) => {
                resolved = n;
                &resolved
            }
            None => return Ok(()),
        },
        _ => node,
    };
    match (&node.kind, value) {
        (NodeKind::Ref(_), v) => realise(v, node, at, rules, schemas, replaced, depth + 1)?,
        (NodeKind::Array(items), Value::Array(list)) => {
            for (i, v) in list.iter_mut().enumerate() {
                realise(v, items, &ptr(at, i), rules, schemas, replaced, depth + 1)?;
            }
        }
        (NodeKind::Object(o), Value::Object(map)) => {
            for (k, v) in map.iter_mut() {
                let prop = o
                    .properties
                    .iter()
                    .find(|(name, _)| name == k)
                    .map(|(_, n)| n);
                if let Some(n) = prop.or(o.additional.as_deref()) {
                    realise(v, n, &ptr(at, k), rules, schemas, replaced, depth + 1)?;
                }
            }
        }
        (kind, v) => {
            for (i, rule) in rules.rules.iter().enumerate() {
                if *v != rule.placeholder {
                    continue;
                }
                let new = match (&rule.applies, kind) {
                    (
                        Applies::Formats {
                            formats,
                            replacement,
                        },
                        NodeKind::String { format },
                    ) => format
                        .as_deref()
                        .filter(|f| formats.iter().any(|x| x == f))
                        .map(|_| replacement.clone()),
                    (Applies::Enum, NodeKind::StringEnum { values, .. }) => {
                        values.first().cloned().map(Value::String)
                    }
                    (Applies::Enum, NodeKind::IntEnum { values, .. }) => {
                        values.first().copied().map(Value::from)
                    }
                    _ => None,
                };
                if let Some(new) = new {
                    *v = new;
                    replaced.push((at.to_string(), i));
                    break;
                }
            }
        }
    }
    Ok(())
}

/// How many replacements each rule made, by rule index.
pub fn replacement_counts(examples: &[Example]) -> BTreeMap<usize, usize> {
    let mut counts = BTreeMap::new();
    for e in examples {
        for (_, rule) in &e.replaced {
            *counts.entry(*rule).or_insert(0) += 1;
        }
    }
    counts
}
