//! Stage 2: normalise. OpenAPI 3.0 and 3.1 say "nullable" and "this is that other schema"
//! in different ways; this stage reads either into one canonical tree ([`Node`]) so that
//! everything after it is version-agnostic and the same schema gives the same Rust type
//! whichever version it came from.
//!
//! | meaning                | 3.0                                | 3.1                                   |
//! |------------------------|------------------------------------|---------------------------------------|
//! | nullable scalar        | `type: string, nullable: true`     | `type: [string, "null"]`              |
//! | nullable reference     | `oneOf: [{$ref}], nullable: true`  | `oneOf: [{$ref}, {type: "null"}]`     |
//! | documented reference   | `oneOf: [{$ref}], description`     | same                                  |

use crate::diag::{ptr, Diagnostic};
use serde_json::{Map, Value};
use std::path::Path;

/// One schema, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub nullable: bool,
    pub description: Option<String>,
    pub deprecated: bool,
    /// The resource whose id this integer or guid is, as a correction names it
    /// (`x-id-of: Employee`), for a field whose name does not say.
    pub id_of: Option<String>,
    /// Where it was read, for diagnostics.
    pub pointer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `#/components/schemas/<name>`
    Ref(String),
    Bool,
    Integer {
        format: Option<String>,
    },
    Number {
        format: Option<String>,
    },
    String {
        format: Option<String>,
    },
    Array(Box<Node>),
    Object(ObjectNode),
    StringEnum {
        values: Vec<String>,
        flags: bool,
    },
    IntEnum {
        values: Vec<i64>,
        names: Option<Vec<String>>,
    },
    /// `anyOf`/`oneOf` over several object schemas.
    Union(Vec<Node>),
    /// No constraint at all (`{}`), or a construct with no better mapping.
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectNode {
    pub properties: Vec<(String, Node)>,
    pub required: Vec<String>,
    /// `additionalProperties` when it is a schema (a map). `false`/absent is `None`.
    pub additional: Option<Box<Node>>,
}

pub const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// The extension a correction sets on an integer or guid schema to name the resource
/// whose id it holds (`x-id-of: Employee`): ARCHITECTURE.md, "Typed ids".
pub const ID_OF: &str = "x-id-of";

/// Reads the schema at `v` (found at `pointer` in `file`).
pub fn read(file: &Path, pointer: &str, v: &Value) -> Result<Node, Diagnostic> {
    let Some(obj) = v.as_object() else {
        if v.as_bool() == Some(true) {
            return Ok(node(NodeKind::Any, pointer));
        }
        return Err(Diagnostic::error(
            file,
            pointer,
            "a schema must be an object",
        ));
    };
    let description = obj
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|d| !d.trim().is_empty());
    let deprecated = obj
        .get("deprecated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut nullable = obj
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let mut n = if let Some(r) = obj.get("$ref") {
        read_ref(file, pointer, r)?
    } else if let Some(alts) = obj.get("oneOf").or_else(|| obj.get("anyOf")) {
        read_alternatives(file, pointer, obj, alts, &mut nullable)?
    } else if obj.contains_key("allOf") {
        return Err(Diagnostic::error(
            file,
            ptr(pointer, "allOf"),
            "`allOf` is not supported by this generator yet",
        ));
    } else {
        read_typed(file, pointer, obj, &mut nullable)?
    };
    n.nullable = nullable;
    n.description = description;
    n.deprecated = deprecated;
    n.id_of = obj
        .get(ID_OF)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or(n.id_of);
    Ok(n)
}

/// A `$ref` to a schema of the document.
fn read_ref(file: &Path, pointer: &str, r: &Value) -> Result<Node, Diagnostic> {
    let r = r
        .as_str()
        .ok_or_else(|| Diagnostic::error(file, ptr(pointer, "$ref"), "`$ref` must be a string"))?;
    let name = r.strip_prefix(SCHEMA_REF_PREFIX).ok_or_else(|| {
        Diagnostic::error(
            file,
            ptr(pointer, "$ref"),
            format!("unsupported reference `{r}`: only `{SCHEMA_REF_PREFIX}...` is supported"),
        )
    })?;
    Ok(node(NodeKind::Ref(crate::diag::unescape(name)), pointer))
}

/// `oneOf` or `anyOf`: a union of its members, a `null` member making it `nullable`; one
/// member left is that member.
fn read_alternatives(
    file: &Path,
    pointer: &str,
    obj: &serde_json::Map<String, Value>,
    alts: &Value,
    nullable: &mut bool,
) -> Result<Node, Diagnostic> {
    let key = if obj.contains_key("oneOf") {
        "oneOf"
    } else {
        "anyOf"
    };
    let alts = alts.as_array().ok_or_else(|| {
        Diagnostic::error(file, ptr(pointer, key), format!("`{key}` must be an array"))
    })?;
    let base = ptr(pointer, key);
    let mut members = Vec::new();
    for (i, a) in alts.iter().enumerate() {
        if is_null_schema(a) {
            *nullable = true;
            continue;
        }
        members.push(read(file, &ptr(&base, i), a)?);
    }
    Ok(match members.len() {
        0 => node(NodeKind::Any, pointer),
        1 => {
            let m = members.pop().expect("one member");
            *nullable |= m.nullable;
            Node {
                pointer: pointer.to_string(),
                ..m
            }
        }
        _ => node(NodeKind::Union(members), pointer),
    })
}

