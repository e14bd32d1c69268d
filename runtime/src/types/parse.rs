//! Parsing helpers shared by the value types.

use serde::de::{self, Visitor};
use std::fmt;
use std::str::FromStr;

// ---------------------------------------------------------------------------------------
// Parsing helpers

/// A value that did not parse as the type the document declares. It says which type and
/// how long the text was, never the text (which may be a customer's data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub(crate) what: &'static str,
    /// The length of the text, in characters.
    pub(crate) chars: usize,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, input: &str) -> Self {
        ParseError {
            what,
            chars: input.chars().count(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.chars == 1 {
            "character"
        } else {
            "characters"
        };
        write!(
            f,
            "not a valid {}: a string of {} {unit}",
            self.what, self.chars
        )
    }
}

impl std::error::Error for ParseError {}

pub(crate) struct FromStrVisitor<T> {
    expecting: &'static str,
    _t: std::marker::PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    pub(crate) fn new(expecting: &'static str) -> Self {
        FromStrVisitor {
            expecting,
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: FromStr> Visitor<'_> for FromStrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    /// serde's own form (`invalid value: ..., expected <what this visitor expects>`), so
    /// that a decoding error can say what was expected without the value.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_str(v).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// The one key of the map through which serde_json hands a number to `deserialize_any`
/// when its `arbitrary_precision` feature is on. Any crate of a program's dependency
/// graph may turn that feature on (rust_decimal's `serde-with-arbitrary-precision` does),
/// and Cargo unifies features, so every visitor that reads numbers accepts this form.
const PRECISE_NUMBER_KEY: &str = "$serde_json::private::Number";

/// The text of a number that serde_json's `arbitrary_precision` hands over as a map; an
/// error for any other map.
pub(crate) fn precise_number<'de, A: de::MapAccess<'de>>(
    mut map: A,
    expected: &dyn de::Expected,
) -> Result<String, A::Error> {
    match map.next_key::<String>()? {
        Some(k) if k == PRECISE_NUMBER_KEY => map.next_value::<String>(),
        _ => Err(de::Error::invalid_type(de::Unexpected::Map, expected)),
    }
}
