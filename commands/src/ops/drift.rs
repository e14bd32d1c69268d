//! Drift observation for the commands and the MCP server: they read answers as JSON, not
//! through the generated models, so each answer is checked against the model here, by
//! the rules the runtime's observed decoding keeps (the same kinds, places and details,
//! so that notes from a program and from the command merge in one notes file): properties
//! the model does not know (by JSON type), required ones absent, `null` where not allowed,
//! enum values not listed, values of another type. Only the API's vocabulary is noted,
//! never a value of a record. The status and media type are noted by the runtime itself,
//! from the operation's declared answers.

use super::values::checker;
use serde_json::Value;
use servicetitan_api_model::check::Problems;
use servicetitan_api_model::{Domain, Model, Operation, Response, Ty, TypeDef};
use servicetitan_runtime::drift::{self, base_type, DriftKind, DriftNotes, DriftPlace, DriftTally};
use std::collections::HashMap;

/// The longest enum value a note keeps (as the runtime's observer).
const ENUM_VALUE_MAX: usize = 64;

/// What one answer of `o` shows, as notes.
pub fn notes(model: &Model, d: &Domain, o: &Operation, answer: &Value) -> DriftNotes {
    let Response::Json(ty) = &o.response else {
        return DriftNotes::new();
    };
    let mut w = Walk {
        model,
        found: HashMap::new(),
        schema: String::new(),
        path: String::new(),
        field: String::new(),
    };
    w.value(ty, answer);
    let now = chrono::Utc::now();
    let now = now - chrono::Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&now)));
    w.found
        .into_iter()
        .map(|((schema, field, path, kind, detail), count)| {
            let place = DriftPlace {
                domain: d.module.clone(),
                operation: o.id.clone(),
                schema,
                field,
                path,
                kind,
                detail,
            };
            let tally = DriftTally {
                count,
                first_seen: now,
                last_seen: now,
            };
            (place, tally)
        })
        .collect()
}

type Key = (String, String, String, DriftKind, String);

struct Walk<'m> {
    model: &'m Model,
    found: HashMap<Key, u64>,
    /// The innermost model's schema.
    schema: String,
    /// The keys from the outermost model, joined by `.`.
    path: String,
    /// The current model's property being read.
    field: String,
}

impl Walk<'_> {
    fn note(&mut self, field: &str, path: &str, kind: DriftKind, detail: String) {
        let key = (
            self.schema.clone(),
            field.to_string(),
            path.to_string(),
            kind,
            detail,
        );
        *self.found.entry(key).or_insert(0) += 1;
    }

    fn here(&mut self, kind: DriftKind, detail: String) {
        let (field, path) = (self.field.clone(), self.path.clone());
        self.note(&field, &path, kind, detail);
    }

    fn value(&mut self, ty: &Ty, v: &Value) {
        match ty {
            Ty::Paged(item) | Ty::Export(item) | Ty::Data(item) => {
                if let Some(Value::Array(items)) = v.get("data") {
                    items.iter().for_each(|i| self.value(item, i));
                }
            }
            Ty::Vec(item) => match v {
                Value::Array(items) => items.iter().for_each(|i| self.value(item, i)),
                Value::Null => {}
                other => self.here(DriftKind::WrongType, base_type(other).into()),
            },
            Ty::Map(item) => {
                if let Value::Object(m) = v {
                    m.values().for_each(|i| self.value(item, i));
                }
            }
            Ty::Ref(key) => self.named(key, v),
            Ty::Json | Ty::ApiError => {}
            scalar => {
                let mut p = Problems::new();
                checker(self.model, false).json(scalar, v, "", &mut p);
                if !p.is_empty() && !v.is_null() {
                    self.here(DriftKind::WrongType, base_type(v).into());
                }
            }
        }
    }

    fn named(&mut self, key: &str, v: &Value) {
        let model = self.model;
        match model.type_def(key) {
            Some(TypeDef::Struct { schema, fields, .. }) => {
                let Value::Object(object) = v else {
                    if !v.is_null() {
                        self.here(DriftKind::WrongType, base_type(v).into());
                    }
                    return;
                };
                let saved = (self.schema.clone(), self.field.clone());
                self.schema = schema.clone();
                for (k, value) in object {
                    let before = self.path.len();
                    if before > 0 {
                        self.path.push('.');
                    }
                    self.path.push_str(k);
                    self.field = k.clone();
                    match fields.iter().find(|f| &f.wire == k) {
                        None => self.here(DriftKind::UnknownField, drift::json_type(value)),
                        Some(f) if value.is_null() => {
                            if !f.nullable {
                                self.here(DriftKind::UnexpectedNull, "null".into());
                            }
                        }
                        Some(f) => self.value(&f.ty, value),
                    }
                    self.path.truncate(before);
                }
                for f in fields
                    .iter()
                    .filter(|f| f.required && !object.contains_key(&f.wire))
                {
                    let path = if self.path.is_empty() {
                        f.wire.clone()
                    } else {
                        format!("{}.{}", self.path, f.wire)
                    };
                    self.note(&f.wire, &path, DriftKind::MissingRequired, "absent".into());
                }
                (self.schema, self.field) = saved;
            }
            Some(TypeDef::Enum { values, flags }) => match v.as_str() {
                Some(s) => {
                    let parts: Vec<&str> = if *flags {
                        s.split(',').map(str::trim).collect()
                    } else {
                        vec![s]
                    };
                    for part in parts {
                        if !values.iter().any(|x| x.eq_ignore_ascii_case(part)) {
                            self.enum_value(part);
                        }
                    }
                }
                None => self.here(DriftKind::WrongType, base_type(v).into()),
            },
            Some(TypeDef::IntEnum { values }) => match v.as_i64() {
                Some(n) if values.contains(&n) => {}
                Some(n) => self.enum_value(&n.to_string()),
                None => self.here(DriftKind::WrongType, base_type(v).into()),
            },
            Some(TypeDef::Alias { ty }) => self.value(ty, v),
            Some(TypeDef::Union { .. }) | None => {}
        }
    }

    fn enum_value(&mut self, value: &str) {
        let n = value.chars().count();
        let detail = if n > ENUM_VALUE_MAX {
            format!("({n} characters, not kept)")
        } else {
            value.to_string()
        };
        self.here(DriftKind::UnlistedEnumValue, detail);
    }
}

