//! What a recording leaves out: every header but the media types and those a call reads
//! (`Location`, `Content-Disposition`, `Retry-After`), and the values of personal
//! properties and query parameters, by name. A redacted value keeps its JSON type (a
//! string becomes `"[redacted]"`, or a fixed value of its format where its shape shows a
//! date-time, a date or a uuid; a number `0` or `0.0`; inside an object or a list each
//! string and number is redacted), so a replayed answer decodes as the recorded one did;
//! an enum value inside a redacted object is the exception (it becomes an unlisted value).

use serde_json::Value;

/// What a redacted string becomes.
pub const REDACTED: &str = "[redacted]";

/// The properties and query parameters a recording redacts unless told otherwise: names,
/// contact details, addresses and places, free text. Compared without case.
pub const PERSONAL_FIELDS: &[&str] = &[
    "name",
    "firstName",
    "lastName",
    "fullName",
    "customerName",
    "contactName",
    "email",
    "emails",
    "phone",
    "phoneNumber",
    "phoneNumbers",
    "mobile",
    "fax",
    "address",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "postalCode",
    "latitude",
    "longitude",
    "value",
    "memo",
    "notes",
    "note",
    "summary",
    "comment",
    "comments",
    "text",
    "body",
    "username",
    "loginName",
];

/// Redaction by property name.
#[derive(Debug, Clone)]
pub(crate) struct Redaction {
    names: Vec<String>,
}

impl Redaction {
    pub(crate) fn new(extra: &[String]) -> Redaction {
        let mut names: Vec<String> = PERSONAL_FIELDS
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        names.extend(extra.iter().map(|n| n.to_ascii_lowercase()));
        names.sort();
        names.dedup();
        Redaction { names }
    }

    pub(crate) fn covers(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.names.binary_search(&name).is_ok()
    }

    /// `v` with the values of the properties this covers redacted, at any depth.
    pub(crate) fn json(&self, v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if self.covers(k) {
                        redact_all(child);
                    } else {
                        self.json(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.json(i)),
            _ => {}
        }
    }

    /// A query string with the values of the parameters this covers redacted.
    pub(crate) fn query(&self, query: Option<&str>) -> String {
        let Some(query) = query else {
            return String::new();
        };
        let pairs = url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| {
            let v = if self.covers(&k) { REDACTED.into() } else { v };
            (k, v)
        });
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }
}

/// Every string and number in `v` redacted.
fn redact_all(v: &mut Value) {
    match v {
        // A string whose shape shows a format keeps one (a date-time, a date, a uuid), so
        // that a field of that type still decodes.
        Value::String(s) => {
            *s = match crate::types::observed::model::string_format(s) {
                Some("date-time") => "2000-01-01T00:00:00Z".into(),
                Some("date") => "2000-01-01".into(),
                Some("uuid") => "00000000-0000-0000-0000-000000000000".into(),
                _ => REDACTED.into(),
            }
        }
        Value::Number(n) if n.is_f64() => {
            *n = serde_json::Number::from_f64(0.0).unwrap_or(0.into())
        }
        Value::Number(n) => *n = 0.into(),
        Value::Object(map) => map.values_mut().for_each(redact_all),
        Value::Array(items) => items.iter_mut().for_each(redact_all),
        Value::Bool(_) | Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_values_are_redacted_with_their_types_kept() {
        let r = Redaction::new(&["taxNumber".into()]);
        let mut v = json!({
            "id": 7,
            "Name": "Ada Lovelace",
            "address": {"street": "1 Main St", "zip": 12345, "country": "GB", "latitude": 51.5},
            "notes": [{"text": "called", "on": "2026-11-02T10:00:00Z"}],
            "contacts": [{"type": "Email", "value": "ada@example.com"}],
            "taxNumber": "GB-123",
            "active": true,
            "balance": 12.5
        });
        r.json(&mut v);
        assert_eq!(
            v,
            json!({
                "id": 7,
                "Name": "[redacted]",
                "address": {"street": "[redacted]", "zip": 0, "country": "[redacted]", "latitude": 0.0},
                "notes": [{"text": "[redacted]", "on": "2000-01-01T00:00:00Z"}],
                "contacts": [{"type": "Email", "value": "[redacted]"}],
                "taxNumber": "[redacted]",
                "active": true,
                "balance": 12.5
            })
        );
        assert_eq!(
            r.query(Some("name=Ada+L&page=2&phone=555")),
            "name=%5Bredacted%5D&page=2&phone=%5Bredacted%5D"
        );
    }
}
