//! Requests checked against the model: JSON values against types (required fields, JSON
//! kinds, enums, formats, read by the runtime's own parsers), and path and query texts
//! against parameter types. Each problem names its field, as the API's `errors` does.

use crate::model::{Api, Ty, TypeDef};
use serde_json::Value;
use servicetitan_runtime as rt;

/// Problems found: (field path, message).
pub type Problems = Vec<(String, String)>;

/// Checks a JSON `value` of type `ty` found at `at` (a field path such as `address.zip`).
pub fn check_json(api: &Api, ty: &Ty, value: &Value, at: &str, out: &mut Problems) {
    let mut bad = |what: &str| out.push((at.to_string(), format!("The value is not {what}.")));
    match ty {
        Ty::Bool if !value.is_boolean() => bad("a boolean"),
        Ty::I32 if value.as_i64().is_none_or(|n| i32::try_from(n).is_err()) => {
            bad("a 32-bit integer")
        }
        Ty::I64 if !value.is_i64() && !value.is_u64() => bad("an integer"),
        Ty::F64 if !value.is_number() => bad("a number"),
        Ty::String if !value.is_string() => bad("a string"),
        Ty::Decimal if !parses::<rt::Decimal>(value) => bad("a decimal number"),
        Ty::DateTime if !(value.is_string() && parses::<rt::DateTime>(value)) => bad("a date-time"),
        Ty::Date if !(value.is_string() && parses::<rt::Date>(value)) => bad("a date"),
        Ty::TimeSpan if !(value.is_string() && parses::<rt::TimeSpan>(value)) => {
            bad("a time span (hh:mm:ss)")
        }
        Ty::Uuid if !value.as_str().is_some_and(is_uuid) => bad("a UUID"),
        Ty::Binary if !parses::<rt::Binary>(value) => bad("base64 bytes"),
        Ty::Vec(item) => match value.as_array() {
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    check_json(api, item, v, &format!("{at}[{i}]"), out);
                }
            }
            None => bad("an array"),
        },
        Ty::Map(item) => match value.as_object() {
            Some(m) => {
                for (k, v) in m {
                    check_json(api, item, v, &join(at, k), out);
                }
            }
            None => bad("an object"),
        },
        Ty::Flags(inner) => match value.as_str() {
            Some(text) => {
                for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    check_json(api, inner, &Value::String(part.into()), at, out);
                }
            }
            None => bad("a comma-separated list of values"),
        },
        Ty::Sort(inner) => match value.as_str() {
            Some(text) => {
                let field = text.strip_prefix(['+', '-']).unwrap_or(text).trim();
                check_json(api, inner, &Value::String(field.into()), at, out);
            }
            None => bad("+Field or -Field"),
        },
        Ty::Paged(_) | Ty::Export(_) | Ty::Data(_) | Ty::ApiError if !value.is_object() => {
            bad("an object")
        }
        Ty::Ref(key) => check_named(api, key, value, at, out),
        _ => {}
    }
}

fn check_named(api: &Api, key: &str, value: &Value, at: &str, out: &mut Problems) {
    let Some(def) = api.type_def(key) else {
        return;
    };
    match def {
        TypeDef::Struct { fields, .. } => {
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
                    Some(v) => check_json(api, &f.ty, v, &here, out),
                }
            }
        }
        TypeDef::Enum { values, .. } => {
            let ok = value
                .as_str()
                .is_some_and(|s| values.iter().any(|v| v.eq_ignore_ascii_case(s)));
            if !ok {
                out.push((
                    at.to_string(),
                    format!("The value is not one of {}.", values.join(", ")),
                ));
            }
        }
        TypeDef::IntEnum { values } => {
            if !value.as_i64().is_some_and(|n| values.contains(&n)) {
                let list: Vec<String> = values.iter().map(i64::to_string).collect();
                out.push((
                    at.to_string(),
                    format!("The value is not one of {}.", list.join(", ")),
                ));
            }
        }
        TypeDef::Union { variants } => {
            let fits = variants.iter().any(|v| {
                let mut p = Problems::new();
                check_json(api, v, value, at, &mut p);
                p.is_empty()
            });
            if !fits {
                out.push((at.to_string(), "The value fits none of the shapes.".into()));
            }
        }
        TypeDef::Alias { ty } => check_json(api, ty, value, at, out),
    }
}

/// Checks the text of a path or query parameter `name` of type `ty`.
pub fn check_text(api: &Api, ty: &Ty, text: &str, name: &str, out: &mut Problems) {
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
                check_text(api, item, part, name, out);
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
                check_text(api, of, part, name, out);
            }
            return;
        }
        // The API refuses an offset written out (`+00:00`); `Z`, or none, it takes.
        Ty::DateTime if has_offset(text) => {
            out.push((
                name.to_string(),
                format!(
                    "The value '{text}' is not valid for {name}: write the time in UTC with `Z`."
                ),
            ));
            return;
        }
        Ty::Ref(key) => match api.type_def(key) {
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
    check_json(api, ty, &value, name, out);
}

/// A date-time with a numeric offset after the time (`...T10:00:00+00:00`, `-0500`).
fn has_offset(text: &str) -> bool {
    text.split_once('T')
        .is_some_and(|(_, time)| time.contains('+') || time.contains('-'))
}

fn parses<T: serde::de::DeserializeOwned>(value: &Value) -> bool {
    T::deserialize(value).is_ok()
}

fn is_uuid(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Gen;

    #[test]
    fn generated_values_pass_and_broken_ones_are_named() {
        let api = Api::embedded().expect("model");
        let ty = Ty::Ref("crm.CreateCustomerRequest".into());
        let mut good = Gen::new(&api, 1, "t").value(&ty, "");
        let mut p = Problems::new();
        check_json(&api, &ty, &good, "", &mut p);
        assert!(p.is_empty(), "{p:?}");
        good.as_object_mut().expect("object").remove("name");
        good["type"] = "Martian".into();
        good["locations"][0]["address"]["zip"] = 5.into();
        check_json(&api, &ty, &good, "", &mut p);
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "type", "locations[0].address.zip"],
            "{p:?}"
        );
    }

    #[test]
    fn parameter_texts_are_read_by_type() {
        let api = Api::embedded().expect("model");
        let mut p = Problems::new();
        check_text(&api, &Ty::I64, "12", "id", &mut p);
        check_text(&api, &Ty::DateTime, "2024-01-02T03:04:05Z", "from", &mut p);
        check_text(&api, &Ty::Bool, "True", "active", &mut p);
        assert!(p.is_empty(), "{p:?}");
        check_text(&api, &Ty::I64, "twelve", "id", &mut p);
        check_text(&api, &Ty::DateTime, "yesterday", "from", &mut p);
        check_text(
            &api,
            &Ty::DateTime,
            "2024-01-02T03:04:05+00:00",
            "from",
            &mut p,
        );
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["id", "from", "from"]);
        assert!(p[2].1.contains("with `Z`"), "{p:?}");
    }
}
