//! A response model read while drift is observed: every property is first read as JSON,
//! so that its JSON type is known and a value that does not parse can be noted and the
//! rest of the object still checked; then it goes to the model's field as usual. The
//! model that comes out is the one [`crate::de_model`] makes, and a value that does not
//! parse still fails the answer (after the whole object has been looked at).

use super::{enter_field, enter_model, note, note_at, wrong_types, DriftKind};
use crate::types::{Json, Key, ModelFields};
use serde::de::{self, DeserializeSeed, MapAccess};

/// The observed counterpart of `de_model`'s map visitor.
pub(crate) fn observed_map<'de, T: ModelFields, A: MapAccess<'de>>(
    mut map: A,
) -> Result<T, A::Error> {
    let shape = T::SHAPE;
    let _model = enter_model(shape.schema);
    let mut model = T::default();
    // Which of the required properties were present (by index: no allocation per key).
    let mut present = vec![false; shape.required.len()];
    let mut failed: Option<A::Error> = None;
    while let Some(key) = map.next_key::<Key<'de>>()? {
        let value: Json = map.next_value()?;
        let key = key.as_str();
        if let Some(i) = shape.required.iter().position(|r| *r == key) {
            present[i] = true;
        }
        let _field = enter_field(key);
        let null = value.is_null();
        let noted_before = wrong_types();
        let base = base_type(&value);
        let mut one = OneValue(Some(value), base);
        match model.field(key, &mut one) {
            Ok(true) if null && !shape.nullable.contains(&key) => {
                note(DriftKind::UnexpectedNull, "null");
            }
            Ok(true) => {}
            Ok(false) => {
                if let Some(v) = one.0 {
                    note(DriftKind::UnknownField, json_type(&v));
                    model.unknown_fields().insert(key.to_owned(), v);
                }
            }
            Err(e) => {
                // A nested model notes its own value; this one notes only its own.
                if wrong_types() == noted_before {
                    note(DriftKind::WrongType, one.1);
                }
                failed.get_or_insert(de::Error::custom(e));
            }
        }
    }
    for (required, seen) in shape.required.iter().zip(present) {
        if !seen {
            note_at(Some(required), DriftKind::MissingRequired, "absent".into());
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(model),
    }
}

/// One value, handed to a model's `field` as the value of its key, with its JSON type.
struct OneValue(Option<Json>, &'static str);

impl<'de> MapAccess<'de> for OneValue {
    type Error = serde_json::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        _seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self
            .0
            .take()
            .ok_or_else(|| <Self::Error as de::Error>::custom("the value was already read"))?;
        seed.deserialize(value)
    }
}

/// A value's JSON type without format or items: what a value that did not parse was.
pub(crate) fn base_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// A value's JSON type, as an OpenAPI schema would name it: `string`, `integer`,
/// `number`, `boolean`, `object`, `array`, `null`; a string's format where its shape
/// shows one (`string(date-time)`, `string(date)`, `string(uuid)`), an array's items
/// (`array(object)`). Never the value.
pub(crate) fn json_type(v: &Json) -> String {
    match v {
        Json::String(s) => match string_format(s) {
            Some(f) => format!("string({f})"),
            None => "string".into(),
        },
        Json::Array(items) => match items.first() {
            Some(first) => format!("array({})", json_type(first)),
            None => "array".into(),
        },
        other => base_type(other).into(),
    }
}

/// The format a string's shape shows: an ISO date-time, a date, a uuid.
pub(crate) fn string_format(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-';
    if date && b.len() == 10 && digits(8..10) {
        return Some("date");
    }
    if date && b.len() >= 19 && digits(8..10) && b[10] == b'T' && digits(11..13) && b[13] == b':' {
        return Some("date-time");
    }
    if uuid::Uuid::try_parse(s).is_ok() && s.len() == 36 {
        return Some("uuid");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_types_name_no_value() {
        assert_eq!(
            json_type(&json!("2026-07-01T10:00:00.1234567Z")),
            "string(date-time)"
        );
        assert_eq!(json_type(&json!("2026-07-01")), "string(date)");
        assert_eq!(
            json_type(&json!("6f1c2a9e-4b1d-4c3e-9a55-0d2f3b4c5d6e")),
            "string(uuid)"
        );
        assert_eq!(json_type(&json!("Ada Lovelace")), "string");
        assert_eq!(json_type(&json!(12)), "integer");
        assert_eq!(json_type(&json!(1.5)), "number");
        assert_eq!(json_type(&json!([{"a": 1}])), "array(object)");
        assert_eq!(json_type(&json!([])), "array");
        assert_eq!(json_type(&json!({"a": 1})), "object");
        assert_eq!(json_type(&json!(null)), "null");
        assert_eq!(json_type(&json!(true)), "boolean");
    }
}
