//! Values checked against the model: JSON values against types (required fields, JSON
//! kinds, enums, formats, unknown fields where asked), and the texts of path and query
//! parameters against their types. Each problem names its place (`locations[0].address.zip`)
//! and says what the place takes; no problem quotes the value it refused, so that a
//! customer's data never lands in an error.
//!
//! The stand-in checks the requests it is sent with this, and the command line checks
//! flags and bodies before it sends them: one rule for both. What a date, a decimal or a
//! time span is, the caller says through [`Formats`] (both use the runtime's own parsers).

use crate::{Ty, TypeDef};
use serde_json::Value;
use std::collections::BTreeMap;

/// Problems found: (place, message).
pub type Problems = Vec<(String, String)>;

/// The formats whose syntax the checker leaves to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An exact decimal number, as a JSON number or a string.
    Decimal,
    /// A date and time.
    DateTime,
    /// A calendar date.
    Date,
    /// A .NET time span (`"09:00:00"`).
    TimeSpan,
    /// Base64 bytes.
    Binary,
}

/// Whether a JSON value is written in a format.
pub trait Formats {
    /// Whether `value` is a value of `format`.
    fn fits(&self, format: Format, value: &Value) -> bool;
}

/// Checks values against the types of one model.
#[derive(Clone, Copy)]
pub struct Checker<'a> {
    /// The model's named types.
    pub types: &'a BTreeMap<String, TypeDef>,
    /// What the formats are.
    pub formats: &'a dyn Formats,
    /// Whether a property an object's type does not list is a problem (the command line
    /// refuses one; the API, and so the stand-in, ignores it).
    pub unknown_fields: bool,
}

