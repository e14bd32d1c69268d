//! What an error may say of a body: a value by its JSON type and size, never its text;
//! of the decoder's words, only what the program's type expected, never what the
//! decoder quoted of the value it found.

use super::{Error, ErrorKind};
use crate::types::Json;

/// What stands for the expected type when the decoder's words do not say it for certain.
const DECLARED: &str = "a value of the declared type";

/// A JSON value by its type and size, never its text: `a string of 18 characters`, `a
/// number`, `an object of 3 properties`, `an array of 2 items`, `null`, `a boolean`.
pub(crate) fn describe(v: &Json) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match v {
        Json::Null => "null".into(),
        Json::Bool(_) => "a boolean".into(),
        Json::Number(_) => "a number".into(),
        Json::String(s) => {
            format!(
                "a string of {}",
                plural(s.chars().count(), "character", "characters")
            )
        }
        Json::Array(a) => format!("an array of {}", plural(a.len(), "item", "items")),
        Json::Object(o) => format!("an object of {}", plural(o.len(), "property", "properties")),
    }
}

/// A body kept as text by its kind and length, never its text: `an empty body`, `an
/// HTML body of 1200 bytes`, `a JSON body of 80 bytes`, `a text body of 12 bytes`.
pub(crate) fn body_shape(text: &str) -> String {
    let t = text.trim_start();
    let n = text.len();
    let unit = if n == 1 { "byte" } else { "bytes" };
    if t.is_empty() {
        "an empty body".into()
    } else if t.starts_with('<') {
        format!("an HTML body of {n} {unit}")
    } else if t.starts_with('{') || t.starts_with('[') {
        format!("a JSON body of {n} {unit}")
    } else {
        format!("a text body of {n} {unit}")
    }
}

/// The value `path` leads to in `root`; `None` when a step is not in it, or is one the
/// decoder could not name.
pub(crate) fn value_at<'a>(root: &'a Json, path: &serde_path_to_error::Path) -> Option<&'a Json> {
    use serde_path_to_error::Segment;
    let mut at = root;
    for segment in path.iter() {
        at = match segment {
            Segment::Seq { index } => at.get(*index)?,
            Segment::Map { key } => at.get(key.as_str())?,
            Segment::Enum { variant } => at.get(variant.as_str())?,
            Segment::Unknown => return None,
        };
    }
    Some(at)
}

/// The error of a body that did not decode, at `path` (as shown), where the body has
/// `found` (when the path leads to it), from the decoder's error: what the type expected,
/// what the body has there by its JSON type and size; the decoder's own words, which
/// quote the value, only for [`Error::customer_data_detail`].
pub(crate) fn decode_error(path: String, found: Option<&Json>, e: &serde_json::Error) -> Error {
    let words = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = match words.strip_suffix(&position) {
        Some(m) if e.line() != 0 => m,
        _ => &words,
    };
    let (expected, found) = if e.is_syntax() || e.is_eof() {
        // serde_json's own words for malformed JSON: fixed texts, no value in them.
        ("JSON".to_string(), format!("malformed JSON ({words})"))
    } else {
        let found = found.map_or_else(|| "a value that could not be located".into(), describe);
        (expected(message), found)
    };
    Error::new(ErrorKind::Decode {
        path,
        expected,
        found,
    })
    .with_detail(words)
}

