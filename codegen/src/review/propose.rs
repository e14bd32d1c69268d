//! Corrections proposed from drift notes files: what the runtime's drift observation noted in
//! real answers (a JSON-lines report, `servicetitan_runtime::drift`), turned into Overlay
//! actions on the documents, each with its evidence as its `description`:
//!
//! | noted | action |
//! |---|---|
//! | `unknown_field` | the property added to the schema, with the JSON type seen (and format, items) |
//! | `unexpected_null` | the property made `nullable` |
//! | `missing_required` | the property taken out of the schema's `required` |
//! | `unlisted_enum_value` | the value added to the property's enum (its own or the one it refers to) |
//!
//! Values that did not parse, statuses and media types are listed for a person to judge
//! (a wrong type may be the document's or the API's mistake); nothing is proposed for them.
//! One file per document, `<stem>.drift.yaml` beside the other corrections, merged with
//! what an earlier proposal wrote there.

use crate::input::load::Document;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One line of a drift notes file: the fields a proposal reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub domain: String,
    pub operation: String,
    pub schema: String,
    pub field: String,
    pub kind: String,
    pub detail: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
}

/// Reads a drift notes file's lines; the error names the line (from 1).
pub fn read_report(text: &str) -> Result<Vec<Note>, String> {
    let mut notes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {}: not JSON: {e}", i + 1))?;
        let text = |k: &str| -> Result<String, String> {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("line {}: `{k}` is missing or not text", i + 1))
        };
        notes.push(Note {
            domain: text("domain")?,
            operation: text("operation")?,
            schema: text("schema")?,
            field: text("field")?,
            kind: text("kind")?,
            detail: text("detail")?,
            count: v.get("count").and_then(Value::as_u64).unwrap_or(0),
            first_seen: text("first_seen")?,
            last_seen: text("last_seen")?,
        });
    }
    Ok(notes)
}

/// What a report proposes: an Overlay document per corrected document, and the notes no
/// action is proposed for, each as a line for a person to read.
#[derive(Debug, Default)]
pub struct Proposal {
    /// File name (`crm-v2.drift.yaml`) -> the Overlay document's actions.
    pub overlays: BTreeMap<String, Overlay>,
    pub not_proposed: Vec<String>,
}

/// One proposed Overlay document.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// The canonical file of the document it corrects.
    pub extends: String,
    pub domain: String,
    pub actions: Vec<Value>,
}