impl Checker<'_> {
    /// Checks a JSON `value` of type `ty` found at `at` (a field path such as `address.zip`).
    pub fn json(&self, ty: &Ty, value: &Value, at: &str, out: &mut Problems) {
        let mut bad = |what: &str| out.push((at.to_string(), format!("The value is not {what}.")));
        let format = |f: Format| value.is_string() && self.formats.fits(f, value);
        match ty {
            Ty::Bool if !value.is_boolean() => bad("a boolean"),
            Ty::I32 if value.as_i64().is_none_or(|n| i32::try_from(n).is_err()) => {
                bad("a 32-bit integer")
            }
            Ty::I64 if !value.is_i64() && !value.is_u64() => bad("an integer"),
            Ty::F64 if !value.is_number() => bad("a number"),
            Ty::String if !value.is_string() => bad("a string"),
            Ty::Decimal if !self.formats.fits(Format::Decimal, value) => bad("a decimal number"),
            Ty::DateTime if !format(Format::DateTime) => bad("a date-time"),
            Ty::Date if !format(Format::Date) => bad("a date"),
            Ty::TimeSpan if !format(Format::TimeSpan) => bad("a time span (hh:mm:ss)"),
            Ty::Uuid if !value.as_str().is_some_and(is_uuid) => bad("a UUID"),
            Ty::Binary if !self.formats.fits(Format::Binary, value) => bad("base64 bytes"),
            Ty::Vec(item) => match value.as_array() {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.json(item, v, &format!("{at}[{i}]"), out);
                    }
                }
                None => bad("an array"),
            },
            Ty::Map(item) => match value.as_object() {
                Some(m) => {
                    for (k, v) in m {
                        self.json(item, v, &join(at, k), out);
                    }
                }
                None => bad("an object"),
            },
            Ty::Flags(inner) => match value.as_str() {
                Some(text) => {
                    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        self.json(inner, &Value::String(part.into()), at, out);
                    }
                }
                None => bad("a comma-separated list of values"),
            },
            Ty::Sort(inner) => match value.as_str() {
                Some(text) => {
                    let field = text.strip_prefix(['+', '-']).unwrap_or(text).trim();
                    self.json(inner, &Value::String(field.into()), at, out);
                }
                None => bad("+Field or -Field"),
            },
            Ty::Paged(_) | Ty::Export(_) | Ty::Data(_) | Ty::ApiError if !value.is_object() => {
                bad("an object")
            }
            Ty::Ref(key) => self.named(key, value, at, out),
            _ => {}
        }
    }

    fn named(&self, key: &str, value: &Value, at: &str, out: &mut Problems) {
        let Some(def) = self.types.get(key) else {
            return;
        };
        match def {
            TypeDef::Struct { fields, .. } => self.object(key, fields, value, at, out),
            TypeDef::Enum { values, .. } => {
                let ok = value
                    .as_str()
                    .is_some_and(|s| values.iter().any(|v| v.eq_ignore_ascii_case(s)));
                if !ok {
                    out.push((at.to_string(), one_of(values)));
                }
            }
            TypeDef::IntEnum { values } => {
                if !value.as_i64().is_some_and(|n| values.contains(&n)) {
                    out.push((at.to_string(), one_of(values)));
                }
            }
            TypeDef::Union { variants } => {
                let fits = variants.iter().any(|v| {
                    let mut p = Problems::new();
                    self.json(v, value, at, &mut p);
                    p.is_empty()
                });
                if !fits {
                    out.push((at.to_string(), "The value fits none of the shapes.".into()));
                }
            }
            TypeDef::Alias { ty } => self.json(ty, value, at, out),
        }
    }

    fn object(
        &self,
        key: &str,
        fields: &[crate::Field],
        value: &Value,
        at: &str,
        out: &mut Problems,
    ) {
        let Some(object) = value.as_object() else {
            out.push((at.to_string(), "The value is not an object.".into()));
            return;
        };
        for f in fields {
            let here = join(at, &f.wire);
            match object.get(&f.wire) {
                None if f.required => {
                    out.push((here, format!("The {} field is required.", f.wire)))
                }
                Some(Value::Null) if f.required && !f.nullable => {
                    out.push((here, format!("The {} field is required.", f.wire)))
                }
                None | Some(Value::Null) => {}
                Some(v) => self.json(&f.ty, v, &here, out),
            }
        }
        if !self.unknown_fields {
            return;
        }
        for name in object.keys() {
            if !fields.iter().any(|f| &f.wire == name) {
                let known: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
                let name_of = key.rsplit('.').next().unwrap_or(key);
                out.push((
                    join(at, name),
                    format!("{name_of} has no such field; it has {}.", known.join(", ")),
                ));
            }
        }
    }

    /// Checks the text of a path or query parameter `name` of type `ty`.
    pub fn text(&self, ty: &Ty, text: &str, name: &str, out: &mut Problems) {
        let value = match ty {
            Ty::Bool => match text.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text.into()),
            },
            Ty::I32 | Ty::I64 | Ty::F64 => match text.parse::<serde_json::Number>() {
                Ok(n) => Value::Number(n),
                Err(_) => Value::String(text.into()),
            },
            Ty::Vec(item) => {
                for part in text.split(',') {
                    self.text(item, part, name, out);
                }
                return;
            }
            Ty::Ids { of, max } => {
                let parts: Vec<&str> = text.split(',').map(str::trim).collect();
                if let Some(max) = max.filter(|m| parts.len() > *m) {
                    out.push((
                        name.to_string(),
                        format!(
                            "The {name} field holds {} ids; at most {max} are allowed.",
                            parts.len()
                        ),
                    ));
                    return;
                }
                for part in parts {
                    self.text(of, part, name, out);
                }
                return;
            }
            // The API refuses an offset written out (`+00:00`); `Z`, or none, it takes.
            Ty::DateTime if has_offset(text) => {
                out.push((
                    name.to_string(),
                    format!("The value is not valid for {name}: write the time in UTC with `Z`."),
                ));
                return;
            }
            Ty::Ref(key) => match self.types.get(key) {
                Some(TypeDef::IntEnum { .. }) => match text.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => Value::String(text.into()),
                },
                // Object parameters are sent as `name.field=..`; their parts are not checked.
                Some(TypeDef::Struct { .. }) => return,
                _ => Value::String(text.into()),
            },
            _ => Value::String(text.into()),
        };
        self.json(ty, &value, name, out);
    }
}

fn one_of<T: std::fmt::Display>(values: &[T]) -> String {
    let list: Vec<String> = values.iter().map(T::to_string).collect();
    format!("The value is not one of {}.", list.join(", "))
}

/// A date-time with a numeric offset after the time (`...T10:00:00+00:00`, `-0500`).
fn has_offset(text: &str) -> bool {
    text.split_once('T')
        .is_some_and(|(_, time)| time.contains('+') || time.contains('-'))
}

/// Whether `s` is a UUID written with hyphens.
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn join(at: &str, field: &str) -> String {
    if at.is_empty() {
        field.to_string()
    } else {
        format!("{at}.{field}")
    }
}