/// A schema by its `type` (and `enum`, `format`, `items`, `properties`).
fn read_typed(
    file: &Path,
    pointer: &str,
    obj: &serde_json::Map<String, Value>,
    nullable: &mut bool,
) -> Result<Node, Diagnostic> {
    let (ty, type_nullable) = read_type(file, pointer, obj.get("type"))?;
    *nullable |= type_nullable;
    let format = obj.get("format").and_then(Value::as_str).map(str::to_owned);
    Ok(if let Some(values) = obj.get("enum") {
        read_enum(file, pointer, obj, values, ty.as_deref())?
    } else {
        match ty.as_deref() {
            Some("boolean") => node(NodeKind::Bool, pointer),
            Some("integer") => node(NodeKind::Integer { format }, pointer),
            Some("number") => node(NodeKind::Number { format }, pointer),
            Some("string") => node(NodeKind::String { format }, pointer),
            Some("array") => {
                let items = match obj.get("items") {
                    Some(i) => read(file, &ptr(pointer, "items"), i)?,
                    None => node(NodeKind::Any, &ptr(pointer, "items")),
                };
                node(NodeKind::Array(Box::new(items)), pointer)
            }
            Some("object") => read_object(file, pointer, obj)?,
            None if obj.contains_key("properties") => read_object(file, pointer, obj)?,
            None => node(NodeKind::Any, pointer),
            Some(other) => {
                return Err(Diagnostic::error(
                    file,
                    ptr(pointer, "type"),
                    format!("unknown schema type `{other}`"),
                ));
            }
        }
    })
}

fn node(kind: NodeKind, pointer: &str) -> Node {
    Node {
        kind,
        nullable: false,
        description: None,
        deprecated: false,
        id_of: None,
        pointer: pointer.to_string(),
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
        && v.as_object().is_some_and(|o| !o.contains_key("$ref"))
}

/// `type` may be a string (3.0 and 3.1) or an array with `"null"` (3.1).
fn read_type(
    file: &Path,
    pointer: &str,
    t: Option<&Value>,
) -> Result<(Option<String>, bool), Diagnostic> {
    match t {
        None => Ok((None, false)),
        Some(Value::String(s)) if s == "null" => Ok((None, true)),
        Some(Value::String(s)) => Ok((Some(s.clone()), false)),
        Some(Value::Array(items)) => {
            let mut nullable = false;
            let mut types = Vec::new();
            for i in items {
                match i.as_str() {
                    Some("null") => nullable = true,
                    Some(s) => types.push(s.to_string()),
                    None => {
                        return Err(Diagnostic::error(
                            file,
                            ptr(pointer, "type"),
                            "`type` entries must be strings",
                        ))
                    }
                }
            }
            match types.len() {
                0 => Ok((None, nullable)),
                1 => Ok((types.pop(), nullable)),
                _ => Err(Diagnostic::error(
                    file,
                    ptr(pointer, "type"),
                    format!(
                        "a value of several types ({}) is not supported",
                        types.join(", ")
                    ),
                )),
            }
        }
        Some(_) => Err(Diagnostic::error(
            file,
            ptr(pointer, "type"),
            "`type` must be a string or an array of strings",
        )),
    }
}

fn read_object(file: &Path, pointer: &str, obj: &Map<String, Value>) -> Result<Node, Diagnostic> {
    let mut properties = Vec::new();
    if let Some(props) = obj.get("properties") {
        let props = props.as_object().ok_or_else(|| {
            Diagnostic::error(
                file,
                ptr(pointer, "properties"),
                "`properties` must be an object",
            )
        })?;
        let base = ptr(pointer, "properties");
        for (name, p) in props {
            properties.push((name.clone(), read(file, &ptr(&base, name), p)?));
        }
    }
    let required = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let additional = match obj.get("additionalProperties") {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(Box::new(node(
            NodeKind::Any,
            &ptr(pointer, "additionalProperties"),
        ))),
        Some(a) => Some(Box::new(read(
            file,
            &ptr(pointer, "additionalProperties"),
            a,
        )?)),
    };
    Ok(node(
        NodeKind::Object(ObjectNode {
            properties,
            required,
            additional,
        }),
        pointer,
    ))
}

fn read_enum(
    file: &Path,
    pointer: &str,
    obj: &Map<String, Value>,
    values: &Value,
    ty: Option<&str>,
) -> Result<Node, Diagnostic> {
    let values = values
        .as_array()
        .ok_or_else(|| Diagnostic::error(file, ptr(pointer, "enum"), "`enum` must be an array"))?;
    let names: Option<Vec<String>> = obj.get("x-enumNames").and_then(Value::as_array).map(|a| {
        a.iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect()
    });
    let flags = obj
        .get("x-enumFlags")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let is_int = ty == Some("integer") || (ty.is_none() && values.iter().all(Value::is_i64));
    if is_int {
        let mut ints = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v.as_i64() {
                Some(n) => ints.push(n),
                None if v.is_null() => {}
                None => {
                    return Err(Diagnostic::error(
                        file,
                        ptr(&ptr(pointer, "enum"), i),
                        "integer enum value is not an integer",
                    ));
                }
            }
        }
        let names = names.filter(|n| n.len() == ints.len());
        Ok(node(
            NodeKind::IntEnum {
                values: ints,
                names,
            },
            pointer,
        ))
    } else {
        let mut strs = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                Value::String(s) => strs.push(s.clone()),
                Value::Null => {}
                _ => {
                    return Err(Diagnostic::error(
                        file,
                        ptr(&ptr(pointer, "enum"), i),
                        "string enum value is not a string",
                    ))
                }
            }
        }
        Ok(node(
            NodeKind::StringEnum {
                values: strs,
                flags,
            },
            pointer,
        ))
    }
}