impl Overlay {
    /// The document as YAML, its actions merged after `earlier`'s (an earlier proposal's
    /// file, whose actions are kept; an action proposed again is not repeated).
    pub fn to_yaml(&self, earlier: Option<&str>) -> Result<String, String> {
        let mut actions: Vec<Value> = match earlier {
            Some(text) => {
                let v: Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
                v.get("actions")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        for a in &self.actions {
            let same = |b: &Value| b.get("target") == a.get("target") && same_edit(a, b);
            match actions.iter_mut().find(|b| same(b)) {
                // The newer evidence replaces the older.
                Some(b) => *b = a.clone(),
                None => actions.push(a.clone()),
            }
        }
        let doc = json!({
            "overlay": "1.0.0",
            "info": {
                "title": format!("Corrections of {} proposed from drift notes files", self.domain),
                "version": "1.0.0",
            },
            "extends": self.extends,
            "actions": actions,
        });
        let yaml = serde_norway::to_string(&doc).map_err(|e| e.to_string())?;
        Ok(format!(
            "# Proposed by `cargo xtask propose-corrections` from drift seen in real answers.\n\
             # Review each action (its description is the evidence) before committing.\n{yaml}"
        ))
    }
}

/// Whether two actions on one target make the same edit: the same removal, the same
/// value appended, or an update of the same properties.
fn same_edit(a: &Value, b: &Value) -> bool {
    let keys = |v: &Value| {
        v.get("update")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
    };
    a.get("remove") == b.get("remove")
        && match (keys(a), keys(b)) {
            (Some(x), Some(y)) => x == y,
            (None, None) => a.get("update") == b.get("update"),
            _ => false,
        }
}

/// Proposes corrections for `notes` against the (corrected) `documents`.
pub fn propose(documents: &[Document], notes: &[Note]) -> Proposal {
    let mut proposal = Proposal::default();
    for group in group(notes) {
        let first = group[0];
        let Some(doc) = documents.iter().find(|d| d.module() == first.domain) else {
            proposal.not_proposed.push(format!(
                "{}: no document of domain `{}`",
                line(first),
                first.domain
            ));
            continue;
        };
        match action(doc, &group) {
            Ok(action) => {
                let file = format!("{}.drift.yaml", stem(doc.canonical_file()));
                proposal
                    .overlays
                    .entry(file)
                    .or_insert_with(|| Overlay {
                        extends: doc.canonical_file().to_owned(),
                        domain: first.domain.clone(),
                        actions: Vec::new(),
                    })
                    .actions
                    .push(action);
            }
            Err(why) => proposal
                .not_proposed
                .push(format!("{}: {why}", line(first))),
        }
    }
    proposal
}

/// Notes of one place (schema, property, kind; an enum value or a property's JSON types
/// together), in report order.
fn group(notes: &[Note]) -> Vec<Vec<&Note>> {
    let mut groups: BTreeMap<(&str, &str, &str, &str, &str), Vec<&Note>> = BTreeMap::new();
    for n in notes {
        // A property's JSON types are proposed together (a string that is sometimes null).
        let detail = match n.kind.as_str() {
            "unknown_field" => "",
            _ => n.detail.as_str(),
        };
        groups
            .entry((&n.domain, &n.schema, &n.field, &n.kind, detail))
            .or_default()
            .push(n);
    }
    groups.into_values().collect()
}

fn line(n: &Note) -> String {
    format!(
        "{} {} {}.{} `{}`",
        n.kind, n.operation, n.schema, n.field, n.detail
    )
}

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map(|x| x.0).unwrap_or(file)
}

/// The Overlay action for one place's notes.
fn action(doc: &Document, notes: &[&Note]) -> Result<Value, String> {
    let n = notes[0];
    if n.schema.is_empty() {
        return Err("no schema to correct (a status, a media type, or a page's own field)".into());
    }
    let schema = schema_path(doc, &n.schema)?;
    let property = format!("{schema}.properties[{}]", quoted(&n.field));
    let reason = evidence(notes);
    Ok(match n.kind.as_str() {
        "unknown_field" => {
            let types: Vec<&str> = notes.iter().map(|n| n.detail.as_str()).collect();
            let mut new = property_schema(&types);
            new.insert(
                "description".into(),
                json!(format!("Seen in answers; {reason}")),
            );
            json!({
                "target": format!("{schema}.properties"),
                "description": format!("`{}` is in answers but not in the document: {reason}", n.field),
                "update": { n.field.as_str(): new },
            })
        }
        "unexpected_null" => json!({
            "target": property,
            "description": format!("`{}` is null in answers: {reason}", n.field),
            "update": { "nullable": true },
        }),
        "missing_required" => json!({
            "target": format!("{schema}.required[?@ == {}]", quoted(&n.field)),
            "description": format!("`{}` is absent from answers though required: {reason}", n.field),
            "remove": true,
        }),
        "unlisted_enum_value" => {
            let target = enum_path(doc, &schema, &n.field)?;
            let value = match n.detail.parse::<i64>() {
                Ok(i) if enum_is_integer(doc, &target) => json!(i),
                _ => json!(n.detail),
            };
            json!({
                "target": target,
                "description": format!("`{}` is a value of `{}` in answers: {reason}", n.detail, n.field),
                "update": value,
            })
        }
        other => {
            return Err(format!(
                "`{other}` is for a person to judge; nothing is proposed"
            ))
        }
    })
}

/// The evidence: operations, count, first and last seen.
fn evidence(notes: &[&Note]) -> String {
    let mut ops: Vec<&str> = notes.iter().map(|n| n.operation.as_str()).collect();
    ops.sort();
    ops.dedup();
    let count: u64 = notes.iter().map(|n| n.count).sum();
    let first = notes
        .iter()
        .map(|n| n.first_seen.as_str())
        .min()
        .unwrap_or("");
    let last = notes
        .iter()
        .map(|n| n.last_seen.as_str())
        .max()
        .unwrap_or("");
    format!(
        "seen {count} time(s) in {} between {first} and {last} (drift notes file)",
        ops.join(", ")
    )
}

/// The schema of a JSON type as drift notes write it (`string(date-time)`,
/// `array(object)`, `null`); several types (a value sometimes null) make one schema.
fn property_schema(types: &[&str]) -> Map<String, Value> {
    let nullable = types.contains(&"null");
    let seen: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
    let mut out = match widest(&seen) {
        Some(t) => json_type_schema(&t),
        None => Map::new(),
    };
    if nullable {
        out.insert("nullable".into(), json!(true));
    }
    out
}

/// The one JSON type every value seen fits, so that a proposal never makes decoding
/// stricter than the answers were: integer and number -> number; strings of different
/// formats (or none) -> a plain string; arrays by the widest of their items; types that
/// share nothing -> none (any JSON).
fn widest(types: &[&str]) -> Option<String> {
    let (first, rest) = types.split_first()?;
    let mut wide = first.to_string();
    for t in rest {
        wide = wider(&wide, t)?;
    }
    Some(wide)
}

fn wider(a: &str, b: &str) -> Option<String> {
    let base = |t: &str| {
        t.split_once('(')
            .map_or(t.to_owned(), |(b, _)| b.to_owned())
    };
    let inner = |t: &str| {
        t.split_once('(')
            .map(|(_, i)| i.trim_end_matches(')').to_owned())
    };
    Some(match (base(a).as_str(), base(b).as_str()) {
        _ if a == b => a.to_owned(),
        ("integer", "number") | ("number", "integer") => "number".into(),
        ("string", "string") => "string".into(),
        ("array", "array") => match (inner(a), inner(b)) {
            (Some(x), Some(y)) => format!("array({})", wider(&x, &y).unwrap_or_default()),
            (Some(x), None) | (None, Some(x)) => format!("array({x})"),
            (None, None) => "array".into(),
        },
        ("object", "object") => "object".into(),
        _ => return None,
    })
}

fn json_type_schema(t: &str) -> Map<String, Value> {
    let (base, inner) = match t.split_once('(') {
        Some((b, rest)) => (
            b,
            Some(rest.strip_suffix(')').unwrap_or(rest)).filter(|i| !i.is_empty()),
        ),
        None => (t, None),
    };
    let mut s = Map::new();
    s.insert("type".into(), json!(base));
    match (base, inner) {
        ("string", Some(format)) => {
            s.insert("format".into(), json!(format));
        }
        ("integer", _) => {
            s.insert("format".into(), json!("int64"));
        }
        ("number", _) => {
            s.insert("format".into(), json!("double"));
        }
        ("array", Some(items)) => {
            s.insert("items".into(), Value::Object(json_type_schema(items)));
        }
        ("array", None) => {
            s.insert("items".into(), json!({}));
        }
        _ => {}
    }
    s
}

/// The JSONPath of a schema by the name the generated model carries: a component's name,
/// or a JSON pointer for a schema written in place.
fn schema_path(doc: &Document, schema: &str) -> Result<String, String> {
    if let Some(pointer) = schema
        .strip_prefix('#')
        .or(Some(schema).filter(|s| s.starts_with('/')))
    {
        if doc.root.pointer(pointer).is_none() {
            return Err(format!("{} has nothing at {pointer}", doc.canonical_file()));
        }
        let parts: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|p| format!("[{}]", quoted(&crate::diag::unescape(p))))
            .collect();
        return Ok(format!("${}", parts.concat()));
    }
    if doc
        .root
        .pointer("/components/schemas")
        .and_then(|s| s.get(schema))
        .is_none()
    {
        return Err(format!("{} has no schema `{schema}`", doc.canonical_file()));
    }
    Ok(format!("$.components.schemas[{}]", quoted(schema)))
}