/// When drift is observed: the notes file written, and its one line on standard error
/// (`drift: 1 unknown field in 1 operation (notes: drift.jsonl)`).
pub fn summary(runtime: &servicetitan_runtime::Runtime) {
    if !runtime.observes_drift() {
        return;
    }
    let file = match runtime.flush_drift() {
        Ok(Some(f)) => format!(" (notes: {})", f.display()),
        Ok(None) => String::new(),
        Err(e) => format!(" (the notes file could not be written: {e})"),
    };
    eprintln!(
        "{}{file}",
        drift::notes_file::summary(&runtime.drift_notes())
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use servicetitan_runtime::{Method, Operation, Paged};

    /// The notes without their times.
    fn places(notes: &DriftNotes) -> Vec<(DriftPlace, u64)> {
        notes.iter().map(|(p, t)| (p.clone(), t.count)).collect()
    }

    #[test]
    fn a_page_is_noted_as_the_typed_decoding_notes_it() {
        let model = crate::api::model().expect("the model");
        let (d, o) = model
            .operations()
            .find(|(d, o)| d.module == "crm" && o.id == "Customers_GetList")
            .expect("the operation");
        let op = Operation {
            domain: "crm",
            ..Operation::custom(
                "Customers_GetList",
                Method::Get,
                "/tenant/{tenant}/customers",
            )
        };
        let customer = serde_json::json!({"id": 1, "name": "Ada Lovelace", "type": "Governmental",
            "active": null, "loyaltyTier": "gold", "address": {"street": "1 Elm", "nickname": "home"},
            "balance": 1.5, "createdOn": "2026-01-01T00:00:00Z", "modifiedOn": "2026-01-01T00:00:00Z"});
        let other = serde_json::json!({"id": 2, "name": "Grace Hopper", "type": "Residential",
            "active": true, "loyaltyTier": "silver", "balance": 2, "createdOn": "2026-01-01T00:00:00Z"});
        let mut wrong = customer.clone();
        wrong["address"]["zip"] = 94103.into();
        // A value of the wrong type fails a typed answer at that record (the rest is not
        // read), so it goes last.
        for data in [vec![customer, other.clone()], vec![other, wrong]] {
            let page =
                serde_json::json!({"page": 1, "pageSize": 2, "hasMore": false, "data": data});
            let ours = notes(model, d, o, &page);
            let bytes = serde_json::to_vec(&page).expect("bytes");
            let (_, typed) =
                drift::observe_decode::<Paged<servicetitan::crm::CustomerResponse>>(&op, &bytes);
            assert!(!typed.is_empty());
            assert_eq!(
                places(&ours),
                places(&typed),
                "the same notes as the generated models'"
            );
            let text = format!("{ours:?}");
            for value in ["Ada", "Grace", "1 Elm", "gold", "home", "94103"] {
                assert!(!text.contains(value), "{value} in the notes");
            }
        }
    }
}
