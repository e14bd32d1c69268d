//! A JSON value redacted alongside its type in the model. What the documents type as a
//! number, a boolean, a date, a date-time, a time span, a uuid, an id or a value of an enum
//! they list is kept (where the value is one), and so is the JSON's structure; every
//! other string is replaced: free text (`string`), a value that is not of its declared
//! type, a free-form map's keys, anything under a property the model does not describe
//! (there numbers become 0 too). The names a program gives come first: a property it
//! allows is kept as it came, one it redacts is redacted whatever its type.

use serde_json::{Map, Value};
use servicetitan_api_model::check::Checker;
use servicetitan_api_model::{Field, Ty, TypeDef};
use std::collections::BTreeMap;

/// What a redacted string becomes (a string whose shape shows a date, a date-time or a
/// uuid, where the model does not say, becomes a fixed value of that format instead).
pub const REDACTED: &str = "[redacted]";

/// The names a program gave: properties and query parameters kept as they came, and
/// those always redacted. Lowercase, sorted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    allow: Vec<String>,
    redact: Vec<String>,
}

impl Names {
    pub(super) fn new(allow: &[String], redact: &[String]) -> Names {
        let lower = |names: &[String]| {
            let mut v: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
            v.sort();
            v.dedup();
            v
        };
        Names {
            allow: lower(allow),
            redact: lower(redact),
        }
    }

    /// Whether the program asked to keep `name` (and did not also ask to redact it).
    pub(super) fn allows(&self, name: &str) -> bool {
        !self.redacts(name) && has(&self.allow, name)
    }

    /// Whether the program asked to redact `name`.
    pub(super) fn redacts(&self, name: &str) -> bool {
        has(&self.redact, name)
    }
}

fn has(sorted: &[String], name: &str) -> bool {
    !sorted.is_empty() && sorted.binary_search(&name.to_ascii_lowercase()).is_ok()
}

/// A walk of one value alongside its type.
pub(super) struct Walk<'a> {
    pub types: &'a BTreeMap<String, TypeDef>,
    pub names: &'a Names,
}