/// The JSONPath of the enum list a property's values come from: its own, its items', or
/// the schema it refers to.
fn enum_path(doc: &Document, schema: &str, field: &str) -> Result<String, String> {
    let mut path = format!("{schema}.properties[{}]", quoted(field));
    let mut node = resolve(doc, &path).ok_or_else(|| format!("`{field}` is not in the schema"))?;
    for _ in 0..8 {
        if node.get("enum").is_some() {
            return Ok(format!("{path}.enum"));
        }
        let reference = node
            .get("$ref")
            .or_else(|| first_of(node, "allOf"))
            .or_else(|| first_of(node, "oneOf"))
            .or_else(|| first_of(node, "anyOf"))
            .and_then(Value::as_str);
        if let Some(r) = reference.and_then(|r| r.strip_prefix("#/components/schemas/")) {
            path = format!("$.components.schemas[{}]", quoted(r));
        } else if let Some(items) = node.get("items") {
            path = format!("{path}.items");
            node = items;
            continue;
        } else {
            return Err(format!("`{field}` is not an enum"));
        }
        node = resolve(doc, &path).ok_or_else(|| format!("{path} is not in the document"))?;
    }
    Err(format!("`{field}` refers too deep"))
}

fn first_of<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    node.get(key)?
        .as_array()?
        .iter()
        .find_map(|m| m.get("$ref"))
}

fn enum_is_integer(doc: &Document, enum_target: &str) -> bool {
    resolve(doc, enum_target)
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .is_some_and(Value::is_i64)
}

/// The node at a JSONPath of the shapes this module writes.
fn resolve<'a>(doc: &'a Document, path: &str) -> Option<&'a Value> {
    let path = serde_json_path::JsonPath::parse(path).ok()?;
    path.query(&doc.root).exactly_one().ok()
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_seen_with_several_types_takes_one_they_all_fit() {
        let schema = |types: &[&str]| Value::Object(property_schema(types));
        assert_eq!(
            schema(&["integer", "number"]),
            json!({"type": "number", "format": "double"})
        );
        assert_eq!(
            schema(&["string(date-time)", "string"]),
            json!({"type": "string"})
        );
        assert_eq!(
            schema(&["string(date-time)", "null"]),
            json!({"type": "string", "format": "date-time", "nullable": true})
        );
        assert_eq!(
            schema(&["array(integer)", "array(number)"]),
            json!({"type": "array", "items": {"type": "number", "format": "double"}})
        );
        assert_eq!(schema(&["string", "integer"]), json!({}));
    }
}
