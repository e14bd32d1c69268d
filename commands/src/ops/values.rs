//! Values against the model: the checker the stand-in uses, with the runtime's parsers;
//! a type in words for help texts and schemas; a parameter's text as the API takes it.

use servicetitan_api_model::check::{Checker, Problems};
use servicetitan_api_model::{Model, Ty, TypeDef};
use servicetitan_runtime as rt;

/// The checker for `model`; `unknown_fields`: whether a property its type lacks is refused.
pub fn checker(model: &Model, unknown_fields: bool) -> Checker<'_> {
    Checker {
        types: &model.types,
        formats: &rt::WireFormats,
        unknown_fields,
    }
}

/// Problems as lines: `  place: message`.
pub fn lines(problems: &Problems) -> String {
    problems
        .iter()
        .map(|(at, m)| format!("  {}: {m}", if at.is_empty() { "(body)" } else { at }))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The type's name in the short form a flag's value shows (`INTEGER`, `DATE-TIME`).
pub fn value_name(model: &Model, ty: &Ty) -> &'static str {
    match ty {
        Ty::Bool => "true|false",
        Ty::I32 | Ty::I64 => "INTEGER",
        Ty::F64 => "NUMBER",
        Ty::Decimal => "DECIMAL",
        Ty::DateTime => "DATE-TIME",
        Ty::Date => "DATE",
        Ty::TimeSpan => "HH:MM:SS",
        Ty::Uuid => "UUID",
        Ty::Ids { .. } => "ID,ID,...",
        Ty::Sort(_) => "+FIELD|-FIELD",
        Ty::Map(_) => "KEY=VALUE",
        Ty::Vec(item) => value_name(model, item),
        Ty::Flags(_) => "VALUE,VALUE,...",
        Ty::File => "FILE",
        Ty::Ref(key) => match model.type_def(key) {
            Some(TypeDef::Enum { .. } | TypeDef::IntEnum { .. }) => "VALUE",
            Some(TypeDef::Alias { ty }) => value_name(model, ty),
            _ => "JSON",
        },
        _ => "TEXT",
    }
}

/// The type in words: `an integer`, `a date-time (2026-01-31T09:00:00Z)`,
/// `one of Residential, Commercial`, `a list of ids (at most 50)`.
pub fn words(model: &Model, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "true or false".into(),
        Ty::I32 => "a 32-bit integer".into(),
        Ty::I64 => "an integer".into(),
        Ty::F64 => "a number".into(),
        Ty::Decimal => "a decimal number".into(),
        Ty::String => "text".into(),
        Ty::DateTime => "a date-time in UTC (2026-01-31T09:00:00Z)".into(),
        Ty::Date => "a date (2026-01-31)".into(),
        Ty::TimeSpan => "a time span (09:30:00)".into(),
        Ty::Uuid => "a UUID".into(),
        Ty::Binary => "base64 bytes".into(),
        Ty::File => "a file".into(),
        Ty::Json | Ty::ApiError => "any JSON".into(),
        Ty::Ids { max, .. } => match max {
            Some(m) => format!("ids, comma-separated, at most {m}"),
            None => "ids, comma-separated".into(),
        },
        Ty::Sort(field) => format!(
            "+FIELD (ascending) or -FIELD (descending), FIELD {}",
            words(model, field)
        ),
        Ty::Flags(inner) => format!("comma-separated values, each {}", words(model, inner)),
        Ty::Vec(item) => format!("a list, each {}", words(model, item)),
        Ty::Map(item) => format!("an object whose values are each {}", words(model, item)),
        Ty::Paged(item) | Ty::Export(item) | Ty::Data(item) => {
            format!("pages of {}", words(model, item))
        }
        Ty::Ref(key) => match model.type_def(key) {
            Some(TypeDef::Enum { values, .. }) => format!("one of {}", values.join(", ")),
            Some(TypeDef::IntEnum { values }) => {
                let v: Vec<String> = values.iter().map(i64::to_string).collect();
                format!("one of {}", v.join(", "))
            }
            Some(TypeDef::Alias { ty }) => words(model, ty),
            _ => format!("a {} object", short(key)),
        },
    }
}

/// `crm.Customer` as `Customer`.
pub fn short(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// The enum values a type takes, when it is an enum (or a list or sort of one).
pub fn enum_values(model: &Model, ty: &Ty) -> Option<Vec<String>> {
    match ty {
        Ty::Ref(key) => match model.type_def(key)? {
            TypeDef::Enum { values, .. } => Some(values.clone()),
            TypeDef::IntEnum { values } => Some(values.iter().map(i64::to_string).collect()),
            TypeDef::Alias { ty } => enum_values(model, ty),
            _ => None,
        },
        Ty::Vec(item) => enum_values(model, item),
        _ => None,
    }
}

/// A parameter's text as the API takes it, once it is known to fit: an enum value
/// spelled as the document lists it, a boolean in lower case; other texts as given.
pub fn canonical(model: &Model, ty: &Ty, text: &str) -> String {
    match ty {
        Ty::Bool => text.to_ascii_lowercase(),
        Ty::Sort(field) => {
            let (sign, name) = match text.strip_prefix(['+', '-']) {
                Some(rest) => (&text[..1], rest),
                None => ("+", text),
            };
            format!("{sign}{}", canonical(model, field, name.trim()))
        }
        Ty::Vec(item) | Ty::Flags(item) if enum_values(model, item).is_some() => text
            .split(',')
            .map(|t| canonical(model, item, t.trim()))
            .collect::<Vec<_>>()
            .join(","),
        _ => match enum_values(model, ty) {
            Some(values) => values
                .into_iter()
                .find(|v| v.eq_ignore_ascii_case(text))
                .unwrap_or_else(|| text.to_string()),
            None => text.to_string(),
        },
    }
}

/// A document's words as plain text: markdown's hard line breaks (a `\\` at a line's end)
/// taken out.
pub fn plain(doc: &str) -> String {
    doc.lines()
        .map(|l| l.strip_suffix('\\').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}