/// What the model says a property holds.
#[derive(Clone, Copy)]
enum Slot<'t> {
    /// A value of this type.
    Ty(&'t Ty),
    /// A list of values of this type (a page's items).
    Items(&'t Ty),
    /// The id of a record (the field refers to one), of this type.
    Id(&'t Ty),
    /// A labelled page's columns, of this type: their names and labels are kept (a
    /// report's definition, not a record's), so that a replayed row is read by name.
    Labels(&'t Ty),
    /// The API's own token (an export's position, an error's kind or trace id).
    Token,
    /// An error's messages by field: the field names kept, the messages replaced.
    Messages,
    /// Nothing: a property the model does not describe.
    Undescribed,
}

impl Walk<'_> {
    /// `v`, a value of `ty`, redacted.
    pub(super) fn typed(&self, ty: &Ty, v: &mut Value) {
        if v.is_null() {
            return;
        }
        match ty {
            Ty::Vec(item) => self.items(item, v),
            Ty::Map(item) => match v {
                Value::Object(m) => map(m, |child| self.typed(item, child)),
                _ => self.mismatch(v),
            },
            Ty::Paged(item) => self.wrapper(
                v,
                &[
                    ("page", Slot::Ty(&Ty::I32)),
                    ("pageSize", Slot::Ty(&Ty::I32)),
                    ("hasMore", Slot::Ty(&Ty::Bool)),
                    ("totalCount", Slot::Ty(&Ty::I64)),
                    ("data", Slot::Items(item)),
                ],
            ),
            Ty::Export(item) => self.wrapper(
                v,
                &[
                    ("hasMore", Slot::Ty(&Ty::Bool)),
                    ("continueFrom", Slot::Token),
                    ("data", Slot::Items(item)),
                ],
            ),
            Ty::Data(inner) => self.wrapper(v, &[("data", Slot::Ty(inner))]),
            Ty::ApiError => self.wrapper(
                v,
                &[
                    ("type", Slot::Token),
                    ("title", Slot::Ty(&Ty::String)),
                    ("status", Slot::Ty(&Ty::I32)),
                    ("traceId", Slot::Token),
                    ("errors", Slot::Messages),
                    ("data", Slot::Ty(&Ty::Json)),
                ],
            ),
            Ty::Ref(key) => self.named(key, v),
            Ty::Json => self.free_form(v),
            Ty::String | Ty::File => self.text(v),
            Ty::Binary => match v {
                // A file's bytes: none kept, still base64.
                Value::String(s) => s.clear(),
                _ => self.mismatch(v),
            },
            _ if self.fits(ty, v, false) => {}
            _ => self.mismatch(v),
        }
    }

    /// A value the model does not describe: every string replaced (by a fixed value of
    /// its format where its shape shows a date, a date-time or a uuid), every number 0;
    /// property names kept, and the names a program gave applied to them.
    pub(super) fn undescribed(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = shaped(s),
            Value::Number(n) => *n = zero(n),
            Value::Array(items) => items.iter_mut().for_each(|i| self.undescribed(i)),
            Value::Object(m) => {
                for (k, child) in m.iter_mut() {
                    self.property(k, Slot::Undescribed, child);
                }
            }
            Value::Bool(_) | Value::Null => {}
        }
    }

    fn property(&self, name: &str, slot: Slot, v: &mut Value) {
        if self.names.redacts(name) {
            return redact_all(v);
        }
        if self.names.allows(name) || v.is_null() {
            return;
        }
        match slot {
            Slot::Ty(ty) => self.typed(ty, v),
            Slot::Items(item) => self.items(item, v),
            Slot::Id(ty) => self.id(ty, v),
            Slot::Labels(ty) => {
                let sent = v.clone();
                self.typed(ty, v);
                if let (Value::Array(now), Value::Array(sent)) = (v, &sent) {
                    for (now, sent) in now.iter_mut().zip(sent) {
                        for key in ["name", "label"] {
                            if let (Some(n), Some(s @ Value::String(_))) =
                                (now.get_mut(key), sent.get(key))
                            {
                                *n = s.clone();
                            }
                        }
                    }
                }
            }
            Slot::Token => match v {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {}
                _ => self.undescribed(v),
            },
            Slot::Messages => match v {
                Value::Object(by_field) => by_field.values_mut().for_each(|m| match m {
                    Value::Array(messages) => messages.iter_mut().for_each(|m| self.text(m)),
                    other => self.text(other),
                }),
                _ => self.mismatch(v),
            },
            Slot::Undescribed => self.undescribed(v),
        }
    }

    fn items(&self, item: &Ty, v: &mut Value) {
        match v {
            Value::Array(items) => items.iter_mut().for_each(|i| self.typed(item, i)),
            _ => self.mismatch(v),
        }
    }

    /// An id: its text kept where the type is text (a guid, a code), lists of them too.
    fn id(&self, ty: &Ty, v: &mut Value) {
        match (ty, v) {
            (Ty::Vec(item) | Ty::Ids { of: item, .. }, Value::Array(items)) => {
                items.iter_mut().for_each(|i| self.id(item, i))
            }
            (Ty::String | Ty::Uuid | Ty::Ids { .. }, Value::String(_)) => {}
            (ty, v) => self.typed(ty, v),
        }
    }

    /// An object of fixed properties (a page, an export batch, an error).
    fn wrapper(&self, v: &mut Value, slots: &[(&str, Slot)]) {
        let Value::Object(m) = v else {
            return self.mismatch(v);
        };
        for (k, child) in m.iter_mut() {
            let slot = slots.iter().find(|(n, _)| n == k).map(|(_, s)| *s);
            self.property(k, slot.unwrap_or(Slot::Undescribed), child);
        }
    }

    fn named(&self, key: &str, v: &mut Value) {
        let Some(def) = self.types.get(key) else {
            return self.undescribed(v);
        };
        match def {
            TypeDef::Struct {
                fields,
                page_item,
                labelled_rows,
                ..
            } => match v {
                Value::Object(m) => self.object(fields, page_item.as_ref(), *labelled_rows, m),
                _ => self.mismatch(v),
            },
            // A value the document lists, in any case (as the runtime reads it).
            TypeDef::Enum { values, .. } => match v {
                Value::String(s) if values.iter().any(|l| l.eq_ignore_ascii_case(s)) => {}
                _ => self.mismatch(v),
            },
            TypeDef::IntEnum { .. } if v.is_number() => {}
            TypeDef::IntEnum { .. } => self.mismatch(v),
            TypeDef::Union { variants } => self.union(variants, v),
            TypeDef::Alias { ty } => self.typed(ty, v),
        }
    }

    fn object(
        &self,
        fields: &[Field],
        page_item: Option<&Ty>,
        labelled: bool,
        m: &mut Map<String, Value>,
    ) {
        for (k, child) in m.iter_mut() {
            let slot = match fields.iter().find(|f| f.wire == *k) {
                None => Slot::Undescribed,
                Some(f) => match (page_item, f.wire.as_str()) {
                    (Some(item), "data") => Slot::Items(item),
                    (_, "fields") if labelled => Slot::Labels(&f.ty),
                    _ if f.refers_to.is_some() => Slot::Id(&f.ty),
                    _ => Slot::Ty(&f.ty),
                },
            };
            self.property(k, slot, child);
        }
    }

    /// One of several shapes: a string is kept if a shape other than free text takes it;
    /// anything else is walked as the first shape that takes it (every property known,
    /// then the required ones), or the first of its JSON kind.
    fn union(&self, variants: &[Ty], v: &mut Value) {
        if v.is_string() {
            let kept = variants
                .iter()
                .any(|t| !self.free_text(t) && self.fits(t, v, false));
            if !kept {
                self.text(v);
            }
            return;
        }
        let chosen = variants
            .iter()
            .find(|t| self.fits(t, v, true))
            .or_else(|| variants.iter().find(|t| self.fits(t, v, false)))
            .or_else(|| variants.iter().find(|t| self.same_kind(t, v)));
        match chosen {
            Some(t) => self.typed(t, v),
            None => self.mismatch(v),
        }
    }

    /// Text: a non-empty string replaced.
    fn text(&self, v: &mut Value) {
        match v {
            Value::String(s) if s.is_empty() => {}
            Value::String(s) => *s = REDACTED.into(),
            _ => self.mismatch(v),
        }
    }

    /// A free-form value (`Json`): its strings replaced, its keys too; numbers kept.
    fn free_form(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = shaped(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.free_form(i)),
            Value::Object(m) => map(m, |child| self.free_form(child)),
            Value::Number(_) | Value::Bool(_) | Value::Null => {}
        }
    }

    /// A value that is not of its declared type: redacted, keeping its JSON type.
    fn mismatch(&self, v: &mut Value) {
        match v {
            Value::String(s) if s.is_empty() => {}
            Value::String(s) => *s = REDACTED.into(),
            Value::Number(n) => *n = zero(n),
            Value::Array(_) | Value::Object(_) => self.undescribed(v),
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// Whether `v` is a value of `ty` by the model's one rule (`check`), with the
    /// runtime's parsers for dates, decimals and time spans.
    pub(super) fn fits(&self, ty: &Ty, v: &Value, every_property_known: bool) -> bool {
        let checker = Checker {
            types: self.types,
            formats: &crate::types::WireFormats,
            unknown_fields: every_property_known,
        };
        let mut problems = Vec::new();
        checker.json(ty, v, "", &mut problems);
        problems.is_empty()
    }

    /// Whether `ty` is text the documents do not type further.
    pub(super) fn free_text(&self, ty: &Ty) -> bool {
        match ty {
            Ty::String | Ty::Json | Ty::Binary | Ty::File | Ty::ApiError => true,
            Ty::Ref(key) => match self.types.get(key) {
                Some(TypeDef::Alias { ty }) => self.free_text(ty),
                Some(TypeDef::Enum { .. } | TypeDef::IntEnum { .. }) => false,
                _ => true,
            },
            _ => false,
        }
    }

    fn same_kind(&self, ty: &Ty, v: &Value) -> bool {
        match (ty, v) {
            (Ty::Vec(_), Value::Array(_)) | (Ty::Bool, Value::Bool(_)) | (Ty::Json, _) => true,
            (Ty::I32 | Ty::I64 | Ty::F64 | Ty::Decimal, Value::Number(_)) => true,
            (Ty::Map(_) | Ty::Paged(_) | Ty::Export(_) | Ty::Data(_), Value::Object(_)) => true,
            (Ty::Ref(key), Value::Object(_)) => match self.types.get(key) {
                Some(TypeDef::Struct { .. }) => true,
                Some(TypeDef::Alias { ty }) => self.same_kind(ty, v),
                _ => false,
            },
            _ => false,
        }
    }
}

/// A free-form map's entries under keys of their own (`[redacted-1]`, ...), in order:
/// a map's keys are free text.
fn map(m: &mut Map<String, Value>, each: impl Fn(&mut Value)) {
    let entries = std::mem::take(m);
    for (i, (_, mut child)) in entries.into_iter().enumerate() {
        each(&mut child);
        m.insert(format!("[redacted-{}]", i + 1), child);
    }
}

/// Every string and number in `v` redacted, whatever its type (a name a program asked to
/// redact); property names kept.
pub(super) fn redact_all(v: &mut Value) {
    match v {
        Value::String(s) => *s = shaped(s),
        Value::Number(n) => *n = zero(n),
        Value::Array(items) => items.iter_mut().for_each(redact_all),
        Value::Object(m) => m.values_mut().for_each(redact_all),
        Value::Bool(_) | Value::Null => {}
    }
}

/// What a string of unknown type becomes: a fixed value of its format where its shape
/// shows a date-time, a date or a uuid (so that a field of that type still decodes),
/// else [`REDACTED`]; empty stays empty.
fn shaped(s: &str) -> String {
    match crate::types::observed::model::string_format(s) {
        _ if s.is_empty() => String::new(),
        Some("date-time") => "2000-01-01T00:00:00Z".into(),
        Some("date") => "2000-01-01".into(),
        Some("uuid") => "00000000-0000-0000-0000-000000000000".into(),
        _ => REDACTED.into(),
    }
}

/// 0, or 0.0 for a number with a fraction.
fn zero(n: &serde_json::Number) -> serde_json::Number {
    if n.is_f64() {
        serde_json::Number::from_f64(0.0).unwrap_or(0.into())
    } else {
        0.into()
    }
}
