//! Parsing helpers shared by the value types.

use serde::de::{self, Visitor};
use std::fmt;
use std::str::FromStr;

// ---------------------------------------------------------------------------------------
// Parsing helpers

/// A value that did not parse as the type the document declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub(crate) what: &'static str,
    pub(crate) input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {:?}", self.what, self.input)
    }
}

impl std::error::Error for ParseError {}

pub(crate) fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

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

impl<T: FromStr> Visitor<'_> for FromStrVisitor<T>
where
    T::Err: fmt::Display,
{
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_str(v).map_err(E::custom)
    }
}