/// What the type expected, from a decoder's message (its position taken off), only
/// where the message's form is serde's own and the words say a type: after `invalid
/// type: ` and `invalid value: ` comes the value found (quoted), then `, expected ` and
/// the type's description; after `unknown variant`, the value, then the variants the type
/// lists. The found value comes before the last `, expected `, so what follows it is the
/// type's words, whatever the value holds. Anything else: [`DECLARED`].
fn expected(message: &str) -> String {
    let after_last =
        |rest: &str, sep: &str| rest.rfind(sep).map(|i| rest[i + sep.len()..].to_string());
    let typed = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| after_last(rest, ", expected "));
    let listed = || {
        let rest = message.strip_prefix("unknown variant `")?;
        if rest.ends_with("`, there are no variants") {
            return Some("no value (the type lists none)".to_string());
        }
        after_last(rest, "`, expected ")
    };
    let field = || {
        let name = message.strip_prefix("missing field `")?.strip_suffix('`')?;
        (!name.contains('`')).then(|| format!("a field `{name}`"))
    };
    let length = || {
        let (n, exp) = message
            .strip_prefix("invalid length ")?
            .split_once(", expected ")?;
        n.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| exp.to_string())
    };
    typed
        .or_else(listed)
        .or_else(field)
        .or_else(length)
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| DECLARED.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_is_described_by_its_type_and_size() {
        assert_eq!(
            describe(&json!("Jane Doe, 12 Elm St")),
            "a string of 19 characters"
        );
        assert_eq!(describe(&json!("é")), "a string of 1 character");
        assert_eq!(describe(&json!(4111111111111111u64)), "a number");
        assert_eq!(
            describe(&json!({"a": 1, "b": 2, "c": 3})),
            "an object of 3 properties"
        );
        assert_eq!(describe(&json!([1, 2])), "an array of 2 items");
        assert_eq!(describe(&json!(null)), "null");
        assert_eq!(describe(&json!(false)), "a boolean");
        assert_eq!(body_shape("<html>Jane</html>"), "an HTML body of 17 bytes");
        assert_eq!(body_shape(" {\"a\":1}"), "a JSON body of 8 bytes");
        assert_eq!(body_shape("Jane Doe"), "a text body of 8 bytes");
        assert_eq!(body_shape("  "), "an empty body");
    }

    #[test]
    fn the_expected_type_is_kept_and_the_found_value_never() {
        let cases = [
            ("invalid type: string \"Jane Doe\", expected i64", "i64"),
            (
                "invalid value: string \"x\", expected an RFC 3339 date-time",
                "an RFC 3339 date-time",
            ),
            // A value that holds the separator itself: the type's words are after the last.
            (
                "invalid type: string \"a, expected b\", expected a boolean",
                "a boolean",
            ),
            (
                "invalid value: integer `4111111111111111`, expected u8",
                "u8",
            ),
            ("unknown variant `Jane`, expected `A` or `B`", "`A` or `B`"),
            (
                "unknown variant `x`, expected `y`, expected one of `A`, `B`",
                "one of `A`, `B`",
            ),
            (
                "unknown variant `Jane`, there are no variants",
                "no value (the type lists none)",
            ),
            ("missing field `name`", "a field `name`"),
            (
                "invalid length 3, expected a tuple of size 2",
                "a tuple of size 2",
            ),
            ("invalid date-time: \"Jane Doe\"", DECLARED),
            (
                "UUID parsing failed: invalid character: found `J` at 1",
                DECLARED,
            ),
            ("Jane Doe, expected nothing", DECLARED),
            ("missing field `a` `Jane`", DECLARED),
        ];
        for (message, want) in cases {
            assert_eq!(expected(message), want, "{message}");
        }
    }

    #[test]
    fn a_decode_error_keeps_the_decoders_words_only_as_detail() {
        let body = json!({"data": [{"balance": 1}, {"balance": "Jane Doe, 12 Elm St"}]});
        let de = serde_path_to_error::deserialize::<
            _,
            std::collections::BTreeMap<String, Vec<std::collections::BTreeMap<String, i64>>>,
        >(&body);
        let e = de.expect_err("a string");
        let err = decode_error(e.path().to_string(), value_at(&body, e.path()), e.inner());
        let shown = format!("{err} {err:?} {err:#?}");
        assert!(!shown.contains("Jane"), "{shown}");
        assert!(
            err.to_string()
                .ends_with("at `data[1].balance`: expected i64, found a string of 19 characters"),
            "{err}"
        );
        assert!(err
            .customer_data_detail()
            .is_some_and(|d| d.contains("Jane Doe")));
        assert!(std::error::Error::source(&err).is_none());
        let malformed =
            serde_json::from_slice::<Json>(b"{\"name\": \"Jane\",, }").expect_err("malformed");
        let err = decode_error(".".into(), None, &malformed);
        assert!(
            matches!(err.kind(), ErrorKind::Decode { found, .. } if found.starts_with("malformed JSON"))
        );
        assert!(!format!("{err} {err:?}").contains("Jane"), "{err:?}");
    }
}
